"""Accessibility in a real browser: axe-core over every console page in English and Swedish, the PA dialog with
the keyboard only, error announcements, badges that do not rely on colour, and the layout at 360 px."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests-123"
LANGUAGES = ["en", "sv"]
#: axe-core's two highest impacts; "moderate" and "minor" findings are printed but do not fail.
FAILING_IMPACTS = {"serious", "critical"}
AXE = Axe()


def words(language: str, *texts: str) -> list[str]:
    with translation.override(language):
        return [gettext(text) for text in texts]


def build_console() -> SimpleNamespace:
    """A small reseller with a customer in every state the pages show: a pending and an ordered purchase
    authorization, a return window open, a renewal window open (banner), an assigned licence, a VIP admin."""
    from django.utils import timezone

    from accounts.models import User
    from authorizations import services as authorizations
    from customers.models import CustomerStatus
    from customers.services import invitation_token
    from licences.models import Holding
    from renewals.services import refresh_renewal_overview
    from tests.factories import (
        ActiveCustomerFactory,
        CustomerFactory,
        InternalSalesFactory,
        InvitedCustomerFactory,
        ProductFactory,
        ResellerAdminFactory,
        SalesFactory,
    )

    today = timezone.localdate()
    admin = ResellerAdminFactory(username="anna", first_name="Anna", last_name="Admin")
    SalesFactory(username="sam", reseller=admin.reseller, first_name="Sam", last_name="Sales")
    InternalSalesFactory(username="ines", first_name="Ines", last_name="Internal")
    anniversary = today + timedelta(days=20)
    active = ActiveCustomerFactory(
        reseller=admin.reseller,
        company_name="Planmedia AB",
        anniversary_date=anniversary,
        anniversary_day=anniversary.day,
    )
    fresh = CustomerFactory(reseller=admin.reseller, company_name="Nyföretag AB")
    invited = InvitedCustomerFactory(reseller=admin.reseller, company_name="Inbjuden AB")
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    ordered = authorizations.purchase_authorization_create(
        customer=active, license_type="team", lines=[authorizations.LineRequest(photoshop, 5)], actor=admin
    )
    order, _created = authorizations.order_place(
        order_number="LWS-1001",
        order_date=today,
        pa_reference=ordered.reference,
        lines=[authorizations.OrderLineRequest(photoshop.sku_new, 5)],
        actor=admin,
    )
    pending = authorizations.purchase_authorization_create(
        customer=active,
        license_type="team",
        lines=[authorizations.LineRequest(photoshop, 2), authorizations.LineRequest(indesign, 3)],
        po_number="PO-2026-7",
        actor=admin,
    )
    withdrawn = authorizations.purchase_authorization_create(
        customer=active, license_type="team", lines=[authorizations.LineRequest(indesign, 1)], actor=admin
    )
    authorizations.purchase_authorization_withdraw(purchase_authorization=withdrawn, actor=admin)
    authorizations.assignment_add(customer=active, product=photoshop, email="holder@planmedia.example", actor=admin)
    # Every status badge and renewal window badge shows somewhere: upcoming, open (above), grace period.
    for status in (CustomerStatus.DELAYED, CustomerStatus.INACTIVE):
        ActiveCustomerFactory(reseller=admin.reseller, status=status)
    for days in (60, -10):
        anniversary = today + timedelta(days=days)
        Holding.objects.create(
            customer=ActiveCustomerFactory(
                reseller=admin.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
            ),
            product=indesign,
            deployed=2,
        )
    refresh_renewal_overview(on=today)
    vip = User.objects.create_user(
        "vera@planmedia.example", role="vip_admin", customer=active, vip_admin=active.vip_admins.first()
    )
    vip.set_password(PASSWORD)
    vip.save()
    # A webhook endpoint nothing listens to: its test event's first attempt fails and is logged.
    from webhooks import services as webhooks

    endpoint = webhooks.endpoint_create(
        reseller=admin.reseller, actor=admin, url="http://127.0.0.1:9/hooks", event_types=["order.placed"]
    )
    delivery = webhooks.endpoint_send_test(endpoint=endpoint, actor=admin)
    return SimpleNamespace(
        endpoint=endpoint,
        delivery=delivery,
        active=active,
        fresh=fresh,
        invited=invited,
        pending=pending,
        order=order,
        photoshop=photoshop,
        active_token=invitation_token(active.vip_admins.first()),
        invited_token=invitation_token(invited.vip_admins.first()),
    )


@dataclass
class Tour:
    """Visits pages in one language, runs axe-core on each and keeps what it finds."""

    browser: Browser
    base_url: str
    language: str
    contexts: list[BrowserContext] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def context(self, **options) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.add_cookies([{"name": "django_language", "value": self.language, "url": self.base_url}])
        self.contexts.append(context)
        return context

    def close(self) -> None:
        # Closed before the test's end, so the live server's threads end with their connections.
        for context in self.contexts:
            context.close()

    def page(self, context: BrowserContext) -> Page:
        page = context.new_page()
        # The real Content-Security-Policy applies; anything it refuses fails the tour.
        page.on(
            "console", lambda message: "Content Security Policy" in message.text and self.refused.append(message.text)
        )
        return page

    def log_in(self, username: str) -> Page:
        page = self.page(self.context())
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name=words(self.language, "Log in")[0], exact=True).click()
        assert "/login/" not in page.url, f"{username} could not log in"
        return page

    def check(self, page: Page, name: str, errors: bool = False) -> None:
        expect(page.locator("html")).to_have_attribute("lang", self.language)
        if errors:
            self.check_error_announcement(page, name)
        results = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
        self.checked.append(name)
        for review in results["incomplete"]:
            if review["impact"] in FAILING_IMPACTS:
                reasons = {item["message"] for node in review["nodes"] for item in node["any"] + node["all"]}
                targets = "; ".join(" ".join(node["target"]) for node in review["nodes"][:3])
                self.notes.append(
                    f"[{self.language}] {name}: needs review: {review['id']} ({len(review['nodes'])}×) → {targets}: "
                    + " / ".join(sorted(reasons))
                )
        for violation in results["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            line = (
                f"[{self.language}] {name} ({page.url}): {violation['id']} ({violation['impact']}, "
                f"{len(violation['nodes'])}×) {violation['help']} → {targets}"
            )
            (self.failures if violation["impact"] in FAILING_IMPACTS else self.notes).append(line)
        # axe-core no longer reports duplicate ids that nothing refers to; a label or a link could still pick
        # the wrong element.
        duplicates = page.evaluate(
            """() => { const seen = {};
                document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
                return Object.keys(seen).filter(id => seen[id] > 1); }"""
        )
        if duplicates:
            self.failures.append(f"[{self.language}] {name}: duplicate ids {duplicates}")
        # Status badges carry text, never only a colour.
        for badge in page.locator(".badge").all():
            if not badge.inner_text().strip():
                self.failures.append(
                    f"[{self.language}] {name}: a badge without text: {badge.evaluate('e => e.outerHTML')}"
                )

    def check_error_announcement(self, page: Page, name: str) -> None:
        """The form's errors are announced (a summary with role="alert" that gets the focus) and each field in
        error says so (aria-invalid) and points at its message (aria-describedby)."""
        summary = page.locator("main .error-summary")
        expect(summary).to_have_count(1)
        expect(summary).to_have_attribute("role", "alert")
        expect(summary).to_be_focused()
        for widget in page.locator("main [aria-invalid=true]").all():
            described = widget.evaluate(
                """field => (field.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
                    .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent.trim()).join(' ')"""
            )
            if not described:
                self.failures.append(f"[{self.language}] {name}: {widget.get_attribute('name')} has no error message")

    def visit(self, page: Page, path: str, name: str, status: int = 200) -> None:
        response = page.goto(path)
        assert response is not None
        if response.status != status:
            self.failures.append(f"[{self.language}] {name}: {path} answered {response.status}, expected {status}")
        self.check(page, name)


@pytest.fixture
def tours(browser: Browser, live_server):
    made: list[Tour] = []

    def tour(language: str) -> Tour:
        made.append(Tour(browser=browser, base_url=live_server.url, language=language))
        return made[-1]

    yield tour
    for each in made:
        each.close()


def submit(page: Page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).first.click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_has_no_serious_or_critical_axe_violation(tours, live_server, language):
    console = build_console()
    active, pending, order = console.active, console.pending, console.order
    tour = tours(language)
    (
        log_in,
        save,
        create_and_invite,
        create_pa,
        record_order,
        add_staff,
        change_password,
        assign_licence,
        create_sign_in,
        add_endpoint,
        rotate_secret,
        check_file,
    ) = words(
        language,
        "Log in",
        "Save",
        "Create and send invitation",
        "Create purchase authorization",
        "Record order",
        "Add staff member",
        "Change password",
        "Assign licence",
        "Create my sign-in",
        "Add endpoint",
        "Rotate the secret",
        "Check the file",
    )

    # Signed out: log-in (blank, wrong password, locked out), the invitation link in its states, 404.
    anonymous = tour.page(tour.context())
    tour.visit(anonymous, "/login/", "login")
    anonymous.fill("#id_username", "nobody")
    anonymous.fill("#id_password", "wrong")
    submit(anonymous, log_in)
    tour.check(anonymous, "login with an error", errors=True)
    for _attempt in range(2):
        anonymous.fill("#id_password", "wrong")
        submit(anonymous, log_in)
    tour.check(anonymous, "locked out")
    tour.visit(anonymous, f"/invitations/{console.invited_token}/", "invitation (not yet accepted)")
    tour.visit(anonymous, f"/invitations/{console.active_token}/", "invitation (accepted: sign-in form)")
    submit(anonymous, create_sign_in)
    tour.check(anonymous, "invitation sign-in with errors", errors=True)
    tour.visit(anonymous, "/invitations/not-a-token/", "invitation (invalid link)", status=400)
    tour.visit(anonymous, "/no-such-page/", "404 signed out", status=404)

    # The reseller admin: every console page.
    page = tour.log_in("anna")
    response = page.goto("/")
    tour.check(page, "home /")
    if not page.url.rstrip("/").endswith(live_server.url.rstrip("/")):
        tour.notes.append(f"[{language}] / leads to {page.url} (status {response and response.status})")
    tour.visit(page, "/customers/", "customer list")
    tour.visit(page, "/customers/?q=no-such-customer", "customer list, empty")
    tour.visit(page, "/customers/?status=active&segment=commercial&sort=-created", "customer list, filtered")
    tour.visit(page, f"/customers/{active.pk}/", "customer details (timeline, banner)")
    tour.visit(page, f"/customers/{active.pk}/plans/", "customer Plans")
    page.get_by_role("link", name=words(language, "Create a new purchase authorization")[0]).click()
    expect(page.locator("dialog#pa-dialog")).to_be_visible()
    tour.check(page, "PA dialog open")
    page.locator("dialog#pa-dialog").get_by_role("button", name=create_pa).click()
    expect(page.locator("dialog#pa-dialog [aria-invalid=true]").first).to_be_visible()
    tour.check(page, "PA dialog with errors", errors=True)
    tour.visit(page, f"/customers/{active.pk}/history/", "customer history")
    tour.visit(page, f"/customers/{active.pk}/renewals/", "customer Renewals")
    # exact: "Auto-renewal quantity of Photoshop" is on the tab too.
    quantity = page.get_by_label(
        words(language, "Renewal quantity of %(product)s")[0] % {"product": "Photoshop"}, exact=True
    )
    quantity.fill("0")
    with page.expect_navigation():
        quantity.press("Enter")
    expect(page.locator("main")).to_contain_text("holder@planmedia.example")
    tour.check(page, "renewal quantity below users: confirm")
    tour.visit(page, f"/customers/{console.fresh.pk}/", "customer details, not invited")
    tour.visit(page, f"/customers/{console.fresh.pk}/plans/", "customer Plans, no VIP ID")
    tour.visit(page, f"/customers/{console.invited.pk}/history/", "customer history, empty")
    tour.visit(page, f"/customers/{console.invited.pk}/renewals/", "customer Renewals, no anniversary")
    tour.visit(page, "/customers/new/", "customer create")
    submit(page, create_and_invite)
    tour.check(page, "customer create with errors", errors=True)
    tour.visit(page, f"/customers/{active.pk}/edit/", "customer edit")
    page.fill("#id_company_name", "")
    submit(page, save)
    tour.check(page, "customer edit with errors", errors=True)
    tour.visit(page, f"/customers/{active.pk}/authorizations/new/", "PA page (without JavaScript's dialog)")
    tour.visit(page, f"/customers/{active.pk}/authorizations/{pending.pk}/order/", "order form")
    submit(page, record_order)
    tour.check(page, "order form with errors", errors=True)
    tour.visit(page, f"/customers/{active.pk}/orders/{order.pk}/return/", "return form")
    tour.visit(page, f"/customers/{active.pk}/authorizations/{pending.pk}/withdraw/", "withdraw confirm")
    tour.visit(
        page,
        f"/customers/{active.pk}/authorizations/{pending.pk}/remove-products/?product={console.photoshop.pk}",
        "remove products",
    )
    tour.visit(page, "/renewals/", "renewal overview")
    tour.visit(page, "/renewals/?window=open&sort=-days_left", "renewal overview, filtered")
    tour.visit(page, "/staff/", "staff")
    submit(page, add_staff)
    tour.check(page, "staff with errors", errors=True)
    tour.visit(page, "/webhooks/", "webhooks")
    tour.visit(page, "/webhooks/new/", "webhook endpoint create")
    submit(page, add_endpoint)
    tour.check(page, "webhook endpoint create with errors", errors=True)
    tour.visit(page, f"/webhooks/{console.endpoint.pk}/", "webhook endpoint and its delivery log")
    tour.visit(page, f"/webhooks/deliveries/{console.delivery.pk}/", "webhook delivery")
    tour.visit(page, f"/webhooks/{console.endpoint.pk}/delete/", "webhook endpoint delete confirm")
    tour.visit(page, f"/webhooks/{console.endpoint.pk}/", "webhook endpoint again")
    submit(page, rotate_secret)
    tour.check(page, "webhook signing secret, shown once")
    tour.visit(page, "/customers/import/", "customer import")
    submit(page, check_file)
    tour.check(page, "customer import without a file", errors=True)
    rows = "company_name,address_line1,postal_code,city,country,market_segment,vip_admin_name,vip_admin_email\n"
    rows += "Import AB,Gatan 1,111 22,Stockholm,SE,commercial,Vera,vera@import.example\n,Gatan 2,,Stockholm,XX,x,,bad\n"
    page.set_input_files("#id_file", files=[{"name": "c.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    submit(page, check_file)
    tour.check(page, "customer import dry run with row errors")
    tour.visit(page, "/customers/import/done/", "customer import done (nothing imported)")
    tour.visit(page, "/password/", "password change")
    submit(page, change_password)
    tour.check(page, "password change with errors", errors=True)
    tour.visit(page, "/password/done/", "password changed")
    tour.visit(page, "/customers/999999/", "404 signed in", status=404)
    # The 500 page as the console serves it (Django's handler500 with templates/500.html), in this language.
    from tests.test_issue16_phone import server_error_page

    error_page = server_error_page(language)
    page.route("**/boom/", lambda route: route.fulfill(status=500, body=error_page, content_type="text/html"))
    tour.visit(page, "/boom/", "500", status=500)

    # Internal sales: the reseller column and filters.
    internal = tour.log_in("ines")
    tour.visit(internal, "/customers/", "customer list, internal sales")
    tour.visit(internal, "/customers/new/", "customer create, internal sales")
    tour.visit(internal, "/renewals/", "renewal overview, internal sales")

    # The customer's VIP admin: the admin console with the renewal banner.
    vip = tour.log_in("vera@planmedia.example")
    expect(vip.get_by_test_id("renewal-banner")).to_be_visible()
    tour.check(vip, "admin console with the renewal banner")
    submit(vip, assign_licence)
    tour.check(vip, "admin console with errors", errors=True)
    tour.visit(vip, "/customers/", "403 (a VIP admin on a console page)", status=403)

    print(f"\n[{language}] {len(tour.checked)} pages checked; moderate/minor findings:", *tour.notes, sep="\n  ")
    assert tour.refused == []
    assert not tour.failures, f"{len(tour.failures)} serious or critical axe violation(s):\n" + "\n".join(tour.failures)


def record_refusals(page: Page) -> list[str]:
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    return refused


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in", exact=True).click()


def focus_is_inside(page: Page, selector: str) -> bool:
    return page.evaluate("selector => document.querySelector(selector).contains(document.activeElement)", selector)


def test_the_pa_dialog_works_with_the_keyboard_only(page: Page, live_server):
    from authorizations.models import PurchaseAuthorization
    from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

    sales = SalesFactory(username="sam")
    customer = ActiveCustomerFactory(reseller=sales.reseller, company_name="Tangentbord AB")
    ProductFactory(name="Photoshop")
    ProductFactory(name="InDesign")
    refused = record_refusals(page)
    log_in(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/customers/{customer.pk}/plans/")
    opener = page.get_by_role("link", name="Create a new purchase authorization")
    dialog = page.locator("dialog#pa-dialog")

    # The opener is reached with Tab and opened with Enter; focus moves to the dialog's first field.
    for _press in range(40):
        page.keyboard.press("Tab")
        if opener.evaluate("element => element === document.activeElement"):
            break
    expect(opener).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    license_type = dialog.get_by_label("Licence type")
    expect(license_type).to_be_focused()

    # Tab and Shift+Tab go round the dialog's controls and never reach the page behind it.
    controls = dialog.locator("select, input:not([type=hidden]), button, a[href]").count()
    for key in ["Tab"] * (controls + 3) + ["Shift+Tab"] * (controls + 3):
        page.keyboard.press(key)
        assert focus_is_inside(page, "#pa-dialog"), (
            f"{key} left the dialog for {page.evaluate('document.activeElement.outerHTML')}"
        )

    # Esc closes it and focus returns to the opener.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Again, all with the keyboard: licence type, a product, the plus button, its row, then Create.
    page.keyboard.press("Enter")
    expect(license_type).to_be_focused()
    license_type.press("ArrowDown")  # "Choose Enterprise or Team" → the first type
    license_type.press("ArrowDown")
    expect(license_type).to_have_value("team")
    expect(dialog.locator("#id_lines-0-product option", has_text="Photoshop")).to_have_count(1)
    expect(license_type).to_be_focused()
    page.keyboard.press("Tab")
    product = dialog.locator("#id_lines-0-product")
    expect(product).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(product).not_to_have_value("")
    page.keyboard.press("Tab")
    expect(dialog.locator("#id_lines-0-quantity")).to_be_focused()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Add another product")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.locator("#id_lines-1-product")).to_be_focused()
    # The new row left empty is refused: the error summary takes the focus and names the field.
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    for _press in range(10):
        page.keyboard.press("Tab")
        if dialog.get_by_role("button", name="Create purchase authorization").evaluate(
            "element => element === document.activeElement"
        ):
            break
    page.keyboard.press("Enter")
    summary = dialog.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(dialog.locator("#id_lines-1-product")).to_have_attribute("aria-invalid", "true")
    # Its link moves the keyboard to the field; a product chosen, Enter creates.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog.locator("#id_lines-1-product")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        dialog.locator("#id_lines-1-quantity").press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/history/$"))
    assert PurchaseAuthorization.objects.get().lines.count() == 2
    assert refused == []


NARROW = {"width": 360, "height": 740}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_pages_fit_a_360_pixel_screen(tours, live_server, language):
    console = build_console()
    active, pending, order = console.active, console.pending, console.order
    tour = tours(language)
    problems: list[str] = []

    def fits(page: Page, name: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", language)
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > client_width:
            # What sticks out: elements, and text that overflows its element (a long word), outside .table-wrap.
            wide = page.evaluate(
                """width => {
                    const name = e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '');
                    const found = [...document.querySelectorAll('body *')]
                        .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > width + 1)
                        .map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
                    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                    const range = document.createRange();
                    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
                        range.selectNodeContents(text);
                        const right = range.getBoundingClientRect().right;
                        if (right > width + 1 && !text.parentElement.closest('.table-wrap')) {
                            found.push(`text "${text.textContent.trim().slice(0, 40)}" in ${name(text.parentElement)} `
                                + Math.round(right) + 'px');
                        }
                    }
                    return found.slice(0, 6);
                }""",
                client_width,
            )
            problems.append(f"[{language}] {name}: {scroll_width}px wide in {client_width}px: {wide}")
        for required in ["header nav", "button.primary, .button.primary"]:
            for element in page.locator(required).all():
                box = element.bounding_box()
                if (
                    not element.is_visible()
                    or box is None
                    or box["x"] < 0
                    or box["x"] + box["width"] > client_width + 1
                ):
                    problems.append(f"[{language}] {name}: {required} not visible on screen: {box}")

    def at(page: Page, path: str, name: str) -> None:
        page.goto(path)
        fits(page, name)

    anonymous = tour.page(tour.context(viewport=NARROW))
    at(anonymous, "/login/", "login")
    at(anonymous, f"/invitations/{console.active_token}/", "invitation")
    page = tour.page(tour.context(viewport=NARROW))
    page.goto("/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main button.primary").click()
    for path, name in [
        ("/", "home"),
        ("/customers/", "customer list"),
        (f"/customers/{active.pk}/", "customer details"),
        (f"/customers/{active.pk}/plans/", "customer Plans"),
        (f"/customers/{active.pk}/history/", "customer history"),
        (f"/customers/{active.pk}/renewals/", "customer Renewals"),
        ("/customers/new/", "customer create"),
        (f"/customers/{active.pk}/authorizations/{pending.pk}/order/", "order form"),
        (f"/customers/{active.pk}/orders/{order.pk}/return/", "return form"),
        (f"/customers/{active.pk}/authorizations/{pending.pk}/withdraw/", "withdraw confirm"),
        ("/renewals/", "renewal overview"),
        ("/staff/", "staff"),
        ("/password/", "password change"),
    ]:
        at(page, path, name)
    page.goto(f"/customers/{active.pk}/plans/")
    page.locator("a[data-opens-dialog]").click()
    expect(page.locator("dialog#pa-dialog")).to_be_visible()
    fits(page, "PA dialog")
    page.goto("/customers/new/")
    with page.expect_navigation():
        page.locator("main button.primary").click()
    fits(page, "customer create with errors")
    vip = tour.page(tour.context(viewport=NARROW))
    vip.goto("/login/")
    vip.fill("#id_username", "vera@planmedia.example")
    vip.fill("#id_password", PASSWORD)
    with vip.expect_navigation():
        vip.locator("main button.primary").click()
    fits(vip, "admin console")

    assert tour.refused == []
    assert not problems, "\n".join(problems)


def test_the_language_changes_with_the_keyboard_only_when_asked(page: Page, live_server):
    refused = record_refusals(page)
    page.goto(f"{live_server.url}/login/")
    language = page.locator("#language-select")
    apply = page.get_by_role("button", name="Change language")
    expect(apply).to_be_hidden()
    language.focus()
    # An arrow key changes the choice but does not reload the page under the keyboard …
    page.keyboard.press("ArrowDown")
    expect(language).to_have_value("sv")
    expect(apply).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # … Enter does.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#language-select")).to_have_value("sv")
    # With the mouse (or a script choosing the option), the choice applies at once.
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert refused == []
