"""The main journey in a real browser (Debian's Chromium via Playwright), in English and in Swedish."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.factories import ResellerAdminFactory, SalesFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def words(language: str, *texts: str) -> list[str]:
    with translation.override(language):
        return [gettext(text) for text in texts]


@pytest.fixture(autouse=True)
def no_policy_violations(page: Page):
    """Every journey runs under the real Content-Security-Policy: anything it refuses fails the test."""
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    yield
    assert refused == []


def log_in(page: Page, live_server, username: str, language: str) -> None:
    log_in_at(page, live_server, username, language, landing=r"/dashboard/$")


def log_in_at(page: Page, live_server, username: str, language: str, landing: str) -> None:
    page.goto(f"{live_server.url}/login/")
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-123")
    page.get_by_role("button", name=words(language, "Log in")[0], exact=True).click()
    expect(page).to_have_url(re.compile(landing))


@pytest.mark.parametrize("language", ["en", "sv"])
def test_sales_creates_a_customer_and_sends_the_invitation(page: Page, live_server, language):
    SalesFactory(username="sam")
    create, send, invitation_sent = words(language, "Create customer", "Create and send invitation", "Invitation sent")

    log_in(page, live_server, "sam", language)
    page.get_by_role("link", name=create).click()
    page.fill("#id_company_name", "Vindmedia AB")
    page.fill("#id_address_line1", "Storgatan 12")
    page.fill("#id_postal_code", "903 26")
    page.fill("#id_city", "Umeå")
    page.select_option("#id_country", "SE")
    page.select_option("#id_market_segment", "commercial")
    page.select_option("#id_preferred_language", language)
    page.fill("#id_admins-0-name", "Vilma VIP")
    page.fill("#id_admins-0-email", "vilma@vindmedia.example")
    page.get_by_role("button", name=send).click()

    vip_id = page.get_by_test_id("vip-id")
    expect(vip_id).to_have_text(re.compile(r"^[0-9A-F]{20}$"))
    expect(page.locator(".page-head .badge")).to_have_text(invitation_sent)
    customer = Customer.objects.get(company_name="Vindmedia AB")
    assert vip_id.inner_text() == customer.vip_id


def test_a_field_error_is_shown_at_the_field_and_nothing_is_saved(page: Page, live_server):
    SalesFactory(username="sam")
    log_in(page, live_server, "sam", "en")
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_company_name", "Felmedia AB")
    page.fill("#id_address_line1", "Storgatan 1")
    page.fill("#id_postal_code", "111 22")
    page.fill("#id_city", "Stockholm")
    page.select_option("#id_country", "SE")
    page.select_option("#id_market_segment", "education")
    page.fill("#id_admins-0-name", "Fel")
    page.fill("#id_admins-0-email", "not-an-email")
    page.get_by_role("button", name="Create and send invitation").click()

    expect(page.locator("#id_admins-0-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_admins-0-email_error")).to_contain_text("valid email address")
    assert not Customer.objects.exists()


def make_pa_customer():
    from tests.factories import ActiveCustomerFactory, ProductFactory

    sales = SalesFactory(username="sam")
    customer = ActiveCustomerFactory(reseller=sales.reseller, company_name="Planmedia AB")
    products = [ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")]
    ProductFactory(name="Acrobat Pro Enterprise", license_type="enterprise")
    return sales, customer, products


def test_the_seven_steps_then_undo(page: Page, live_server):
    from authorizations.models import PurchaseAuthorization

    _sales, customer, (photoshop, indesign) = make_pa_customer()
    log_in(page, live_server, "sam", "en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/plans/")

    # 1. "Create a new purchase authorization" on the Plans tab; 2. the dialog opens.
    page.get_by_role("link", name="Create a new purchase authorization").click()
    dialog = page.locator("dialog#pa-dialog")
    expect(dialog).to_be_visible()
    # 3. Licence type: the product list fills with that type's products.
    dialog.get_by_label("Licence type").select_option("enterprise")
    expect(dialog.locator("#id_lines-0-product option", has_text="Enterprise")).to_have_count(1)
    expect(dialog.locator("#id_lines-0-product option", has_text="Photoshop")).to_have_count(0)
    dialog.get_by_label("Licence type").select_option("team")
    expect(dialog.locator("#id_lines-0-product option", has_text="Photoshop")).to_have_count(1)
    expect(dialog.locator("#id_lines-0-product option", has_text="Enterprise")).to_have_count(0)
    # 4. Product and number of licences.
    dialog.locator("#id_lines-0-product").select_option(str(photoshop.pk))
    dialog.locator("#id_lines-0-quantity").fill("5")
    # 5. The plus icon adds a row.
    dialog.get_by_role("button", name="Add another product").click()
    expect(dialog.locator("#id_lines-1-product")).to_be_visible()
    dialog.locator("#id_lines-1-product").select_option(str(indesign.pk))
    dialog.locator("#id_lines-1-quantity").fill("2")
    # 6. The customer's PO number.
    dialog.get_by_label("Customer PO number (optional)").fill("PO-2026-42")
    # 7. Create.
    dialog.get_by_role("button", name="Create purchase authorization").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/history/$"))
    pa = PurchaseAuthorization.objects.get()
    entry = page.locator(f"#pa-{pa.pk}")
    expect(entry).to_contain_text(pa.reference)
    expect(entry).to_contain_text("PO-2026-42")
    expect(entry).to_contain_text("30 days left")
    expect(entry).to_contain_text("Photoshop")
    expect(entry).to_contain_text("InDesign")

    entry.get_by_role("link", name=f"Withdraw purchase authorization {pa.reference}").click()
    expect(page.locator("main")).to_contain_text("Photoshop")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(".messages")).to_contain_text("was withdrawn")
    pa.refresh_from_db()
    assert pa.status == "withdrawn"


def test_undo_is_refused_while_a_user_holds_a_licence(page: Page, live_server):
    from authorizations import services

    sales, customer, (photoshop, _indesign) = make_pa_customer()
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(photoshop, 1)], actor=sales
    )
    services.assignment_add(customer=customer, product=photoshop, email="holder@planmedia.example", actor=sales)
    log_in(page, live_server, "sam", "en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/history/")
    page.get_by_role("link", name=f"Withdraw purchase authorization {pa.reference}").click()

    expect(page.get_by_role("alert")).to_contain_text("holder@planmedia.example")
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    pa.refresh_from_db()
    assert pa.status == "pending"


def test_the_dialog_closes_with_escape(page: Page, live_server):
    _sales, customer, _products = make_pa_customer()
    log_in(page, live_server, "sam", "en")
    page.goto(f"{live_server.url}/customers/{customer.pk}/plans/")
    page.get_by_role("link", name="Create a new purchase authorization").click()
    expect(page.locator("dialog#pa-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog#pa-dialog")).to_be_hidden()
    # Opened again, "Cancel" closes it too (a script file, not an inline handler, under the CSP).
    page.get_by_role("link", name="Create a new purchase authorization").click()
    expect(page.locator("dialog#pa-dialog")).to_be_visible()
    page.locator("dialog#pa-dialog").get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog#pa-dialog")).to_be_hidden()


def test_internal_sales_renews_from_the_overview(page: Page, live_server):
    from datetime import timedelta

    from licences.models import Holding
    from renewals.services import refresh_renewal_overview
    from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory

    InternalSalesFactory(username="ines")
    from django.utils import timezone

    today = timezone.localdate()
    anniversary = today + timedelta(days=20)
    customer = ActiveCustomerFactory(
        company_name="Förnyelse AB", anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    product = ProductFactory(name="After Effects")
    Holding.objects.create(customer=customer, product=product, deployed=8)
    refresh_renewal_overview(on=today)

    log_in(page, live_server, "ines", "en")
    page.get_by_role("link", name="Renewals", exact=True).click()
    page.get_by_role("link", name="Förnyelse AB").click()
    # exact: the product's auto-renewal (its quantity and its Save) is on the same tab; each Save names its form.
    quantity = page.get_by_label("Renewal quantity of After Effects", exact=True)
    quantity.fill("6")
    page.get_by_role("button", name="Save renewal quantity for After Effects", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("6 licences will be renewed")
    page.get_by_label("Order number").fill("LWS-REN-77")
    page.get_by_role("button", name="Process renewal").click()

    expect(page.locator(".messages")).to_contain_text("LWS-REN-77")
    history = page.locator("article", has_text="LWS-REN-77")
    expect(history).to_contain_text("After Effects")
    expect(history).to_contain_text("8")
    expect(history).to_contain_text("6")
    customer.refresh_from_db()
    from authorizations.dates import next_anniversary

    assert customer.anniversary_date == next_anniversary(anniversary, original_day=anniversary.day)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_vip_admin_sees_the_renewal_banner_until_the_renewal(page: Page, live_server, language):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from licences.models import Holding
    from renewals import services as renewals
    from tests.factories import ActiveCustomerFactory, ProductFactory

    sales = SalesFactory(username="sam")
    anniversary = timezone.localdate() + timedelta(days=20)
    customer = ActiveCustomerFactory(
        reseller=sales.reseller,
        anniversary_date=anniversary,
        anniversary_day=anniversary.day,
        preferred_language=language,
    )
    product = ProductFactory(name="Acrobat Pro")
    Holding.objects.create(customer=customer, product=product, deployed=3)
    vip = User.objects.create_user(
        "vera@kund.example", role="vip_admin", customer=customer, vip_admin=customer.vip_admins.first()
    )
    vip.set_password("pw-for-tests-123")
    vip.save()
    with translation.override(language):
        expected = gettext("Your anniversary date is %(date)s. Contact your account manager at %(reseller)s to renew.")
    lead = expected.split("%(date)s")[0].strip()

    log_in_at(page, live_server, "vera@kund.example", language, landing=r"/admin-console/$")
    banner = page.get_by_test_id("renewal-banner")
    expect(banner).to_contain_text(lead)
    expect(banner).to_contain_text(sales.reseller.name)

    renewals.refresh_renewal_overview(on=timezone.localdate())
    renewals.renewal_place(
        order_number="REN-B",
        order_date=timezone.localdate(),
        vip_id=customer.vip_id,
        actor=ResellerAdminFactory(reseller=sales.reseller),
        lines=[renewals.RenewalLineRequest(product.sku_renewal, 3)],
    )
    page.reload()
    expect(page.get_by_test_id("renewal-banner")).to_have_count(0)
