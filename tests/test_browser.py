"""The main journey in a real browser (Debian's Chromium via Playwright), in English and in Swedish."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.factories import SalesFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def words(language: str, *texts: str) -> list[str]:
    with translation.override(language):
        return [gettext(text) for text in texts]


def log_in(page: Page, live_server, username: str, language: str) -> None:
    page.goto(f"{live_server.url}/login/")
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-123")
    page.get_by_role("button", name=words(language, "Log in")[0], exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/$"))


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
