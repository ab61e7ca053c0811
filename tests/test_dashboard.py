"""The dashboard: counts that link to exactly the customers they count, the two charts (SVG and table with the
same numbers), the most urgent actions, tenants sealed, internal sales' reseller filter, a fixed query count and
both languages."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from authorizations.models import PurchaseAuthorization
from customers.models import Customer, CustomerStatus
from licences.models import Holding
from notifications.models import OutboundEmail
from renewals import services as renewal_services
from renewals.models import RenewalRow
from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)
_references = itertools.count(1)
_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


# ---------------------------------------------------------------------------
# Given: a reseller's customers in every state the dashboard counts
# ---------------------------------------------------------------------------
def pa(customer: Customer, deadline: date, status: str = "pending") -> PurchaseAuthorization:
    return PurchaseAuthorization.objects.create(
        reference=f"PA-T{next(_references):06d}",
        customer=customer,
        license_type="team",
        order_deadline=deadline,
        status=status,
    )


def renewing(reseller, anniversary: date, holdings, **fields) -> Customer:
    customer = ActiveCustomerFactory(
        reseller=reseller, anniversary_date=anniversary, anniversary_day=anniversary.day, **fields
    )
    for product, quantity in holdings:
        Holding.objects.create(customer=customer, product=product, deployed=quantity)
    return customer


def email(customer: Customer | None, state: str = OutboundEmail.State.FAILED) -> OutboundEmail:
    n = next(_emails)
    return OutboundEmail.objects.create(
        kind=OutboundEmail.Kind.INVITATION,
        customer=customer,
        dedupe_key=f"test-{n}",
        recipients=["vip@example.com"],
        language="en",
        subject=f"Mail {n}",
        body_text="Hello",
        state=state,
    )


@dataclass
class Tenant:
    sales: User
    pending: set[Customer]
    due_soon: set[Customer]
    delayed: set[Customer]
    upcoming: set[Customer]
    open: set[Customer]
    grace: set[Customer]
    named: dict[str, Customer]


def build_tenant(prefix: str, photoshop, acrobat) -> Tenant:
    sales = SalesFactory(reseller=ResellerFactory(name=f"{prefix} Reseller AB"))
    reseller = sales.reseller

    def customer(name: str, **fields) -> Customer:
        return ActiveCustomerFactory(reseller=reseller, company_name=f"{prefix} {name}", **fields)

    later = customer("Later AB")
    pa(later, TODAY + timedelta(days=20))
    soon = customer("Soon AB")
    pa(soon, TODAY + timedelta(days=3))
    pa(soon, TODAY + timedelta(days=7))  # the last day that counts as "within 7 days"
    last_day = customer("Last Day AB")
    pa(last_day, TODAY)
    eight_days = customer("Eight Days AB")
    pa(eight_days, TODAY + timedelta(days=8))
    delayed = customer("Delayed AB", status=CustomerStatus.DELAYED)
    pa(delayed, TODAY - timedelta(days=2))
    ordered = customer("Ordered AB")
    pa(ordered, TODAY + timedelta(days=2), status="ordered")
    pa(ordered, TODAY - timedelta(days=9), status="withdrawn")

    open_window = renewing(reseller, TODAY + timedelta(days=10), [(photoshop, 5)], company_name=f"{prefix} Open AB")
    upcoming = renewing(reseller, TODAY + timedelta(days=60), [(photoshop, 3)], company_name=f"{prefix} Upcoming AB")
    # Grace ends in 3 days, access goes in 4: an access removal within 7 days.
    removal = renewing(reseller, TODAY - timedelta(days=27), [(acrobat, 1)], company_name=f"{prefix} Removal AB")
    # Grace ends in 25 days: the window is closing.
    closing = renewing(reseller, TODAY - timedelta(days=5), [(acrobat, 2)], company_name=f"{prefix} Closing AB")
    # Not yet in the overview: counted in the chart with the licences it holds.
    renewing(reseller, TODAY + timedelta(days=200), [(acrobat, 4)], company_name=f"{prefix} Far AB")
    # A year and more away: outside the chart.
    renewing(reseller, date(2027, 6, 10), [(acrobat, 9)], company_name=f"{prefix} Next Year AB")
    renewal_services.refresh_renewal_overview(on=TODAY)
    # The reseller plans to renew fewer: the chart counts the renewal quantity.
    RenewalRow.objects.filter(customer=open_window).update(proposed_quantity=4)

    email(delayed)
    email(later)
    email(later, state=OutboundEmail.State.SENT)
    return Tenant(
        sales=sales,
        pending={later, soon, last_day, eight_days, delayed},
        due_soon={soon, last_day},
        delayed={delayed},
        upcoming={upcoming},
        open={open_window},
        grace={removal, closing},
        named={
            "delayed": delayed,
            "removal": removal,
            "closing": closing,
            "open": open_window,
        },
    )


@pytest.fixture
def world():
    photoshop = ProductFactory(name="Photoshop", unit_price="100.00")
    acrobat = ProductFactory(name="Acrobat", unit_price="250.00")
    alpha = build_tenant("Alpha", photoshop, acrobat)
    bravo = build_tenant("Bravo", photoshop, acrobat)
    # Bravo has more of everything, so a count that leaked across tenants would show.
    extra = ActiveCustomerFactory(reseller=bravo.sales.reseller, company_name="Bravo Extra AB", status="delayed")
    pa(extra, TODAY - timedelta(days=1))
    pa(extra, TODAY + timedelta(days=1))
    bravo.pending.add(extra)
    bravo.due_soon.add(extra)
    bravo.delayed.add(extra)
    email(extra)
    email(None)  # an e-mail about no customer: only the whole outbox shows it
    return alpha, bravo


def dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("dashboard"), params)
    assert response.status_code == 200
    return response


def expected_counts(tenants: list[Tenant], failed_emails: int) -> dict[str, int]:
    def union(name):
        return set().union(*(getattr(t, name) for t in tenants))

    pending_pas = 6 * len(tenants) + (2 if len(tenants) == 2 else 0)
    return {
        "pending_pas": pending_pas,
        "pending_customers": len(union("pending")),
        "due_soon_pas": 3 * len(tenants) + (1 if len(tenants) == 2 else 0),
        "due_soon_customers": len(union("due_soon")),
        "delayed_customers": len(union("delayed")),
        "renewals_upcoming": len(union("upcoming")),
        "renewals_open": len(union("open")),
        "renewals_grace": len(union("grace")),
        "failed_emails": failed_emails,
    }


# ---------------------------------------------------------------------------
# Counts and their links
# ---------------------------------------------------------------------------
def test_counts_of_a_reseller(client, world):
    alpha, _bravo = world

    counts = dashboard(client, alpha.sales).context["counts"]

    assert counts.__dict__ == expected_counts([alpha], failed_emails=2)


def listed_customers(client, url: str) -> set[Customer]:
    response = client.get(url)
    assert response.status_code == 200
    # The customer list's and renewal overview's pages hold values() rows (customers/rows.py, renewals/rows.py).
    return set(Customer.objects.filter(pk__in=[row["pk"] for row in response.context["page"].object_list]))


LINKS = {
    "pending": "pending",
    "due_soon": "due_soon",
    "delayed": "delayed",
    "upcoming": "upcoming",
    "open": "open",
    "grace": "grace",
}


def test_each_count_links_to_a_list_of_exactly_its_customers(client, world):
    alpha, _bravo = world
    response = dashboard(client, alpha.sales)
    links = response.context["links"]

    for link, customers in LINKS.items():
        assert listed_customers(client, links[link]) == getattr(alpha, customers), link
        assert f'href="{links[link]}"'.replace("&", "&amp;") in response.content.decode()
    counts = response.context["counts"]
    assert counts.pending_customers == len(alpha.pending)
    assert counts.due_soon_customers == len(alpha.due_soon)


@pytest.mark.parametrize(("days", "listed"), [(-1, False), (0, True), (7, True), (8, False)])
def test_the_customer_lists_due_soon_filter_at_its_boundaries(sales_client, sales, days, listed):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    pa(customer, TODAY + timedelta(days=days))

    shown = listed_customers(sales_client, reverse("customer-list") + "?requests=due_soon")

    assert (customer in shown) is listed


def test_another_resellers_data_is_never_counted_nor_shown(client, world):
    alpha, bravo = world

    response = dashboard(client, alpha.sales, reseller=bravo.sales.reseller_id)  # asking for Bravo changes nothing

    assert response.context["counts"].__dict__ == expected_counts([alpha], failed_emails=2)
    html = response.content.decode()
    assert "Bravo" not in html
    assert 'name="reseller"' not in html  # only internal sales choose a reseller
    assert all(action.customer.reseller_id == alpha.sales.reseller_id for action in response.context["actions"])


def test_internal_sales_see_every_reseller_and_can_pick_one(client, world):
    alpha, bravo = world
    internal = InternalSalesFactory()

    everything = dashboard(client, internal)
    only_alpha = dashboard(client, internal, reseller=alpha.sales.reseller_id)

    assert everything.context["counts"].__dict__ == expected_counts([alpha, bravo], failed_emails=6)
    assert only_alpha.context["counts"].__dict__ == expected_counts([alpha], failed_emails=2)
    html = everything.content.decode()
    assert '<select id="id_reseller" name="reseller">' in html
    assert "Alpha Reseller AB" in html and "Bravo Reseller AB" in html
    assert f'<option value="{alpha.sales.reseller_id}" selected>' in only_alpha.content.decode()
    # The links carry the reseller, so the lists show exactly what was counted.
    links = only_alpha.context["links"]
    for link, customers in LINKS.items():
        assert parse_qs(urlsplit(links[link]).query)["reseller"] == [str(alpha.sales.reseller_id)]
        assert listed_customers(client, links[link]) == getattr(alpha, customers), link
    for link, customers in LINKS.items():
        both = getattr(alpha, customers) | getattr(bravo, customers)
        assert listed_customers(client, everything.context["links"][link]) == both, link


@pytest.mark.parametrize("reseller", ["x", "-3", "99999999999999999999999", ""])
def test_a_malformed_reseller_filter_means_every_reseller(client, world, reseller):
    alpha, bravo = world
    response = dashboard(client, InternalSalesFactory(), reseller=reseller)
    assert response.context["counts"].__dict__ == expected_counts([alpha, bravo], failed_emails=6)


def staff_with_outbox_access(user: User) -> User:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
    return User.objects.get(pk=user.pk)  # no cached permissions


def test_failed_emails_are_a_plain_number_without_access_to_the_outbox(client, world):
    alpha, _bravo = world
    response = dashboard(client, alpha.sales)
    assert response.context["links"]["failed_emails"] is None
    assert "/admin/" not in response.content.decode().split('id="counts-heading"')[1].split("</section>")[0]


@pytest.mark.parametrize("pick_alpha", [False, True])
def test_failed_emails_link_staff_to_the_outbox_filtered_the_same_way(client, world, pick_alpha):
    alpha, _bravo = world
    internal = staff_with_outbox_access(InternalSalesFactory())
    params = {"reseller": alpha.sales.reseller_id} if pick_alpha else {}

    response = dashboard(client, internal, **params)
    link = response.context["links"]["failed_emails"]
    changelist = client.get(link)

    assert link.startswith(reverse("admin:notifications_outboundemail_changelist") + "?state__exact=failed")
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == response.context["counts"].failed_emails == (2 if pick_alpha else 6)


def test_reseller_staff_with_outbox_access_get_their_own_reseller_s_failed_emails(client, world):
    alpha, _bravo = world
    member = staff_with_outbox_access(alpha.sales)

    response = dashboard(client, member)

    query = parse_qs(urlsplit(response.context["links"]["failed_emails"]).query)
    assert query == {"state__exact": ["failed"], "customer__reseller__id__exact": [str(alpha.sales.reseller_id)]}
    assert response.context["counts"].failed_emails == 2


# ---------------------------------------------------------------------------
# The action list
# ---------------------------------------------------------------------------
def test_the_most_urgent_actions_come_first_one_click_from_their_customer(client, world):
    alpha, _bravo = world

    response = dashboard(client, alpha.sales)

    actions = response.context["actions"]
    assert [(a.kind, a.customer, a.day) for a in actions] == [
        ("overdue_pa", alpha.named["delayed"], TODAY - timedelta(days=2)),
        ("access_removal", alpha.named["removal"], TODAY + timedelta(days=4)),
        ("window_closing", alpha.named["closing"], TODAY + timedelta(days=25)),
    ]
    html = response.content.decode()
    assert f'href="{reverse("customer-history", args=[alpha.named["delayed"].pk])}"' in html
    assert f'href="{reverse("customer-renewals", args=[alpha.named["removal"].pk])}"' in html
    assert f'href="{reverse("customer-renewals", args=[alpha.named["closing"].pk])}"' in html
    assert "2 days ago" in html and "in 4 days" in html and "in 25 days" in html
    # Meaning is in words and an icon, not only in colour.
    assert "Order deadline passed" in html and "Access removal" in html and "Renewal window closing" in html


def test_the_action_list_stops_at_ten_oldest_first(sales_client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller, status=CustomerStatus.DELAYED)
    for days in range(1, 13):
        pa(customer, TODAY - timedelta(days=days))

    actions = sales_client.get(reverse("dashboard")).context["actions"]

    assert [a.days for a in actions] == list(range(12, 2, -1))


# ---------------------------------------------------------------------------
# The charts
# ---------------------------------------------------------------------------
def section(html: str, heading_id: str) -> str:
    return html.split(f'aria-labelledby="{heading_id}"', 1)[1].split("</section>", 1)[0]


def svg_of(part: str) -> str:
    return part[part.index("<svg") : part.index("</svg>")]


def table_of(part: str) -> str:
    return part[part.index("<table") : part.index("</table>")]


def texts(svg: str, css_class: str) -> list[str]:
    return re.findall(rf'<text class="{css_class}"[^>]*>([^<]*)</text>', svg)


def cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in rows]


def test_anniversary_chart_sums_renewal_value_and_licences_per_month(client, world):
    alpha, _bravo = world

    months = dashboard(client, alpha.sales).context["anniversaries"].months

    assert [m.month for m in months][:3] == [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)]
    assert len(months) == 12 and months[-1].month == date(2027, 5, 1)
    by_month = {m.month: (m.licences, dict(m.values)["EUR"]) for m in months if m.licences}
    # June: Open (4 planned of 5 held × 100) and Closing (2 × 250, in its grace period); August: Upcoming 3 × 100;
    # December: Far, not in the overview yet, 4 held × 250. Removal's anniversary was in May, Next Year's is
    # June 2027.
    assert by_month == {
        date(2026, 6, 1): (6, 900),
        date(2026, 8, 1): (3, 300),
        date(2026, 12, 1): (4, 1000),
    }


def test_the_charts_are_accessible_svg_with_the_same_numbers_in_a_table(client, world):
    alpha, _bravo = world
    html = dashboard(client, alpha.sales).content.decode()

    anniversaries = section(html, "anniversaries-heading")
    svg, table = svg_of(anniversaries), table_of(anniversaries)
    assert 'role="img"' in svg and 'aria-labelledby="anniversaries-title"' in svg
    assert '<title id="anniversaries-title">' in svg and '<desc id="anniversaries-desc">' in svg
    assert "13 licences to renew, worth EUR\xa02,200.00" in svg
    assert "<details" in anniversaries and "<summary>" in anniversaries
    rows = cells(table)
    assert rows[0] == ["Month", "Renewal value", "Licences"]
    assert rows[1] == ["June 2026", "EUR\xa0900.00", "6"]
    assert rows[3] == ["August 2026", "EUR\xa0300.00", "3"]
    assert rows[7] == ["December 2026", "EUR\xa01,000.00", "4"]
    assert rows[-1] == ["Total", "EUR\xa02,200.00", "13"]
    # The bars' labels carry the same numbers as the table, month by month.
    numbers = texts(svg, "chart-number")
    assert numbers[0::2] == [row[1] for row in rows[1:-1]]
    assert numbers[1::2] == [f"{row[2]} licence" + ("" if row[2] == "1" else "s") for row in rows[1:-1]]
    assert texts(svg, "chart-axis")[2:5] == ["Jun 2026", "Jul 2026", "Aug 2026"]

    deadlines = section(html, "deadlines-heading")
    svg, table = svg_of(deadlines), table_of(deadlines)
    assert 'role="img"' in svg and 'aria-labelledby="deadlines-title"' in svg and "<desc" in svg
    assert "5 pending purchase authorizations reach their order deadline" in svg
    rows = cells(table)
    assert rows[1:] == [
        ["10 Jun 2026", "1"],
        ["13 Jun 2026", "1"],
        ["17 Jun 2026", "1"],
        ["18 Jun 2026", "1"],
        ["30 Jun 2026", "1"],
        ["Total", "5"],
    ]
    assert texts(svg, "chart-number") == [row[1] for row in rows[1:-1]]


def test_the_dashboard_renders_in_swedish_with_swedish_numbers_and_dates(client, world, settings):
    alpha, _bravo = world
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    html = dashboard(client, alpha.sales).content.decode()

    assert '<html lang="sv">' in html
    assert "<h1>Instrumentpanel</h1>" in html
    table = table_of(section(html, "anniversaries-heading"))
    assert ["december 2026", "1\xa0000,00\xa0EUR", "4"] in cells(table)
    assert "väntande inköpsauktoriseringar" in html
    assert "Sista orderdag passerad" in html
    # SVG coordinates are never written with a decimal comma.
    assert not re.search(r'(?:x|y|width|height|viewBox)="[^"]*,', html)


def test_english_is_the_default(client, world):
    alpha, _bravo = world
    html = dashboard(client, alpha.sales).content.decode()
    assert '<html lang="en">' in html and "<h1>Dashboard</h1>" in html


# ---------------------------------------------------------------------------
# Cost: the same number of queries for 3 customers or 30
# ---------------------------------------------------------------------------
def populate(reseller, n: int, product) -> None:
    for i in range(n):
        customer = ActiveCustomerFactory(
            reseller=reseller,
            status=CustomerStatus.DELAYED if i % 3 == 0 else CustomerStatus.ACTIVE,
            anniversary_date=TODAY + timedelta(days=i * 11 - 20),
            anniversary_day=(TODAY + timedelta(days=i * 11 - 20)).day,
        )
        Holding.objects.create(customer=customer, product=product, deployed=i + 1)
        pa(customer, TODAY + timedelta(days=i % 40 - 5))
        email(customer)
    renewal_services.refresh_renewal_overview(on=TODAY)


@pytest.mark.parametrize("internal", [False, True])
def test_the_query_count_does_not_grow_with_the_data(client, internal, django_assert_max_num_queries):
    sales = SalesFactory()
    user = InternalSalesFactory() if internal else sales
    product = ProductFactory()
    client.force_login(user)
    url = reverse("dashboard") + (f"?reseller={sales.reseller_id}" if internal else "")

    populate(sales.reseller, 3, product)
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url).context["actions"]) >= 1
    populate(sales.reseller, 27, product)
    with CaptureQueriesContext(connection) as large, django_assert_max_num_queries(12):
        assert len(client.get(url).context["actions"]) == 10

    assert len(small.captured_queries) == len(large.captured_queries)


# ---------------------------------------------------------------------------
# The home page
# ---------------------------------------------------------------------------
def test_home_is_the_dashboard_for_console_users(client, sales):
    client.force_login(sales)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("dashboard")
    nav = client.get(response.url).content.decode().split("</nav>")[0]
    assert f'<a href="{reverse("dashboard")}" aria-current="page">Dashboard</a>' in nav
    assert f'<a href="{reverse("customer-list")}">Customers</a>' in nav


def test_home_keeps_vip_admins_in_their_admin_console_and_asks_visitors_to_log_in(client):
    customer = ActiveCustomerFactory()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == f"{reverse('login')}?next=/"

    client.force_login(
        User.objects.create_user(
            "vip@dash.example", role=User.Role.VIP_ADMIN, customer=customer, vip_admin=customer.vip_admins.first()
        )
    )
    assert client.get(reverse("home")).url == reverse("admin-console")
    assert client.get(reverse("dashboard")).status_code == 403
