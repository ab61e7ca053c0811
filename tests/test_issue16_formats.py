"""Issue 16: one date and number format per language, everywhere.

English reads as en-GB ("1 Dec 2026"), Swedish "1 dec. 2026"; "Dec. 1, 2026", "12/01/2026" and "2026-12-31" do
not appear on a page. The walk requests every page of the access matrix (tests/test_access_matrix.py: each URL
pattern, filled with tenant A's objects) as a user who may see it, in both languages, and reads every date the
page shows. CSV files and the API keep ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from resellerconsole.l10n import grouped, money_text, month_label
from tests import test_access_matrix as matrix

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "sv")
#: The one way each language writes a date.
CANONICAL = {
    "en": re.compile(r"\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"),
    "sv": re.compile(r"\d{1,2} (?:jan\.|feb\.|mars|apr\.|maj|juni|juli|aug\.|sep\.|okt\.|nov\.|dec\.) \d{4}"),
}
MONTH_WORDS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
    r"|januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december|okt)\.?"
)
#: Anything that reads as a date: ISO, numeric with / or ., month first, day first.
DATE_LIKE = re.compile(
    r"\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"
    r"|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b"
    rf"|\b{MONTH_WORDS}\s+\d{{1,2}},?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}\.?\s+{MONTH_WORDS}\s+\d{{4}}\b",
    re.IGNORECASE,
)
#: Attributes a user reads (or hears); value, datetime, data-* and href carry machine formats on purpose.
READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        self.parts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    # Text nodes stay apart: a table's "0" and the next row's "April 2027" are no date "0 April 2027".
    return " ¦ ".join(" ".join(part.split()) for part in parser.parts if part.strip())


def foreign_dates(text: str, language: str) -> list[str]:
    """The dates in `text` not written the language's way."""
    return [found.group(0) for found in DATE_LIKE.finditer(text) if not CANONICAL[language].fullmatch(found.group(0))]


@pytest.mark.parametrize(
    ("text", "language", "foreign"),
    [
        ("Order it by 1 Dec 2026.", "en", []),
        ("Order it by Dec. 1, 2026.", "en", ["Dec. 1, 2026"]),
        ("12/01/2026 and 2026-12-31", "en", ["12/01/2026", "2026-12-31"]),
        ("1 december 2026", "en", ["1 december 2026"]),
        ("senast 1 dec. 2026, 3 maj 2027 och 9 mars 2027", "sv", []),
        ("1 dec 2026", "sv", ["1 dec 2026"]),
        ("1 december 2026", "sv", ["1 december 2026"]),
        ("1 Dec 2026", "sv", ["1 Dec 2026"]),
        ("VIP ID 1234-56-78 9, 14:05, 3–4", "en", []),
    ],
)
def test_the_check_reads_dates(text, language, foreign):
    assert foreign_dates(text, language) == foreign


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_numbers_and_amounts_in_each_language(language):
    day, moment = date(2026, 12, 1), datetime(2026, 10, 5, 14, 5, tzinfo=UTC)
    expected = {
        "en": ("1 Dec 2026", "5 Oct 2026, 14:05", "10,000", "EUR\xa01,234.50", "Oct"),
        "sv": ("1 dec. 2026", "5 okt. 2026 14:05", "10\xa0000", "1\xa0234,50\xa0EUR", "okt"),
    }[language]
    with translation.override(language):
        shown = (
            date_format(day),
            date_format(moment, "DATETIME_FORMAT"),
            grouped(10_000),
            money_text(1234.5, "EUR"),
            month_label(moment.date()),
        )
        assert date_format(day, "SHORT_DATE_FORMAT") == date_format(day)
    assert shown == expected


# ---------------------------------------------------------------------------
# The walk over the access matrix's pages
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield matrix.build_world()
        transaction.set_rollback(True)


def viewer(route: matrix.Route) -> str | None:
    """Someone who may see the page: tenant A's reseller admin, the VIP admin for the admin console; anonymous
    for the public pages (a signed-in user is sent on from some)."""
    kind = matrix.audience(route)
    if kind == "vip-admins":
        return matrix.VIP_ADMIN_A
    if kind == "public":
        return matrix.RESELLER_ADMIN_A if route.name in ("password_change", "password_change_done") else None
    return matrix.RESELLER_ADMIN_A


