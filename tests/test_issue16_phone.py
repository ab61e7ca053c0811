"""Issue 16 in a real browser: the console on a 390 px phone, Enter on the customer form, and axe-core over the new
layouts, the 404 and 500 pages, in English and Swedish.

On a phone each table row is a card of "label: value" lines: every row's status and its action must be on screen
(no sideways scrolling), and the table stays a table for a screen reader (Chromium's accessibility tree).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from tests.test_accessibility import AXE, FAILING_IMPACTS, LANGUAGES, PASSWORD, build_console, words

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def phone_page(browser, live_server, language: str, username: str | None) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    page.refused = refused  # type: ignore[attr-defined]
    if username:
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.locator("main button.primary").click()
    return page


def off_screen(page: Page, selector: str) -> list[str]:
    """Elements matching `selector` not wholly on screen once the page is scrolled down to them: scrolled only
    vertically (a phone user should not have to scroll sideways), and cut by no scrolling box around them."""
    return page.evaluate(
        """selector => {
            const width = document.documentElement.clientWidth, height = window.innerHeight;
            const out = [];
            for (const element of document.querySelectorAll(selector)) {
                let box = element.getBoundingClientRect();
                window.scrollTo(0, window.scrollY + box.top - height / 3);
                box = element.getBoundingClientRect();
                let cut = box.width === 0 || box.left < 0 || box.right > width + 0.5 || box.top < 0
                    || box.bottom > height;
                for (let up = element.parentElement; up && !cut; up = up.parentElement) {
                    const style = getComputedStyle(up);
                    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
                        const frame = up.getBoundingClientRect();
                        cut = box.left < frame.left - 0.5 || box.right > frame.right + 0.5;
                    }
                }
                if (cut) {
                    out.push(`${element.outerHTML.slice(0, 90)} at ${Math.round(box.left)}–${Math.round(box.right)}`);
                }
            }
            window.scrollTo(0, 0);
            return out;
        }""",
        selector,
    )


def table_roles(page: Page) -> list[str]:
    """The roles in Chromium's own accessibility tree (what a screen reader is given)."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    session.detach()
    return [node.get("role", {}).get("value", "") for node in nodes if not node.get("ignored")]


def check_rows(page: Page, name: str, rows: str, *, status: str, action: str | None) -> list[str]:
    problems = []
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if scroll > client:
        problems.append(f"{name}: the page is {scroll}px wide in {client}px")
    count = page.locator(rows).count()
    if not count:
        problems.append(f"{name}: no rows ({rows})")
    for part in (status, action):
        if part is None:
            continue
        found = page.locator(f"{rows} {part}").count()
        if found < count:
            problems.append(f"{name}: {found} of {count} rows have {part}")
        problems += [f"{name}: {where}" for where in off_screen(page, f"{rows} {part}")]
    return problems


def phone_world():
    """build_console's reseller, plus a Delayed customer (a refused PA) and an order whose window has closed."""
    from accounts.models import User
    from authorizations import services
    from customers.models import Customer, CustomerStatus
    from tests.factories import ActiveCustomerFactory, ProductFactory

    console = build_console()
    admin = User.objects.get(username="anna")
    delayed = ActiveCustomerFactory(reseller=admin.reseller, company_name="Försenad AB")
    product = ProductFactory(name="Illustrator")
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        services.purchase_authorization_create(
            customer=delayed, license_type="team", lines=[services.LineRequest(product, 1)], actor=admin
        )
    Customer.objects.filter(pk=delayed.pk).update(status=CustomerStatus.DELAYED)
    console.delayed = delayed
    return console


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_rows_status_and_action_are_on_a_390_pixel_screen(browser, live_server, language):
    console = phone_world()
    active = console.active
    page = phone_page(browser, live_server, language, "anna")
    problems: list[str] = []

    page.goto("/customers/")
    problems += check_rows(
        page,
        "customer list",
        "[data-testid=customer-table] tbody tr",
        status="[data-row-status] .badge",
        action="a[data-row-action]",
    )
    roles = table_roles(page)
    if "table" not in roles or roles.count("row") < 2 or "columnheader" not in roles:
        problems.append(f"customer list: the table is no table to a screen reader ({sorted(set(roles))[:20]})")

    page.goto(f"/customers/{active.pk}/plans/")
    problems += check_rows(
        page, "Plans", "[data-testid=holdings-table] tbody tr", status="[data-row-status]", action=None
    )
    problems += [f"Plans: {where}" for where in off_screen(page, "main .page-head .button.primary")]

    page.goto(f"/customers/{console.delayed.pk}/plans/")
    problems += [f"Plans (Delayed): {where}" for where in off_screen(page, "[data-testid=pa-refusal]")]

    page.goto(f"/customers/{active.pk}/history/")
    problems += check_rows(page, "history", ".history-entry", status=".badge", action=None)
    problems += [f"history: {where}" for where in off_screen(page, ".history-entry .actions a")]
    problems += [f"history: {where}" for where in off_screen(page, ".history-entry tbody tr td")]

    page.goto("/renewals/")
    problems += check_rows(
        page,
        "renewal overview",
        "[data-testid=overview-table] tbody tr",
        status="[data-row-status] .badge",
        action="a[data-row-action]",
    )

    vip = phone_page(browser, live_server, language, "vera@planmedia.example")
    problems += check_rows(
        vip,
        "admin console: products",
        "[data-testid=vip-holdings-table] tbody tr",
        status="[data-row-status]",
        action=None,
    )
    problems += check_rows(
        vip,
        "admin console: users",
        "[data-testid=vip-assignments-table] tbody tr",
        status="[data-row-status]",
        action="button[data-row-action]",
    )
    free = vip.locator("[data-testid=vip-holdings-table] tbody tr [data-row-status]").first
    expect(free).to_be_visible()
    expect(free).to_have_text(re.compile(r"\d"))

    for each in (page, vip):
        assert each.refused == []  # type: ignore[attr-defined]
        each.context.close()
    assert not problems, f"[{language}]\n" + "\n".join(problems)


