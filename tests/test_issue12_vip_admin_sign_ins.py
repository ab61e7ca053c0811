"""Issue 12, items 3, 4, 27, 28: VIP admin sign-ins, per-admin invitation links, in-place edits, the admin."""

import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import services as pa
from customers import services
from customers.models import CustomerEvent, CustomerStatus, VipAdmin
from notifications.models import OutboundEmail
from resellerconsole.errors import DomainError
from tests.factories import (
    ActiveCustomerFactory,
    CustomerFactory,
    InternalSalesFactory,
    InvitedCustomerFactory,
    ProductFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-good-pass-42"
ADMINS = [("Anna Admin", "anna@kund.example"), ("Bo Admin", "bo@kund.example")]


def admin_of(customer, email: str) -> VipAdmin:
    return customer.vip_admins.get(email=email)


def sign_up(vip_admin: VipAdmin) -> User:
    return services.vip_admin_sign_in_create(token=services.invitation_token(vip_admin), password=PASSWORD)


def signed_in_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sessions_of(user: User) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def customer(sales):
    return ActiveCustomerFactory(reseller=sales.reseller, vip_admins=ADMINS)


def edit_form(customer, admins, **overrides) -> dict:
    data = {
        "company_name": customer.company_name,
        "address_line1": customer.address_line1,
        "address_line2": "",
        "postal_code": customer.postal_code,
        "city": customer.city,
        "country": "SE",
        "market_segment": customer.market_segment,
        "preferred_language": customer.preferred_language,
        "admins-TOTAL_FORMS": str(len(admins)),
        "admins-INITIAL_FORMS": str(len(admins)),
        "admins-MIN_NUM_FORMS": "1",
        "admins-MAX_NUM_FORMS": "20",
    }
    for n, (pk, name, email) in enumerate(admins):
        data.update({f"admins-{n}-id": str(pk or ""), f"admins-{n}-name": name, f"admins-{n}-email": email})
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------
# Item 3: a removed VIP admin loses the admin console at once
# ---------------------------------------------------------------------------
def test_removing_a_vip_admin_in_the_console_ends_their_sign_in_and_sessions(sales_client, customer):
    anna, bo = admin_of(customer, "anna@kund.example"), admin_of(customer, "bo@kund.example")
    bo_user = sign_up(bo)
    bo_browser = signed_in_client(bo_user)
    assert bo_browser.get(reverse("admin-console")).status_code == 200

    response = sales_client.post(
        reverse("customer-edit", args=[customer.pk]), edit_form(customer, [(anna.pk, anna.name, anna.email)])
    )

    assert response.status_code == 302
    bo_user.refresh_from_db()
    assert (bo_user.is_active, bo_user.has_usable_password(), bo_user.vip_admin_id) == (False, False, None)
    assert sessions_of(bo_user) == 0
    assert bo_browser.get(reverse("admin-console")).status_code == 302  # sent to log in
    assert not bo_user.check_password(PASSWORD)
    assert User.objects.filter(pk=bo_user.pk).exists()  # the audit trail keeps its actor


def test_removing_a_vip_admin_through_the_api_ends_their_sign_in(api_client, sales, customer):
    anna, bo = admin_of(customer, "anna@kund.example"), admin_of(customer, "bo@kund.example")
    bo_user = sign_up(bo)
    api_client.force_authenticate(sales)

    response = api_client.patch(
        reverse("api-customer-detail", args=[customer.pk]),
        {"vip_admins": [{"id": anna.pk, "name": anna.name, "email": anna.email}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    bo_user.refresh_from_db()
    assert not bo_user.is_active and bo_user.vip_admin_id is None


def test_deleting_the_vip_admin_row_any_other_way_ends_the_sign_in(customer):
    bo_user = sign_up(admin_of(customer, "bo@kund.example"))
    bo_browser = signed_in_client(bo_user)

    VipAdmin.objects.filter(email="bo@kund.example").delete()

    bo_user.refresh_from_db()
    assert (bo_user.is_active, bo_user.vip_admin_id) == (False, None)
    assert bo_browser.get(reverse("admin-console")).status_code == 302


def test_the_admin_console_door_and_the_assignment_service_refuse_a_sign_in_without_its_row(customer, sales):
    product = ProductFactory()
    pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, 2)], actor=sales
    )
    bo_user = sign_up(admin_of(customer, "bo@kund.example"))
    browser = signed_in_client(bo_user)
    # The row disappears behind the sign-in's back (no on_delete ran): the doors still ask for the row.
    VipAdmin.objects.filter(pk=bo_user.vip_admin_id).update(customer=ActiveCustomerFactory())

    assert browser.get(reverse("admin-console")).status_code == 403
    posted = browser.post(reverse("admin-console"), {"product": product.pk, "email": "outsider@else.example"})
    assert posted.status_code == 403
    with pytest.raises(DomainError) as refused:
        pa.assignment_add(customer=customer, product=product, email="outsider@else.example", actor=bo_user)
    assert refused.value.code == "not_a_vip_admin"
    assert not customer.assignments.exists()


def test_resellers_see_each_admins_sign_in_and_can_revoke_it(sales_client, sales, customer):
    bo = admin_of(customer, "bo@kund.example")
    bo_user = sign_up(bo)
    bo_browser = signed_in_client(bo_user)

    page = sales_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    revoke_url = reverse("vip-admin-sign-in-revoke", args=[customer.pk, bo.pk])
    confirmation = sales_client.get(revoke_url)
    revoked = sales_client.post(revoke_url, follow=True)

    assert "sign-in created on" in page and "no admin-console sign-in" in page  # Bo has one, Anna none
    assert "last login" in page and revoke_url in page
    assert confirmation.status_code == 200 and "will no longer be able to sign in" in confirmation.content.decode()
    assert "was revoked" in revoked.content.decode()
    bo_user.refresh_from_db()
    assert not bo_user.is_active and sessions_of(bo_user) == 0
    assert bo_browser.get(reverse("admin-console")).status_code == 302
    event = customer.events.get(kind=CustomerEvent.Kind.VIP_ADMIN_SIGN_IN_REVOKED)
    assert (event.actor, event.parameters["email"]) == (sales, "bo@kund.example")
    assert VipAdmin.objects.filter(pk=bo.pk).exists()  # still a contact for the e-mails


def test_only_the_customers_reseller_and_internal_sales_revoke(client, customer):
    bo = admin_of(customer, "bo@kund.example")
    url = reverse("vip-admin-sign-in-revoke", args=[customer.pk, bo.pk])
    sign_up(bo)

    client.force_login(SalesFactory())  # another reseller
    assert client.post(url).status_code == 404
    assert User.objects.get(vip_admin=bo).is_active
    client.force_login(InternalSalesFactory())
    assert client.post(url).status_code == 302
    assert not User.objects.filter(vip_admin=bo).exists()


# ---------------------------------------------------------------------------
# Item 4: one link per admin, for that address only, the latest only, used once
# ---------------------------------------------------------------------------
def links(customer) -> dict[str, str]:
    found = {}
    for email in OutboundEmail.objects.filter(customer=customer, kind=OutboundEmail.Kind.INVITATION).order_by("pk"):
        [link] = re.findall(r"http\S+/invitations/(\S+)/", email.body_text)
        [recipient] = email.recipients
        found[recipient] = link
    return found


def test_each_vip_admin_is_invited_separately_with_their_own_link(sales):
    customer = CustomerFactory(reseller=sales.reseller, vip_admins=ADMINS)

    services.customer_send_invitation(customer=customer, actor=sales)

    sent = links(customer)
    assert set(sent) == {"anna@kund.example", "bo@kund.example"}
    assert {services.vip_admin_from_invitation_token(token).email for token in sent.values()} == set(sent)


def test_a_link_creates_the_sign_in_only_for_the_address_it_was_sent_to(client, sales):
    customer = CustomerFactory(reseller=sales.reseller, vip_admins=ADMINS)
    services.customer_send_invitation(customer=customer, actor=sales)
    bo_link = links(customer)["bo@kund.example"]
    services.customer_accept_invitation(token=bo_link)

    with pytest.raises(DomainError) as refused:
        services.vip_admin_sign_in_create(token=bo_link, email="anna@kund.example", password=PASSWORD)
    url = reverse("invitation-accept", args=[bo_link])
    client.post(url, {"action": "sign_in", "email": "anna@kund.example", "password1": PASSWORD, "password2": PASSWORD})

    assert refused.value.code == "wrong_address"
    assert list(User.objects.filter(role=User.Role.VIP_ADMIN).values_list("username", flat=True)) == ["bo@kund.example"]


def test_a_resend_invalidates_earlier_links(client, sales):
    customer = CustomerFactory(reseller=sales.reseller, vip_admins=ADMINS[:1])
    services.customer_send_invitation(customer=customer, actor=sales)
    first = links(customer)["anna@kund.example"]
    services.customer_send_invitation(customer=customer, actor=sales, resend=True)
    latest = links(customer)["anna@kund.example"]

    with pytest.raises(DomainError) as old:
        services.customer_accept_invitation(token=first)
    page = client.get(reverse("invitation-accept", args=[first]))

    assert old.value.code == "superseded"
    assert page.status_code == 400 and "replaced by a newer one" in page.content.decode()
    assert services.customer_accept_invitation(token=latest).status == CustomerStatus.ACTIVE


def test_a_used_link_cannot_create_a_second_sign_in(client, customer):
    token = services.invitation_token(admin_of(customer, "anna@kund.example"))
    url = reverse("invitation-accept", args=[token])
    form = {"action": "sign_in", "password1": PASSWORD, "password2": PASSWORD}
    first = client.post(url, form)
    client.logout()

    again = client.post(url, form)
    with pytest.raises(DomainError) as refused:
        services.vip_admin_sign_in_create(token=token, password="another-pass-42")

    assert first.status_code == 302
    assert "already been used to create a sign-in" in again.content.decode()
    assert refused.value.code == "link_used"
    assert User.objects.filter(role=User.Role.VIP_ADMIN).count() == 1
    assert User.objects.get(role=User.Role.VIP_ADMIN).check_password(PASSWORD)  # the first password stands


def test_any_current_link_accepts_the_invitation(sales):
    customer = CustomerFactory(reseller=sales.reseller, vip_admins=ADMINS)
    services.customer_send_invitation(customer=customer, actor=sales)

    accepted = services.customer_accept_invitation(token=links(customer)["bo@kund.example"])

    assert accepted.status == CustomerStatus.ACTIVE


def test_an_old_customer_level_link_is_answered_no_longer_valid(client):
    customer = InvitedCustomerFactory()
    old = signing.dumps({"customer": customer.pk, "vip_id": customer.vip_id}, salt="customers.invitation")

    response = client.get(reverse("invitation-accept", args=[old]))
    posted = client.post(reverse("invitation-accept", args=[old]))

    assert response.status_code == posted.status_code == 400
    assert "no longer valid" in response.content.decode() and "resend" in response.content.decode()
    customer.refresh_from_db()
    assert customer.invitation_accepted_at is None


# ---------------------------------------------------------------------------
# Item 27: VIP admins are edited in place
# ---------------------------------------------------------------------------
def test_a_renamed_admin_keeps_their_row_and_sign_in(sales_client, sales, customer):
    anna, bo = admin_of(customer, "anna@kund.example"), admin_of(customer, "bo@kund.example")
    bo_user = sign_up(bo)

    sales_client.post(
        reverse("customer-edit", args=[customer.pk]),
        edit_form(customer, [(anna.pk, anna.name, anna.email), (bo.pk, "Bo Renamed", "BO@kund.example")]),
    )

    assert list(customer.vip_admins.values_list("pk", "name")) == [(anna.pk, anna.name), (bo.pk, "Bo Renamed")]
    bo_user.refresh_from_db()
    assert bo_user.is_active and bo_user.vip_admin_id == bo.pk
    assert signed_in_client(bo_user).get(reverse("admin-console")).status_code == 200
    event = customer.events.get(kind=CustomerEvent.Kind.UPDATED)
    before, after = event.parameters["changes"]["vip_admins"]
    assert "Bo Admin <bo@kund.example>" in before and "Bo Renamed <BO@kund.example>" in after


def test_admins_without_ids_are_matched_by_email_case_insensitively(sales, customer):
    bo_user = sign_up(admin_of(customer, "bo@kund.example"))
    ids = set(customer.vip_admins.values_list("pk", flat=True))

    services.customer_update(
        customer=customer,
        actor=sales,
        vip_admins=[
            services.VipAdminContact("Bo B.", "Bo@Kund.example"),
            services.VipAdminContact("Anna A.", "ANNA@kund.example"),
        ],
    )

    assert set(customer.vip_admins.values_list("pk", flat=True)) == ids
    bo_user.refresh_from_db()
    assert bo_user.is_active


def test_a_readdressed_admin_keeps_their_sign_in_under_the_new_address(sales, customer):
    bo = admin_of(customer, "bo@kund.example")
    bo_user = sign_up(bo)

    services.customer_update(
        customer=customer,
        actor=sales,
        vip_admins=[
            services.VipAdminContact("Anna Admin", "anna@kund.example"),
            services.VipAdminContact("Bo Admin", "bo.new@kund.example", id=bo.pk),
        ],
    )

    bo_user.refresh_from_db()
    assert (bo_user.is_active, bo_user.vip_admin_id, bo_user.username) == (True, bo.pk, "bo.new@kund.example")


def test_an_id_of_another_customers_admin_is_refused(sales, customer):
    stranger = ActiveCustomerFactory().vip_admins.get()

    with pytest.raises(DomainError) as refused:
        services.customer_update(
            customer=customer, actor=sales, vip_admins=[services.VipAdminContact("X", "x@kund.example", id=stranger.pk)]
        )

    assert (refused.value.code, refused.value.field) == ("unknown_vip_admin", "vip_admins")
    assert customer.vip_admins.count() == 2 and VipAdmin.objects.filter(pk=stranger.pk, name="Vera VIP").exists()


def test_an_admin_added_after_the_invitation_gets_their_own_link(sales, customer):
    services.customer_update(
        customer=customer,
        actor=sales,
        vip_admins=[
            *(services.VipAdminContact(n, e) for n, e in ADMINS),
            services.VipAdminContact("Cy", "cy@kund.example"),
        ],
    )

    assert list(links(customer)) == ["cy@kund.example"]
    user = sign_up(customer.vip_admins.get(email="cy@kund.example"))
    assert user.username == "cy@kund.example"


# ---------------------------------------------------------------------------
# Item 28: the Django admin's invitation action and refused saves
# ---------------------------------------------------------------------------
def test_the_admin_action_sends_resends_and_counts_each_outcome(admin_client):
    fresh, invited, accepted = CustomerFactory(), InvitedCustomerFactory(), ActiveCustomerFactory()

    response = admin_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "send_invitation", "_selected_action": [fresh.pk, invited.pk, accepted.pk]},
        follow=True,
    )

    shown = [str(m) for m in response.context["messages"]]
    assert "1 invitation sent." in shown and "1 invitation resent." in shown
    assert "1 customer was not invited." in shown
    assert invited.events.filter(kind=CustomerEvent.Kind.INVITATION_RESENT).exists()
    fresh.refresh_from_db()
    assert fresh.status == CustomerStatus.INVITATION_SENT


def test_a_refused_admin_save_shows_the_error_at_the_field_and_logs_nothing(admin_client, monkeypatch):
    customer = InvitedCustomerFactory(city="Umeå")

    def refuse(**kwargs):
        raise DomainError("Not this city.", code="invalid", field="city")

    monkeypatch.setattr(services, "customer_update", refuse)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {
            "city": "Kiruna",
            "vip_admins-TOTAL_FORMS": "0",
            "vip_admins-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        }
    )

    response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["city"] == ["Not this city."]
    assert not [m for m in response.context["messages"] if "successfully" in str(m)]
    assert not LogEntry.objects.exists()
    customer.refresh_from_db()
    assert customer.city == "Umeå"


def test_api_error_for_an_unknown_admin_id_is_a_400(api_client, sales, customer):
    api_client.force_authenticate(sales)
    response = api_client.patch(
        reverse("api-customer-detail", args=[customer.pk]),
        {"vip_admins": [{"id": 2**40, "name": "X", "email": "x@kund.example"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_vip_admin"
    assert "reload the page" in json.dumps(response.json())
