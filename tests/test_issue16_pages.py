"""Issue 16's pages: the order form's one order date, the anniversary on the VIP details card, the customer's own
admin console brand, the invitation page and e-mails in the customer's language, the favicon, aria-current and
accessible names, the development e-mail link host, labels and required marks, and Swedish terms."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.models import User
from authorizations import services
from customers import services as customer_services
from notifications.services import email_render
from tests.factories import ActiveCustomerFactory, InvitedCustomerFactory, ProductFactory, ResellerAdminFactory
from tests.test_i18n import PO_PATH

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def admin(db):
    return ResellerAdminFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def main_of(response) -> str:
    return response.content.decode().split('id="main"', 1)[1]


# ---------------------------------------------------------------------------
# The order form: one order date, the calculator following it
# ---------------------------------------------------------------------------
def test_the_order_form_has_one_order_date(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(ProductFactory(), 3)], actor=admin
    )
    page = main_of(admin_client.get(reverse("order-record", args=[customer.pk, pa.pk])))
    # The record form's date, and the calculator's, which follows it and which console.js hides (a browser test
    # checks that one date is visible: tests/test_issue16_phone.py).
    assert re.search(
        r'<div class="row" data-follows-record-date>\s*(?:<div[^>]*>\s*)?<label for="id_calc-order_date"', page
    )
    assert 'data-order-date="record"' in page and 'data-order-date="calculator"' in page
    # One width for both cards.
    assert 'class="card order-card"' in page and 'class="card calculator"' in page


def test_a_refused_calculator_date_shows_its_own_field_and_error(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(ProductFactory(), 3)], actor=admin
    )
    url = reverse("order-record", args=[customer.pk, pa.pk])
    page = main_of(admin_client.get(url, {"calc-order_date": "9999-12-31"}))
    assert '<input type="date" name="calc-order_date"' in page and "cannot be in the future" in page


# ---------------------------------------------------------------------------
# The VIP details card: the anniversary with days to go
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("language", "to_go"), [("en", "14 days to go"), ("sv", "14 dagar kvar")])
def test_the_vip_details_card_shows_the_anniversary_and_days_to_go(admin_client, admin, language, to_go):
    anniversary = timezone.localdate() + timedelta(days=14)
    customer = ActiveCustomerFactory(
        reseller=admin.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    card = re.search(r'data-testid="anniversary">(.*?)</dd>', page, re.S).group(1)
    with translation.override(language):
        assert date_format(anniversary) in card
    assert to_go in " ".join(card.split())


def test_without_an_anniversary_the_card_says_the_first_order_sets_it(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller, anniversary_date=None)
    page = admin_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    assert "set by the first order" in re.search(r'data-testid="anniversary">(.*?)</dd>', page, re.S).group(1)


# ---------------------------------------------------------------------------
# The customer's admin console is branded for the customer
# ---------------------------------------------------------------------------
def test_the_admin_console_is_the_programmes_with_the_reseller_as_the_contact(client):
    customer = ActiveCustomerFactory()
    vip = User.objects.create_user(
        "vip@customer.example", role=User.Role.VIP_ADMIN, customer=customer, vip_admin=customer.vip_admins.first()
    )
    client.force_login(vip)
    page = client.get(reverse("admin-console")).content.decode()
    assert "Reseller Console" not in page
    assert "<title>VIP Admin Console · VIP Admin Console</title>" in page
    assert re.search(r'<a class="brand"[^>]*>VIP Admin Console</a>', page)
    assert f"Your contact: {customer.reseller.name}, your reseller" in page


def test_the_invitation_page_is_branded_for_the_customer(client):
    customer = InvitedCustomerFactory()
    token = customer_services.invitation_token(customer.vip_admins.first())
    page = client.get(reverse("invitation-accept", args=[token])).content.decode()
    assert "Reseller Console" not in page and "VIP Admin Console" in page


# ---------------------------------------------------------------------------
# The invitation page and e-mails in the customer's language
# ---------------------------------------------------------------------------
def test_the_invitation_page_follows_the_customers_language_not_the_browsers(client):
    customer = InvitedCustomerFactory(preferred_language="sv")
    token = customer_services.invitation_token(customer.vip_admins.first())
    url = reverse("invitation-accept", args=[token])
    page = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="sv">' in page and "Gå med i Value Incentive Plan" in page
    assert 'id="language-select"' in page  # the switcher is still there …
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # … and once used, its choice wins
    page = client.get(url, headers={"Accept-Language": "sv"}).content.decode()
    assert '<html lang="en">' in page and "Join the Value Incentive Plan" in page


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("kind", ["invitation", "account_delayed", "renewal_due", "renewal_overdue", "access_removal"])
def test_every_html_e_mail_says_its_language(language, kind):
    customer = ActiveCustomerFactory(preferred_language=language)
    today = timezone.localdate()
    context = {
        "customer": customer,
        "reseller": customer.reseller,
        "accept_url": "https://console.example/invitations/x/",
        "valid_days": 30,
        "overdue": ["PA00000001"],
        "anniversary": today,
        "grace_end": today + timedelta(days=30),
        "removal_date": today + timedelta(days=31),
        "lines": [],
    }
    rendered = email_render(template=kind, context=context, language=language)
    assert f'<html lang="{language}">' in rendered.body_html


def test_the_swedish_invitation_e_mail_is_marked_swedish(admin):
    from notifications.models import OutboundEmail

    customer = ActiveCustomerFactory(
        reseller=admin.reseller, status="not_invited", vip_id=None, preferred_language="sv"
    )
    customer_services.customer_send_invitation(customer=customer, actor=admin)
    email = OutboundEmail.objects.get(customer=customer, kind="invitation")
    assert email.language == "sv" and '<html lang="sv">' in email.body_html


# ---------------------------------------------------------------------------
# Favicon, aria-current, accessible names
# ---------------------------------------------------------------------------
def test_every_page_names_a_favicon_that_exists(admin_client):
    page = admin_client.get(reverse("customer-list")).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert href == f"{settings.STATIC_URL}favicon.svg" and finders.find("favicon.svg")
    from tests.test_issue16_phone import server_error_page

    assert '<link rel="icon"' in server_error_page("en")


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/customers/", ("Customers", "page")),
        ("/renewals/", ("Renewals", "page")),
        ("/dashboard/", ("Dashboard", "page")),
    ],
)
def test_the_navigation_marks_the_current_section(admin_client, path, current):
    nav = admin_client.get(path).content.decode().split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    marked = re.findall(r'<a href="[^"]+" aria-current="([^"]+)">([^<]+)</a>', nav)
    assert marked == [(current[1], current[0])]


def test_a_customer_page_marks_customers_as_the_section(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    page = admin_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    assert re.search(r'aria-current="true">Customers</a>', page)


def test_the_withdraw_link_is_named_by_its_pa_and_shows_a_word(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller)
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(ProductFactory(), 1)], actor=admin
    )
    page = admin_client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    link = re.search(rf'<a class="button icon danger" href="[^"]+/{pa.pk}/withdraw/"(.*?)</a>', page, re.S).group(1)
    assert f'aria-label="Withdraw purchase authorization {pa.reference}"' in link
    assert "[X]" not in link and "Withdraw</" not in link and link.rstrip().endswith("Withdraw")


# ---------------------------------------------------------------------------
# Labels without colons, required fields marked before anything is sent
# ---------------------------------------------------------------------------
def test_labels_have_no_colons_and_required_fields_say_so(admin_client):
    page = main_of(admin_client.get(reverse("customer-create")))
    labels = [
        " ".join(re.sub(r"<[^>]+>", " ", label).split())
        for label in re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
    ]
    assert labels and not [label for label in labels if label.endswith(":")]
    for name in ("Address", "Postal code", "City"):
        assert any(label.startswith(name) and label.endswith("(required)") for label in labels), labels
    assert "Address line 2 (required)" not in labels and not any("(optional) (required)" in label for label in labels)
    assert 'name="address_line1"' in page and re.search(r'name="address_line1"[^>]*required', page)
    overview = main_of(admin_client.get(reverse("renewal-overview")))
    assert not [label for label in re.findall(r"<label[^>]*>([^<]*)</label>", overview) if label.endswith(":")]


# ---------------------------------------------------------------------------
# Development e-mail links point at the console `make run` serves
# ---------------------------------------------------------------------------
def settings_value(name: str, **environment) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSOLE_"))}
    env.update(DJANGO_DEBUG="true", DJANGO_ENV_FILE="", **environment)
    code = f"import resellerconsole.settings.base as s; print(s.{name})"
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_development_e_mail_links_follow_the_address_make_run_serves():
    assert settings_value("CONSOLE_BASE_URL") == "http://127.0.0.1:8000"
    assert settings_value("CONSOLE_BASE_URL", CONSOLE_ADDRESS="0.0.0.0:8123") == "http://0.0.0.0:8123"
    procfile = (BASE_DIR / "Procfile.dev").read_text()
    assert "runserver ${CONSOLE_ADDRESS:-127.0.0.1:8000}" in procfile
    assert "CONSOLE_ADDRESS ?= 127.0.0.1:8000" in (BASE_DIR / "Makefile").read_text()


# ---------------------------------------------------------------------------
# Swedish terms
# ---------------------------------------------------------------------------
def test_the_swedish_catalogue_says_licenswebbplatsen_as_adobe_does():
    texts = " ".join(entry.msgstr for entry in polib.pofile(str(PO_PATH)))
    assert "licensieringswebbplats" not in texts and "licenswebbplatsen" in texts