def test_enter_in_a_field_of_the_create_customer_form_creates_without_inviting(browser, live_server):
    from customers.models import Customer, CustomerStatus
    from notifications.models import OutboundEmail
    from tests.factories import SalesFactory

    SalesFactory(username="sam", password=PASSWORD)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button.primary").click()
    page.goto("/customers/new/")
    page.fill("#id_company_name", "Returmedia AB")
    page.fill("#id_address_line1", "Storgatan 3")
    page.fill("#id_postal_code", "903 26")
    page.fill("#id_city", "Umeå")
    page.select_option("#id_country", "SE")
    page.select_option("#id_market_segment", "commercial")
    page.fill("#id_admins-0-name", "Rut Retur")
    page.fill("#id_admins-0-email", "rut@returmedia.example")
    with page.expect_navigation():
        page.locator("#id_admins-0-email").press("Enter")
    customer = Customer.objects.get(company_name="Returmedia AB")
    assert customer.status == CustomerStatus.NOT_INVITED and not customer.vip_id
    assert not OutboundEmail.objects.filter(customer=customer).exists()
    expect(page.get_by_test_id("vip-id")).to_have_text("not issued yet")
    # Enter in the company name does the same: no second click needed, still no invitation.
    page.goto("/customers/new/")
    page.fill("#id_company_name", "Enterbolaget AB")
    with page.expect_navigation():
        page.locator("#id_company_name").press("Enter")
    expect(page.locator("main .error-summary")).to_be_visible()  # the address is required: nothing created
    assert not Customer.objects.filter(company_name="Enterbolaget AB").exists()
    context.close()


