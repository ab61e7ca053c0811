"""Issue 16, "nothing that surprises": what the user sees where an action cannot succeed, and each state's sentence.

Every refusal shown up front is the owning service's own (authorizations.services: the account rule, the products
a PA can take, the return window, fully returned orders; licences: the release rule), so the page and the service
cannot disagree.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from authorizations import services
from customers.models import Customer, CustomerStatus
from licences.models import Holding
from renewals.models import RenewalRow
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db


class Buttons(HTMLParser):
    """The submit buttons of the first POST form it is fed, in tree order (the browser's implicit submission
    presses the first one)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.done = False
        self.buttons: list[dict] = []
        self.current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and not self.done:
            self.in_form = True
        elif tag == "button" and self.in_form and attrs.get("type", "submit") == "submit":
            self.current = {**attrs, "text": ""}
            self.buttons.append(self.current)

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True
        elif tag == "button":
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data.strip()


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def admin(db):
    return ResellerAdminFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


# ---------------------------------------------------------------------------
# Enter on the create-customer form never invites
# ---------------------------------------------------------------------------
def test_enter_on_the_create_customer_form_creates_without_inviting(admin_client):
    page = admin_client.get(reverse("customer-create")).content.decode()
    parser = Buttons()
    parser.feed(page.split('id="main"', 1)[1])
    first = parser.buttons[0]
    # The browser's Enter presses the first submit button: it sends no send_invitation, and is not the primary.
    assert first["text"] == "Create without inviting" and "name" not in first
    assert "data-implicit-submit" in first and first.get("tabindex") == "-1" and first.get("aria-hidden") == "true"
    invite = next(button for button in parser.buttons if button.get("name") == "send_invitation")
    assert invite["text"] == "Create and send invitation"

    # What Enter posts: the form's fields and that first button (it has no name) — created, not invited.
    response = admin_client.post(
        reverse("customer-create"),
        {
            "company_name": "Entermedia AB",
            "address_line1": "Storgatan 1",
            "postal_code": "111 22",
            "city": "Stockholm",
            "country": "SE",
            "market_segment": "commercial",
            "preferred_language": "en",
            "admins-TOTAL_FORMS": "1",
            "admins-INITIAL_FORMS": "0",
            "admins-0-name": "Erik Enter",
            "admins-0-email": "erik@entermedia.example",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(company_name="Entermedia AB")
    assert customer.status == CustomerStatus.NOT_INVITED and not customer.vip_id
    assert mail.outbox == []


def test_enter_on_the_edit_form_saves(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    parser = Buttons()
    page = admin_client.get(reverse("customer-edit", args=[customer.pk])).content.decode()
    parser.feed(page.split('id="main"', 1)[1])
    assert parser.buttons[0]["text"] == "Save" and "data-implicit-submit" in parser.buttons[0]


# ---------------------------------------------------------------------------
# Products not offered on this PA, and why
# ---------------------------------------------------------------------------
def test_the_pa_dialog_names_the_products_it_does_not_offer_and_why(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller, market_segment="commercial")
    offered = ProductFactory(name="Photoshop")
    ProductFactory(name="Acrobat Pro", license_type="enterprise")
    ProductFactory(
        name="Classroom Device",
        is_education_device_license=True,
        for_education=True,
        for_commercial=False,
        for_government=False,
    )
    ProductFactory(name="Campus Suite", for_education=True, for_commercial=False, for_government=False)
    ProductFactory(name="Retired Tool", is_active=False)

    response = admin_client.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        {"license_type": "team", "action": "refresh", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert f'value="{offered.pk}"' in page
    text = text_of(response)
    assert "3 products are not offered on this purchase authorization" in text
    # The service's own words, one per product.
    assert "Acrobat Pro is sold as Enterprise licences; this purchase authorization is for Team licences." in text
    assert "Classroom Device is an Education device licence." in text
    assert "Campus Suite is not sold to Commercial customers." in text
    assert "Retired Tool" not in text


def test_every_reason_shown_is_the_one_the_service_gives(admin, admin_client):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    product = ProductFactory(name="Acrobat Pro", license_type="enterprise")
    [(shown, reason)] = services.products_not_offered(customer=customer, license_type="team")
    with pytest.raises(DomainError) as refused:
        services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=admin
        )
    assert shown == product and reason in str(refused.value.errors)


# ---------------------------------------------------------------------------
# A Delayed account says so before a dialog opens
# ---------------------------------------------------------------------------
def delayed_customer(admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    product = ProductFactory()
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        overdue = services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=admin
        )
    Customer.objects.filter(pk=customer.pk).update(status=CustomerStatus.DELAYED)
    customer.refresh_from_db()
    return customer, overdue


def test_a_delayed_accounts_plans_tab_names_the_overdue_pa_and_opens_no_dialog(admin_client, admin):
    customer, overdue = delayed_customer(admin)
    response = admin_client.get(reverse("customer-plans", args=[customer.pk]))
    page = response.content.decode()
    assert "data-opens-dialog" not in page
    disabled = r'<button type="button" class="primary" disabled[^>]*>Create a new purchase authorization'
    assert re.search(disabled, page)
    refusal = re.search(r'data-testid="pa-refusal">([^<]+)<', page).group(1)
    assert overdue.reference in refusal and "Delayed" in refusal
    assert refusal == services.purchase_authorization_refusal(customer=customer)


def test_the_pa_page_of_a_delayed_account_says_why_before_anything_is_filled_in(admin_client, admin):
    customer, overdue = delayed_customer(admin)
    response = admin_client.get(reverse("purchase-authorization-create", args=[customer.pk]))
    text = text_of(response)
    assert overdue.reference in text and "Delayed" in text
    assert 'name="license_type"' not in response.content.decode()


def test_an_open_account_still_opens_the_dialog(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    page = admin_client.get(reverse("customer-plans", args=[customer.pk])).content.decode()
    assert 'data-opens-dialog="pa-dialog"' in page and 'data-testid="pa-refusal"' not in page


# ---------------------------------------------------------------------------
# Actions offered only where they can succeed, and otherwise why not
# ---------------------------------------------------------------------------
def ordered(admin, customer, *, days_ago=0, products=1):
    lines = [ProductFactory() for _ in range(products)]
    order_date = timezone.localdate() - timedelta(days=days_ago)
    with time_machine.travel(order_date):
        pa = services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(p, 2) for p in lines], actor=admin
        )
        order, _created = services.order_place(
            order_number=f"ORD-{pa.pk}",
            order_date=order_date,
            pa_reference=pa.reference,
            lines=[services.OrderLineRequest(p.sku_new, 2) for p in lines],
            actor=admin,
        )
    return order


def history(admin_client, customer):
    return admin_client.get(reverse("customer-history", args=[customer.pk]))


def test_an_order_past_its_return_window_offers_no_return_and_says_why(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    old = ordered(admin, customer, days_ago=settings.RETURN_WINDOW_DAYS + 5)
    page = history(admin_client, customer).content.decode()
    assert reverse("return-request", args=[customer.pk, old.pk]) not in page
    assert f"Order {old.order_number} was placed on" in text_of(history(admin_client, customer))
    # The return page itself says the same and offers no form.
    response = admin_client.get(reverse("return-request", args=[customer.pk, old.pk]))
    assert "returns are possible for 14 days" in text_of(response)
    assert '<form method="post"' not in response.content.decode().split("<main", 1)[1]


def test_a_fully_returned_order_offers_neither_a_return_nor_a_duration(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    order = ordered(admin, customer)
    services.return_request(order=order, order_line_ids=[line.pk for line in order.lines.all()], actor=admin)
    response = history(admin_client, customer)
    page, text = response.content.decode(), text_of(response)
    assert reverse("return-request", args=[customer.pk, order.pk]) not in page
    assert reverse("order-set-duration", args=[customer.pk, order.pk]) not in page
    assert f"Every line of order {order.order_number} was returned." in text
    assert "it has no duration to confirm" in text
    # And the service refuses what the page no longer offers.
    with pytest.raises(DomainError, match="no duration to confirm"):
        services.order_set_duration(order=order, months=6, actor=admin)


def test_a_returnable_order_still_offers_both(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    order = ordered(admin, customer)
    page = history(admin_client, customer).content.decode()
    assert reverse("return-request", args=[customer.pk, order.pk]) in page
    assert reverse("order-set-duration", args=[customer.pk, order.pk]) in page


def held(admin, customer, product, email="held@example.com"):
    services.assignment_add(customer=customer, product=product, email=email, actor=admin)


def test_a_refused_withdrawal_no_longer_asks_withdraw(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    product = ProductFactory(name="Photoshop")
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=admin
    )
    held(admin, customer, product)
    response = admin_client.get(reverse("purchase-authorization-withdraw", args=[customer.pk, pa.pk]))
    text = text_of(response)
    assert f"Purchase authorization {pa.reference} cannot be withdrawn now" in text
    assert f"Withdraw purchase authorization {pa.reference}?" not in text
    assert "But 1 user holds a licence (held@example.com): release it first." in text
    assert "will no longer be deployed" not in text


def test_a_refused_return_names_the_users_once(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    order = ordered(admin, customer)
    line = order.lines.get()
    held(admin, customer, line.product, "one@example.com")
    held(admin, customer, line.product, "two@example.com")
    response = admin_client.post(reverse("return-request", args=[customer.pk, order.pk]), {"line": [line.pk]})
    assert response.status_code == 400
    assert text_of(response).count("one@example.com, two@example.com") == 1


def test_each_remove_product_link_says_which_product(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    pa = services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[services.LineRequest(photoshop, 1), services.LineRequest(indesign, 1)],
        actor=admin,
    )
    page = history(admin_client, customer).content.decode()
    assert f'aria-label="Remove Photoshop from {pa.reference}"' in page
    assert f'aria-label="Remove InDesign from {pa.reference}"' in page


# ---------------------------------------------------------------------------
# Each customer state its own true sentence
# ---------------------------------------------------------------------------
def test_an_inactive_customers_plans_and_renewals_tabs_tell_the_truth(admin_client, admin):
    anniversary = timezone.localdate() - timedelta(days=42)
    customer = ActiveCustomerFactory(
        reseller=admin.reseller,
        status=CustomerStatus.INACTIVE,
        anniversary_date=anniversary,
        anniversary_day=anniversary.day,
    )
    product = ProductFactory(name="Photoshop")
    Holding.objects.create(customer=customer, product=product, deployed=0)
    RenewalRow.objects.create(
        customer=customer, product=product, anniversary_date=anniversary, quantity_held=10, proposed_quantity=10
    )
    plans = text_of(admin_client.get(reverse("customer-plans", args=[customer.pk])))
    assert "This customer has no products yet." not in plans
    assert "Access was removed after the grace period ended: no licences are deployed now." in plans
    assert "reinstated first" in plans  # the service's refusal, instead of a dialog
    renewals = text_of(admin_client.get(reverse("customer-renewals", args=[customer.pk])))
    assert "Held until access was removed" in renewals and "Quantity held" not in renewals


def test_a_customer_whose_products_were_returned_has_had_products(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    order = ordered(admin, customer)
    services.return_request(order=order, order_line_ids=[line.pk for line in order.lines.all()], actor=admin)
    plans = text_of(admin_client.get(reverse("customer-plans", args=[customer.pk])))
    assert "This customer has no products yet." not in plans
    assert "No licences are deployed to this customer now." in plans


def renewals_text(admin_client, customer) -> str:
    return text_of(admin_client.get(reverse("customer-renewals", args=[customer.pk])))


def test_a_lapsed_customer_is_not_told_the_licences_appear_before_the_anniversary(admin_client, admin):
    anniversary = timezone.localdate() - timedelta(days=42)
    customer = ActiveCustomerFactory(
        reseller=admin.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    text = renewals_text(admin_client, customer)
    assert "appear here 90 days before" not in text and "appear here on" not in text
    assert "has passed with no licences to renew" in text


def test_a_customer_before_the_overview_is_told_the_day_the_licences_appear(admin_client, admin):
    anniversary = timezone.localdate() + timedelta(days=200)
    customer = ActiveCustomerFactory(
        reseller=admin.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    text = renewals_text(admin_client, customer)
    assert f"The renewable licences appear here on {date_format(anniversary - timedelta(days=90))}" in text
