"""The duration and price calculator on the order form: the proration rule and the page, in both languages."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from authorizations import services
from authorizations.pricing import (
    addition_quote,
    order_anniversary,
    order_calculation,
    order_quote,
    prorated_amount,
)
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

TODAY = date(2026, 6, 1)
ANNIVERSARY = date(2026, 11, 16)


def product(name="Photoshop", price="359.88", currency="EUR"):
    return SimpleNamespace(name=name, sku_new=f"SKU-{name}", unit_price=Decimal(price), currency=currency)


# --- The rule: yearly unit price × licences × months ÷ 12, half up to the cent per line -----------------------


@pytest.mark.parametrize(
    ("price", "quantity", "months", "expected"),
    [
        ("100.00", 1, 12, "100.00"),
        ("100.00", 1, 1, "8.33"),  # 8.333…
        ("100.00", 1, 2, "16.67"),  # 16.666…
        ("100.00", 3, 0, "0.00"),
        ("0.01", 1, 6, "0.01"),  # exactly 0.005: half up
        ("0.01", 1, 5, "0.00"),  # 0.00416…
        ("0.10", 3, 6, "0.15"),  # 0.1 is no binary fraction; the result is still exact
        ("359.88", 7, 5, "1049.65"),
        ("239.88", 3, 1, "59.97"),
        ("99999999.99", 200_000, 11, "18333333331500.00"),
    ],
)
def test_prorated_amount(price, quantity, months, expected):
    amount = prorated_amount(yearly_unit_price=Decimal(price), quantity=quantity, months=months)
    assert amount == Decimal(expected) and amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "arguments",
    [
        {"yearly_unit_price": Decimal("1.00"), "quantity": 1, "months": 13},
        {"yearly_unit_price": Decimal("1.00"), "quantity": 1, "months": -1},
        {"yearly_unit_price": Decimal("1.00"), "quantity": -1, "months": 1},
        {"yearly_unit_price": Decimal("-1.00"), "quantity": 1, "months": 1},
    ],
)
def test_prorated_amount_refuses_what_cannot_be(arguments):
    with pytest.raises(ValueError, match="must"):
        prorated_amount(**arguments)


@pytest.mark.parametrize(
    ("order_date", "anniversary", "anniversary_day", "months", "runs_to"),
    [
        # The first order sets the anniversary and runs 12 months (domain.md: 16 Jan 2024 → 16 Jan 2025).
        (date(2024, 1, 16), None, None, 12, date(2025, 1, 16)),
        (date(2024, 2, 29), None, None, 12, date(2025, 2, 28)),  # a 29 February order: 28 February next year
        # Later orders: whole months counted back from the anniversary's day, a started month counting whole.
        (date(2024, 11, 16), date(2025, 1, 16), 16, 2, date(2025, 1, 16)),
        (date(2024, 11, 17), date(2025, 1, 16), 16, 2, date(2025, 1, 16)),
        (date(2024, 11, 15), date(2025, 1, 16), 16, 3, date(2025, 1, 16)),
        (date(2025, 1, 15), date(2025, 1, 16), 16, 1, date(2025, 1, 16)),  # the day before the anniversary
        (date(2024, 1, 17), date(2025, 1, 16), 16, 12, date(2025, 1, 16)),
        (date(2023, 6, 1), date(2025, 1, 16), 16, 12, date(2025, 1, 16)),  # more than a year ahead: 12 at most
        # On and after the anniversary (grace period, not renewed yet): co-termed to the one after it.
        (date(2025, 1, 16), date(2025, 1, 16), 16, 12, date(2026, 1, 16)),
        (date(2025, 1, 26), date(2025, 1, 16), 16, 12, date(2026, 1, 16)),
        (date(2025, 2, 17), date(2025, 1, 16), 16, 11, date(2026, 1, 16)),
        # Month ends: 31 March counted back one month is 28 February.
        (date(2025, 2, 28), date(2025, 3, 31), 31, 1, date(2025, 3, 31)),
        (date(2025, 2, 27), date(2025, 3, 31), 31, 2, date(2025, 3, 31)),
        (date(2024, 12, 31), date(2025, 3, 31), 31, 3, date(2025, 3, 31)),
        (date(2025, 1, 1), date(2025, 3, 31), 31, 3, date(2025, 3, 31)),
        (date(2025, 11, 30), date(2026, 1, 31), 31, 2, date(2026, 1, 31)),
        # Leap years: a 29 February anniversary, and its 28 February stand-in that moves back to the 29th.
        (date(2028, 1, 29), date(2028, 2, 29), 29, 1, date(2028, 2, 29)),
        (date(2028, 1, 28), date(2028, 2, 29), 29, 2, date(2028, 2, 29)),
        (date(2027, 3, 1), date(2028, 2, 29), 29, 12, date(2028, 2, 29)),
        (date(2027, 2, 28), date(2027, 2, 28), 29, 12, date(2028, 2, 29)),
        (date(2027, 2, 27), date(2027, 2, 28), 29, 1, date(2027, 2, 28)),
    ],
)
def test_order_duration_and_anniversary(order_date, anniversary, anniversary_day, months, runs_to):
    quote = order_quote(
        lines=[(product(price="120.00"), 2)],
        order_date=order_date,
        anniversary=anniversary,
        anniversary_day=anniversary_day,
    )
    assert (quote.months, quote.anniversary) == (months, runs_to)
    assert quote.sets_anniversary is (anniversary is None)
    assert quote.lines[0].amount == Decimal(20 * months).quantize(Decimal("0.01"))  # 240 a year ÷ 12 × months


@pytest.mark.parametrize(
    ("anniversary", "anniversary_day"),
    [(date(2025, 1, 16), 16), (date(2025, 3, 31), 31), (date(2028, 2, 29), 29), (date(2027, 2, 28), 29)],
)
def test_the_calculator_proposes_what_the_order_intake_proposes(anniversary, anniversary_day):
    customer = SimpleNamespace(anniversary_date=anniversary, anniversary_day=anniversary_day)
    for offset in range(-400, 45):
        day = anniversary + timedelta(days=offset)
        quote = order_quote(lines=[], order_date=day, anniversary=anniversary, anniversary_day=anniversary_day)
        assert quote.months == services._proposed_duration(customer, day), day
        assert day < quote.anniversary


def test_totals_are_the_sums_of_the_rounded_lines_per_currency():
    quote = order_quote(
        lines=[
            (product("A", "100.00"), 1),
            (product("B", "50.50"), 2),
            (product("C", "1000.00", "SEK"), 1),
            (product("D", "0.01"), 1),
            (product("E", "0.01"), 1),
            (product("F", "0.01"), 1),
        ],
        order_date=date(2025, 7, 16),
        anniversary=date(2026, 1, 16),
    )
    assert quote.months == 6
    assert [line.amount for line in quote.lines] == [
        Decimal(v) for v in ("50.00", "50.50", "500.00", "0.01", "0.01", "0.01")
    ]
    # 0.005 three times: each line rounds to 0.01, so the total is 0.03 (not a rounded 0.015).
    assert quote.totals == [("EUR", Decimal("100.53")), ("SEK", Decimal("500.00"))]


@pytest.mark.parametrize(
    ("added_on", "anniversary", "months", "each"),
    [
        (date(2025, 7, 20), date(2026, 1, 16), 6, "150.00"),
        (date(2025, 7, 16), date(2026, 1, 16), 6, "150.00"),
        (date(2025, 7, 15), date(2026, 1, 16), 7, "175.00"),
        (date(2026, 1, 15), date(2026, 1, 16), 1, "25.00"),
        (date(2028, 1, 31), date(2028, 2, 29), 1, "25.00"),
        (date(2027, 12, 31), date(2028, 2, 29), 2, "50.00"),
    ],
)
def test_adding_licences_later_is_prorated_to_the_anniversary(added_on, anniversary, months, each):
    quote = addition_quote(products=[product(price="100.00")], quantity=3, on=added_on, anniversary=anniversary)
    assert quote.months == months and quote.lines[0].amount == Decimal(each)


def test_an_addition_outside_the_term_is_not_priced():
    lines = [(product(price="100.00"), 1)]

    def calculate(added_on):
        return order_calculation(
            lines=lines, order_date=date(2025, 7, 1), anniversary=date(2026, 1, 16), add_quantity=2, add_date=added_on
        )

    assert calculate(date(2025, 7, 1)).addition.months == 7 == calculate(date(2025, 7, 1)).order.months
    assert calculate(date(2025, 6, 30)).addition is None  # before the order
    assert calculate(date(2026, 1, 16)).addition is None  # on the anniversary: the next term
    assert calculate(date(2026, 1, 15)).add_quantity == 2


def test_order_anniversary_follows_the_intake():
    assert order_anniversary(order_date=date(2024, 2, 29), anniversary=None) == date(2025, 2, 28)
    assert order_anniversary(order_date=date(2026, 3, 1), anniversary=date(2025, 2, 28), anniversary_day=29) == date(
        2027, 2, 28
    )


# --- The order form ---------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, sales):
    """The order form (and its calculator) is for reseller admins and internal sales, not sales (issue 12)."""
    client.force_login(ResellerAdminFactory(reseller=sales.reseller))
    return client


@pytest.fixture
def frozen_today():
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def pa(db, sales, frozen_today):
    customer = ActiveCustomerFactory(
        reseller=sales.reseller, anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day
    )
    return services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[
            services.LineRequest(ProductFactory(name="Photoshop", unit_price="359.88"), 7),
            services.LineRequest(ProductFactory(name="Acrobat Pro", unit_price="239.88"), 3),
        ],
        actor=sales,
    )


def order_page(client, pa, language="en", htmx=False, **params):
    headers = {"Accept-Language": language}
    if htmx:
        headers.update({"HX-Request": "true", "HX-Target": "order-calculator"})
    response = client.get(reverse("order-record", args=[pa.customer_id, pa.pk]), params, headers=headers)
    assert response.status_code == 200
    return response


def test_the_order_form_shows_months_and_prorated_amounts(admin_client, pa):
    response = order_page(admin_client, pa)
    page = response.content.decode()

    calculation = response.context["calculation"]
    assert (calculation.order.months, calculation.order.anniversary) == (6, ANNIVERSARY)  # 1 June → 16 November
    assert [line.amount for line in calculation.order.lines] == [Decimal("1259.58"), Decimal("359.82")]
    assert calculation.addition is None
    assert "Duration and price" in page and ">6 months<" in page
    assert "EUR\xa01,259.58" in page and "EUR\xa0359.82" in page and "EUR\xa01,619.40" in page
    assert "16 Nov 2026" in page


def test_adding_licences_on_another_date(admin_client, pa):
    response = order_page(admin_client, pa, **{"calc-add_quantity": "5", "calc-add_date": "2026-09-20"})
    page = response.content.decode()

    addition = response.context["calculation"].addition
    assert addition.months == 2  # 20 September → 16 November: one whole month and a started one
    assert [line.amount for line in addition.lines] == [Decimal("299.90"), Decimal("199.90")]
    assert 'data-testid="calculator-addition"' in page and "EUR\xa0499.80" in page
    assert "Adding 5 licences on 20 Sep 2026" in page


def test_swedish_words_dates_and_numbers(admin_client, pa):
    page = order_page(
        admin_client, pa, "sv", **{"calc-add_quantity": "5", "calc-add_date": "2026-09-20"}
    ).content.decode()

    assert '<html lang="sv">' in page
    with translation.override("sv"):
        for text in ("Duration and price", "Prorated amount per line", "Licences to add", "Calculate"):
            assert escape(gettext(text)) in page and gettext(text) != text
    assert "1\xa0259,58\xa0EUR" in page and "1\xa0619,40\xa0EUR" in page and "499,80\xa0EUR" in page
    assert "16 nov. 2026" in page and "20 sep. 2026" in page
    assert ">6 månader<" in page


def test_the_first_order_runs_twelve_months_and_sets_the_anniversary(admin_client, sales, frozen_today):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    first = services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[services.LineRequest(ProductFactory(unit_price="100.00"), 2)],
        actor=sales,
    )
    response = order_page(admin_client, first)
    assert response.context["calculation"].order.months == 12
    assert response.context["calculation"].order.anniversary == date(2027, 6, 1)
    assert "set by this first order" in response.content.decode() and "EUR\xa0200.00" in response.content.decode()


ERRORS = {
    "words": ({"calc-add_quantity": "five", "calc-add_date": "2026-07-01"}, "add_quantity", "Enter a whole number."),
    "zero": ({"calc-add_quantity": "0", "calc-add_date": "2026-07-01"}, "add_quantity", "greater than or equal to"),
    "too many": ({"calc-add_quantity": "10001", "calc-add_date": "2026-07-01"}, "add_quantity", "less than or equal"),
    "5000 digits": ({"calc-add_quantity": "9" * 5000, "calc-add_date": "2026-07-01"}, "add_quantity", ""),
    "NUL": ({"calc-add_quantity": "5\x00", "calc-add_date": "2026-07-01"}, "add_quantity", ""),
    "30 February": ({"calc-add_quantity": "5", "calc-add_date": "2026-02-30"}, "add_date", "Enter a valid date."),
    "no date": ({"calc-add_quantity": "5", "calc-add_date": ""}, "add_date", "Enter the date they would be added."),
    "no quantity": ({"calc-add_quantity": "", "calc-add_date": "2026-07-01"}, "add_quantity", "Enter how many"),
    "after the anniversary": (
        {"calc-order_date": "2026-06-01", "calc-add_quantity": "5", "calc-add_date": "2026-11-16"},
        "add_date",
        "Choose a date from 1 Jun 2026 to 15 Nov 2026",
    ),
    "before the order": (
        {"calc-order_date": "2026-06-01", "calc-add_quantity": "5", "calc-add_date": "2026-05-31"},
        "add_date",
        "Choose a date",
    ),
    "future order": ({"calc-order_date": "9999-12-31"}, "order_date", "The order date cannot be in the future."),
    "before the PA": ({"calc-order_date": "2026-05-01"}, "order_date", "The order date is before purchase"),
    "year 0": ({"calc-order_date": "0000-01-01"}, "order_date", "Enter a valid date."),
}


@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_is_a_field_error_never_a_500(admin_client, pa, case, language):
    params, field, message = ERRORS[case]
    response = order_page(admin_client, pa, language, **params)
    page = response.content.decode()

    assert response.context["calculator"].has_error(field)
    assert f'<input type="{"date" if "date" in field else "number"}" name="calc-{field}"' in page
    assert 'class="field has-error"' in page and 'class="field-errors"' in page
    assert response.context["calculation"].addition is None
    assert response.context["calculation"].order.months == 6  # the order part still answers
    if message and language == "en":
        assert escape(message) in page
    if language == "sv":
        with translation.override("sv"):
            swedish = [escape(str(e)) for e in response.context["calculator"].errors[field]]
        assert all(text in page for text in swedish)


def test_the_calculator_date_prefills_the_record_form(admin_client, pa):
    page = order_page(admin_client, pa, **{"calc-order_date": "2026-06-01"}).content.decode()
    assert 'name="order_date" value="2026-06-01"' in page


def test_htmx_gets_only_the_calculator(admin_client, pa):
    response = order_page(admin_client, pa, htmx=True, **{"calc-add_quantity": "5", "calc-add_date": "2026-09-20"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section class="card calculator" id="order-calculator"')
    assert "<html" not in fragment and "EUR\xa0499.80" in fragment


def test_recording_still_works_and_a_refused_post_keeps_the_calculator(admin_client, pa):
    url = reverse("order-record", args=[pa.customer_id, pa.pk])
    refused = admin_client.post(url, {"order_number": "", "order_date": "2026-06-01"})
    recorded = admin_client.post(url, {"order_number": "LWS-CALC-1", "order_date": "2026-06-01"})

    assert refused.status_code == 200 and 'id="order-calculator"' in refused.content.decode()
    assert refused.context["calculation"].order.on == date(2026, 6, 1)
    assert recorded.status_code == 302
    pa.refresh_from_db()
    assert pa.order.duration_months_proposed == 6  # what the calculator proposed


def test_another_resellers_order_form_is_404(client, pa):

    client.force_login(ResellerAdminFactory())
    response = client.get(
        reverse("order-record", args=[pa.customer_id, pa.pk]), {"calc-add_quantity": "5", "calc-add_date": "2026-07-01"}
    )
    assert response.status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_htmx_recalculates_in_place_and_follows_the_record_forms_date(page, live_server):
    from playwright.sync_api import expect

    from tests.factories import ResellerAdminFactory

    today = services.today()  # the live server runs on the real clock
    sales = ResellerAdminFactory(username="cal")  # orders by hand are for reseller admins and internal sales
    anniversary = today + timedelta(days=200)
    customer = ActiveCustomerFactory(
        reseller=sales.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
    )
    pa = services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[services.LineRequest(ProductFactory(name="Photoshop", unit_price="120.00"), 1)],
        actor=sales,
    )
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "cal")
    page.fill("#id_password", "pw-for-tests-123")
    with page.expect_navigation():
        page.click("form:has(#id_password) [type=submit]")
    page.goto(f"{live_server.url}{reverse('order-record', args=[customer.pk, pa.pk])}")
    page.evaluate("() => { window.stillTheSamePage = true; }")

    added_on = today + timedelta(days=100)
    page.fill("#id_calc-add_quantity", "3")
    page.fill("#id_calc-add_date", added_on.isoformat())
    page.get_by_role("button", name="Calculate").click()
    addition = page.get_by_test_id("calculator-addition")
    expect(addition).to_be_visible()
    months = pricing_months(added_on, anniversary)
    expect(addition).to_contain_text(f"EUR\xa0{30 * months:.2f}")  # 120 a year = 10 a month, × 3 licences
    assert page.evaluate("() => window.stillTheSamePage") is True
    assert "calc-add_quantity=3" in page.url  # the result can be bookmarked and reloaded

    # The record form's order date drives the calculator too.
    # The record form starts at today: clear it silently, so that typing today's date is a real change.
    page.evaluate("() => { document.querySelector('#id_order_date').value = ''; }")
    page.fill("#id_order_date", today.isoformat())  # fires "change" as a person's input would
    page.wait_for_load_state("networkidle")  # the recalculation it triggers has been swapped in
    expect(page.locator("#id_calc-order_date")).to_have_value(today.isoformat())
    page.fill("#id_calc-add_quantity", "0")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#order-calculator .field-errors")).to_contain_text("greater than or equal to 1")
    expect(page.get_by_test_id("calculator-addition")).to_have_count(0)
    overflow = page.evaluate(
        "() => { const s = document.getElementById('order-calculator'); return s.scrollWidth > s.clientWidth; }"
    )
    assert overflow is False and refused == []


def pricing_months(added_on, anniversary):
    from authorizations.dates import co_term_months

    return co_term_months(added_on, anniversary)