def server_error_page(language: str) -> str:
    """What the console answers a request that fails (Django's handler500 with our 500.html)."""
    from django.test import RequestFactory
    from django.views.defaults import server_error

    with translation.override(language):
        return server_error(RequestFactory().get("/")).content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_serious_on_the_phone_layouts_and_the_error_pages(browser, live_server, language):
    console = phone_world()
    failures: list[str] = []

    def axe(page: Page, name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        results = AXE.run(page).response
        for violation in results["violations"]:
            if violation["impact"] in FAILING_IMPACTS:
                targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
                failures.append(f"[{language}] {name}: {violation['id']} ({violation['impact']}) → {targets}")

    page = phone_page(browser, live_server, language, "anna")
    for path, name in [
        ("/", "dashboard (phone)"),
        ("/customers/", "customer list (phone)"),
        (f"/customers/{console.active.pk}/", "customer details and timeline (phone)"),
        (f"/customers/{console.active.pk}/plans/", "Plans (phone)"),
        (f"/customers/{console.delayed.pk}/plans/", "Plans of a Delayed account (phone)"),
        (f"/customers/{console.active.pk}/history/", "history (phone)"),
        (f"/customers/{console.active.pk}/renewals/", "Renewals tab (phone)"),
        (f"/customers/{console.order.customer_id}/orders/{console.order.pk}/return/", "return (phone)"),
        ("/renewals/", "renewal overview (phone)"),
        ("/staff/", "staff (phone)"),
        ("/customers/999999/", "404 (phone)"),
    ]:
        page.goto(path)
        axe(page, name)
    # The PA dialog with the products it does not offer.
    page.goto(f"/customers/{console.active.pk}/plans/")
    page.locator("a[data-opens-dialog]").click()
    expect(page.locator("dialog#pa-dialog")).to_be_visible()
    page.locator("dialog#pa-dialog [name=license_type]").select_option("enterprise")
    expect(page.get_by_test_id("not-offered")).to_be_visible()
    axe(page, "PA dialog naming the products not offered (phone)")

    vip = phone_page(browser, live_server, language, "vera@planmedia.example")
    axe(vip, "admin console (phone)")

    # The 500 page as the console serves it, in the page's language.
    html = server_error_page(language)
    page.route("**/boom/", lambda route: route.fulfill(status=500, body=html, content_type="text/html; charset=utf-8"))
    response = page.goto("/boom/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text(words(language, "Something went wrong")[0])
    axe(page, "500")

    for each in (page, vip):
        assert each.refused == []  # type: ignore[attr-defined]
        each.context.close()
    assert not failures, "\n".join(failures)


def smallest_text(page: Page, selector: str) -> float:
    """The smallest rendered height, in CSS pixels, of the SVG texts matching `selector`."""
    return page.evaluate(
        """selector => Math.min(...[...document.querySelectorAll(selector)]
            .filter(text => text.textContent.trim())
            .map(text => text.getBoundingClientRect().height))""",
        selector,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_chart_and_timeline_texts_stay_legible_and_the_timeline_fills_its_card(browser, live_server, language):
    console = phone_world()
    page = phone_page(browser, live_server, language, "anna")
    page.goto("/")
    # 13-unit chart text stays about 11 px: the drawing keeps its width and scrolls inside its frame.
    assert smallest_text(page, "svg.chart text") >= 10
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.goto(f"/customers/{console.active.pk}/")
    assert smallest_text(page, "svg.timeline-svg text") >= 9
    page.context.close()

    wide = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    wide.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    desk = wide.new_page()
    desk.goto("/login/")
    desk.fill("#id_username", "anna")
    desk.fill("#id_password", PASSWORD)
    with desk.expect_navigation():
        desk.locator("main button.primary").click()
    desk.goto(f"/customers/{console.active.pk}/")
    card, svg, listing = (
        desk.get_by_test_id("timeline").bounding_box(),
        desk.get_by_test_id("timeline-chart").bounding_box(),
        desk.get_by_test_id("timeline-list").bounding_box(),
    )
    # The drawing and the list share the card side by side: no half-empty card.
    assert listing["x"] > svg["x"] + svg["width"] - 1
    assert listing["x"] + listing["width"] > card["x"] + card["width"] * 0.85
    # The caption speaks of the shading only where there is one.
    shaded = desk.locator("svg.timeline-svg rect.tl-past")
    caption = desk.locator(".tl-legend")
    if shaded.count():
        assert shaded.bounding_box()["width"] > 0
        expect(caption).to_contain_text(words(language, "Today")[0])
    wide.close()


def test_the_order_form_shows_one_order_date_that_the_calculator_follows(browser, live_server):
    console = build_console()
    page = phone_page(browser, live_server, "en", "anna")
    page.goto(f"/customers/{console.active.pk}/authorizations/{console.pending.pk}/order/")
    dates = page.locator("main input[type=date][name$=order_date]")
    visible = [dates.nth(i) for i in range(dates.count()) if dates.nth(i).is_visible()]
    assert len(visible) == 1 and visible[0].get_attribute("name") == "order_date"
    calculator_date = page.locator("#id_calc-order_date")
    # A swap settles (and its new form gets its htmx handlers) a moment after the new content shows; a date
    # changed within that moment must still recalculate. A long settle makes the moment as long as the test.
    page.evaluate("htmx.config.defaultSettleDelay = 3000")
    # A date the calculator refuses (before the PA): it shows its own date with the reason …
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    visible[0].fill(yesterday)
    expect(calculator_date).to_be_visible()
    expect(page.get_by_test_id("order-calculator")).to_contain_text("before purchase authorization")
    # … and one it takes: one date again, the result following it.
    today = timezone.localdate()
    visible[0].fill(today.isoformat())
    expect(calculator_date).to_be_hidden()
    expect(calculator_date).to_have_value(today.isoformat())
    expect(page.get_by_test_id("calculator-order")).to_contain_text(date_format(today))
    assert sum(1 for i in range(dates.count()) if dates.nth(i).is_visible()) == 1
    assert page.refused == []  # type: ignore[attr-defined]
    page.context.close()
