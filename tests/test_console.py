"""The web console a reseller clicks through: lists, forms, invitations, staff, login."""

import pytest
from django.urls import reverse

from accounts.models import User
from customers.models import Customer, CustomerStatus
from tests.factories import (
    CustomerFactory,
    InternalSalesFactory,
    InvitedCustomerFactory,
    ResellerAdminFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db


def customer_form(**overrides):
    data = {
        "company_name": "Ljusdata AB",
        "address_line1": "Kungsgatan 5",
        "address_line2": "",
        "postal_code": "411 03",
        "city": "Göteborg",
        "country": "SE",
        "market_segment": "education",
        "preferred_language": "sv",
        "admins-TOTAL_FORMS": "1",
        "admins-INITIAL_FORMS": "0",
        "admins-MIN_NUM_FORMS": "1",
        "admins-MAX_NUM_FORMS": "20",
        "admins-0-name": "Lena Lärare",
        "admins-0-email": "lena@ljusdata.example",
    }
    data.update(overrides)
    return data


def test_console_pages_require_login(client):
    response = client.get(reverse("customer-list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_a_console_role_is_refused(client):
    client.force_login(User.objects.create_user("nobody", password="x-123456789"))
    assert client.get(reverse("customer-list")).status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_customer_list_uses_a_fixed_number_of_queries(sales_client, sales, django_assert_num_queries, rows):
    CustomerFactory.create_batch(rows, reseller=sales.reseller)
    # session, user, the user's reseller (header), the page (reseller joined, admin count per row); no COUNT
    with django_assert_num_queries(4):
        response = sales_client.get(reverse("customer-list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(rows, 25)


def test_internal_sales_list_uses_a_fixed_number_of_queries(client, django_assert_num_queries):
    internal = InternalSalesFactory()
    client.force_login(internal)
    for _ in range(3):
        CustomerFactory.create_batch(4)
    with django_assert_num_queries(4):  # session, user, page, the reseller filter's options
        response = client.get(reverse("customer-list"))
    assert len(response.context["page"].object_list) == 12


def test_search_by_name_or_vip_id_prefix_and_filters(sales_client, sales):
    wanted = InvitedCustomerFactory(reseller=sales.reseller, company_name="Solmedia AB")
    CustomerFactory(reseller=sales.reseller, company_name="Havsbygg AB")
    url = reverse("customer-list")

    by_name = sales_client.get(url, {"q": "olmed"}).context["page"].object_list
    by_vip_id = sales_client.get(url, {"q": wanted.vip_id[:6].lower()}).context["page"].object_list
    by_status = sales_client.get(url, {"status": "invitation_sent"}).context["page"].object_list
    by_segment = sales_client.get(url, {"segment": "government"}).context["page"].object_list

    # The list's page holds values() rows (customers/rows.py), not models.
    assert [c["pk"] for c in by_name] == [c["pk"] for c in by_vip_id] == [c["pk"] for c in by_status] == [wanted.pk]
    assert list(by_segment) == []


def test_list_sorts_and_survives_malformed_parameters(sales_client, sales):
    CustomerFactory(reseller=sales.reseller, company_name="Alfa AB")
    CustomerFactory(reseller=sales.reseller, company_name="Beta AB")
    url = reverse("customer-list")

    newest = sales_client.get(url, {"sort": "-name"}).context["page"].object_list
    odd = sales_client.get(url, {"sort": "drop table", "page": "x", "status": "nope", "reseller": "²", "q": "a\x00"})

    assert [c["company_name"] for c in newest] == ["Beta AB", "Alfa AB"]
    assert odd.status_code == 200


def test_internal_sales_reseller_filter_survives_odd_numbers(client):
    client.force_login(InternalSalesFactory())
    for value in ["²", "9" * 40, "-1", "1\x00"]:
        assert client.get(reverse("customer-list"), {"reseller": value}).status_code == 200


def test_resend_keeps_the_vip_id_and_plain_send_is_refused(sales_client, sales):
    customer = InvitedCustomerFactory(reseller=sales.reseller)
    url = reverse("customer-send-invitation", args=[customer.pk])
    twice = sales_client.post(url, follow=True)
    resent = sales_client.post(url, {"resend": "1"}, follow=True)
    assert "already invited" in twice.content.decode()
    assert "sent again" in resent.content.decode()


def test_htmx_search_returns_only_the_table(sales_client, sales):
    CustomerFactory(reseller=sales.reseller, company_name="Alfa AB")
    response = sales_client.get(reverse("customer-list"), {"q": "alfa"}, headers={"HX-Request": "true"})
    assert b"<html" not in response.content
    assert b"Alfa AB" in response.content


def test_create_and_invite_shows_the_vip_id(sales_client, sales):
    response = sales_client.post(reverse("customer-create"), customer_form(send_invitation="1"), follow=True)

    customer = Customer.objects.get()
    assert customer.reseller == sales.reseller
    assert customer.status == CustomerStatus.INVITATION_SENT
    assert customer.vip_id in response.content.decode()
    assert "Invitation sent" in response.content.decode()
    assert "Not invited → Invitation sent" in response.content.decode()  # the recorded status change


def test_create_without_inviting_then_invite_from_the_page(sales_client):
    sales_client.post(reverse("customer-create"), customer_form())
    customer = Customer.objects.get()
    assert customer.vip_id is None

    response = sales_client.post(reverse("customer-send-invitation", args=[customer.pk]), follow=True)

    customer.refresh_from_db()
    assert customer.vip_id and customer.vip_id in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"company_name": ""}, "company_name", "This field is required."),
        ({"country": "ZZ"}, "country", "Select a valid choice."),
        ({"market_segment": "retail"}, "market_segment", "Select a valid choice."),
        ({"admins-0-email": "lena-at-example"}, "email", "Enter a valid email address."),
        ({"admins-0-name": ""}, "name", "This field is required."),
        ({"company_name": "x" * 500}, "company_name", "Ensure this value has at most 120 characters"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_saves_nothing(sales_client, overrides, field, message):
    response = sales_client.post(reverse("customer-create"), customer_form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_duplicate_emails_among_vip_admins_are_refused(sales_client):
    data = customer_form(
        **{
            "admins-TOTAL_FORMS": "2",
            "admins-1-name": "Lena 2",
            "admins-1-email": "LENA@ljusdata.example",
        }
    )
    response = sales_client.post(reverse("customer-create"), data)
    assert "listed twice" in response.content.decode()
    assert not Customer.objects.exists()


def test_duplicate_company_warns_and_saves_after_confirmation(sales_client, sales):
    CustomerFactory(reseller=sales.reseller, company_name="Ljusdata AB")

    warned = sales_client.post(reverse("customer-create"), customer_form())
    confirmed = sales_client.post(reverse("customer-create"), customer_form(confirm_duplicate="on"))

    assert "already has a customer named" in warned.content.decode()
    assert 'name="confirm_duplicate"' in warned.content.decode()
    assert confirmed.status_code == 302
    assert Customer.objects.filter(company_name="Ljusdata AB").count() == 2


def test_add_admin_row_adds_a_row_and_saves_nothing(sales_client):
    response = sales_client.post(reverse("customer-create"), customer_form(add_admin="1"))
    assert len(response.context["admins"].forms) == 2
    assert not Customer.objects.exists()


def test_edit_customer_changes_details_and_admins(sales_client, sales):
    customer = InvitedCustomerFactory(reseller=sales.reseller)
    data = customer_form(
        **{
            "company_name": customer.company_name,
            "admins-INITIAL_FORMS": "1",
            "admins-0-name": "New Admin",
            "admins-0-email": "new@customer.example",
        }
    )
    response = sales_client.post(reverse("customer-edit", args=[customer.pk]), data)

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.city == "Göteborg"
    assert list(customer.vip_admins.values_list("email", flat=True)) == ["new@customer.example"]


@pytest.mark.parametrize("tab", ["customer-detail", "customer-plans", "customer-history", "customer-renewals"])
def test_every_customer_tab_renders(sales_client, sales, tab):
    customer = InvitedCustomerFactory(reseller=sales.reseller)
    response = sales_client.get(reverse(tab, args=[customer.pk]))
    assert response.status_code == 200
    assert customer.vip_id in response.content.decode()


def test_invitation_page_accepts_and_welcomes(client):
    from customers.services import invitation_token

    customer = InvitedCustomerFactory()
    url = reverse("invitation-accept", args=[invitation_token(customer.vip_admins.first())])

    shown = client.get(url)
    accepted = client.post(url)

    assert "Accept the invitation" in shown.content.decode()
    assert "is a member of the Value Incentive Plan" in accepted.content.decode()
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE


def test_invalid_invitation_link_is_a_clear_400(client):
    response = client.get(reverse("invitation-accept", args=["garbage"]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_reseller_admin_adds_and_deactivates_staff(client):
    admin = ResellerAdminFactory()
    client.force_login(admin)

    response = client.post(
        reverse("staff-list"),
        {
            "username": "new.seller",
            "first_name": "New",
            "last_name": "Seller",
            "email": "new@example.com",
            "role": "sales",
            "password1": "a-long-password-42",
            "password2": "a-long-password-42",
        },
    )
    member = User.objects.get(username="new.seller")
    client.post(reverse("staff-set-active", args=[member.pk]), {"active": "0"})

    assert response.status_code == 302
    assert member.reseller == admin.reseller
    member.refresh_from_db()
    assert member.is_active is False


def test_weak_staff_password_is_refused_at_its_field(client):
    client.force_login(ResellerAdminFactory())
    response = client.post(
        reverse("staff-list"),
        {
            "username": "weak",
            "first_name": "W",
            "last_name": "K",
            "email": "w@example.com",
            "role": "sales",
            "password1": "123",
            "password2": "123",
        },
    )
    assert "too short" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_sales_cannot_manage_staff(sales_client):
    assert sales_client.get(reverse("staff-list")).status_code == 403


def test_login_is_throttled_after_repeated_failures(client, settings):
    SalesFactory(username="target")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "target", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": "target", "password": "pw-for-tests-123"})

    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()


def test_login_logout_and_password_change(client):
    SalesFactory(username="walter")
    assert client.post(reverse("login"), {"username": "walter", "password": "pw-for-tests-123"}).status_code == 302
    changed = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-123",
            "new_password1": "another-long-pass-7",
            "new_password2": "another-long-pass-7",
        },
    )
    client.post(reverse("logout"))

    assert changed.status_code == 302
    assert client.get(reverse("customer-list")).status_code == 302
    assert client.post(reverse("login"), {"username": "walter", "password": "another-long-pass-7"}).status_code == 302


def test_swedish_console(sales_client):
    response = sales_client.get(reverse("customer-list"), headers={"Accept-Language": "sv"})
    assert '<html lang="sv">' in response.content.decode()
    assert "Kunder" in response.content.decode()


@pytest.mark.parametrize("sort", ["name", "-name", "created", "-created", "status", "-status"])
def test_keyset_pages_walk_every_customer_once_both_ways(sales_client, sales, sort):
    from customers.models import CustomerStatus

    statuses = [CustomerStatus.NOT_INVITED, CustomerStatus.INVITATION_SENT]
    for n in range(60):
        CustomerFactory(reseller=sales.reseller, company_name=f"Firma {n % 7}", status=statuses[0])
    for n, customer in enumerate(Customer.objects.order_by("pk")[:30]):  # mixed statuses (invited ones need VIP IDs)
        Customer.objects.filter(pk=customer.pk).update(status=statuses[n % 2], vip_id=f"{n:020X}" if n % 2 else None)
    url = reverse("customer-list")

    seen, pages, params = [], [], {"sort": sort}
    while True:
        page = sales_client.get(url, params).context["page"]
        pages.append(page)
        seen += [c["pk"] for c in page.object_list]
        if not page.has_next:
            break
        params = {"sort": sort, "after": page.next_cursor}
    back = sales_client.get(url, {"sort": sort, "before": pages[-1].previous_cursor}).context["page"]

    assert len(seen) == len(set(seen)) == 60 and len(pages) == 3
    assert [c["pk"] for c in back.object_list] == [c["pk"] for c in pages[-2].object_list]
    assert not pages[0].has_previous and pages[1].has_previous


def test_a_broken_cursor_shows_the_first_page(sales_client, sales):
    CustomerFactory.create_batch(3, reseller=sales.reseller)
    for cursor in ["%%%", "e30", "W10", "WzEsMiwzLDQsNSw2XQ", "x" * 5000]:
        response = sales_client.get(reverse("customer-list"), {"after": cursor, "before": cursor})
        assert response.status_code == 200 and len(response.context["page"].object_list) == 3