def pages():
    """Every page but the API's and the CSV (ISO on purpose) and the Django admin's, which shows the stored
    records as they are (third-party models' names such as "Access Log for … @ 2026-12-02", JSON parameters)."""
    for test_id, route in matrix.ROUTES.items():
        if route.route.startswith("api/") or route.is_admin or route.name in ("renewal-overview-csv", "logout"):
            continue
        yield test_id


def get(world, actor: str | None, path: str, language: str):
    client = Client()
    client.handler = matrix.HANDLER
    client.cookies["django_language"] = language
    if actor is not None:
        client.force_login(world.actors[actor])
    return client.get(path)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_writes_dates_the_languages_way(world, language):
    problems, walked = [], 0
    for test_id in pages():
        route = matrix.ROUTES[test_id]
        path = matrix.build_path(route, matrix.fill_kwargs(route, world))
        response = get(world, viewer(route), path, language)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        walked += 1
        html = response.content.decode()
        assert f'lang="{language}"' in html, f"{path} is not in {language}"
        if found := foreign_dates(visible_text(html), language):
            problems.append(f"{path}: {sorted(set(found))}")
    assert walked > 15, f"only {walked} pages answered 200"
    assert not problems, f"[{language}] dates not written as {CANONICAL[language].pattern}:\n" + "\n".join(problems)


def test_the_csv_keeps_iso_dates(world):
    client = Client()
    client.cookies["django_language"] = "sv"
    client.force_login(world.reseller_admin)
    body = matrix.text(client.get("/renewals/export.csv"))
    assert world.customer.anniversary_date.isoformat() in body
    assert not foreign_dates(body.replace(world.customer.anniversary_date.isoformat(), ""), "sv")


# ---------------------------------------------------------------------------
# Flash messages and e-mails
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_flash_message_of_a_new_pa_names_its_deadline_the_languages_way(client, sales, language):
    from django.urls import reverse

    from tests.factories import ActiveCustomerFactory, ProductFactory

    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    client.force_login(sales)
    client.cookies["django_language"] = language
    data = {
        "license_type": "team",
        "po_number": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "1",
        "action": "create",
    }
    response = client.post(reverse("purchase-authorization-create", args=[customer.pk]), data, follow=True)
    deadline = customer.purchase_authorizations.get().order_deadline
    with translation.override(language):
        written = date_format(deadline)
    message = [str(m) for m in response.context["messages"]][0]
    assert written in message and deadline.isoformat() not in message
    assert not foreign_dates(message, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_e_mails_write_dates_the_languages_way(language):
    from tests.factories import ActiveCustomerFactory

    customer = ActiveCustomerFactory()
    today = timezone.localdate()
    context = {
        "customer": customer,
        "reseller": customer.reseller,
        "anniversary": today + timedelta(days=30),
        "grace_end": today + timedelta(days=60),
        "removal_date": today + timedelta(days=61),
        "lines": [("Photoshop", 12_000)],
        "overdue": ["PA00000001"],
    }
    with translation.override(language):
        for kind in ("renewal_due", "renewal_overdue", "access_removal"):
            for part in ("subject.txt", "body.txt", "body.html"):
                text = render_to_string(f"notifications/{kind}_{part}", context)
                assert not foreign_dates(visible_text(text), language), f"{kind}_{part}: {text}"
                assert part == "subject.txt" or DATE_LIKE.search(text), f"{kind}_{part} shows no date"
        body = render_to_string("notifications/renewal_due_body.txt", context)
    assert {"en": "Photoshop × 12,000", "sv": "Photoshop × 12\xa0000"}[language] in body


@pytest.mark.parametrize(
    ("language", "value", "shown"), [("en", "10000", "10,000"), ("sv", 1500, "1\N{NO-BREAK SPACE}500")]
)
def test_count_groups_numbers_and_prints_text_as_it_is(language, value, shown):
    with translation.override(language):
        assert grouped(value) == shown
        assert grouped("Acrobat Pro") == "Acrobat Pro"  # not "Ac,rob,at ,Pro"
