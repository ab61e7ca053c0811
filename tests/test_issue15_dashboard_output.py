"""Issue 15: the dashboard pinned byte for byte (reseller staff, internal sales over all and for one reseller,
English and Swedish), written before its reads and templates were made cheaper. The ids that differ between runs
are replaced as in tests/test_issue15_page_output.py; PostgreSQL's figures and SQLite's direct counts must give
the same page (an own snapshot under snapshots/issue15/postgresql/ only where the code before gave another)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from authorizations.models import PurchaseAuthorization
from customers.models import CustomerStatus
from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory
from tests.test_dashboard import build_tenant, pa
from tests.test_issue15_page_output import check, normalized

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)


@pytest.fixture
def world():
    with time_machine.travel(TODAY, tick=False):
        photoshop = ProductFactory(name="Photoshop", unit_price="100.00")
        acrobat = ProductFactory(name="Acrobat", unit_price="250.00")
        alpha = build_tenant("Alpha", photoshop, acrobat)
        bravo = build_tenant("Bravo", photoshop, acrobat)
        # More overdue purchase authorizations than the urgent list shows, several on one day (ties by key).
        for n in range(12):
            customer = ActiveCustomerFactory(
                reseller=alpha.sales.reseller, company_name=f"Alpha Overdue {n:02d}", status=CustomerStatus.DELAYED
            )
            pa(customer, TODAY - timedelta(days=1 + n % 4))
        internal = InternalSalesFactory(username="snap-dash-internal")
        staff = InternalSalesFactory(username="snap-dash-staff", is_staff=True)
        staff.user_permissions.add(Permission.objects.get(codename="view_outboundemail"))
        # Factory sequences run on across a test session: the names shown get fixed values.
        for n, user in enumerate((alpha.sales, bravo.sales, internal, staff)):
            User.objects.filter(pk=user.pk).update(first_name=f"User {n}", last_name="Snapshot")
        yield {"sales": alpha.sales, "bravo": bravo.sales, "internal": internal, "staff": staff}


def dashboard(client, user, language: str, **query) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with time_machine.travel(TODAY, tick=False):
        client.force_login(user)
        response = client.get(reverse("dashboard"), data=query)
    assert response.status_code == 200
    # tests/test_dashboard.pa's references count on across a session: replaced by their order.
    references = {
        ref: f"PA-T<{n}>"
        for n, ref in enumerate(PurchaseAuthorization.objects.order_by("pk").values_list("reference", flat=True))
    }
    text = re.sub(r"PA-T\d{6}", lambda m: references[m.group(0)], response.content.decode())
    return normalized(text)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_resellers_dashboard_is_unchanged(client, world, language):
    check(f"dashboard-sales-{language}.html", dashboard(client, world["sales"], language))
    check(f"dashboard-sales-bravo-{language}.html", dashboard(client, world["bravo"], language))


@pytest.mark.parametrize("language", ["en", "sv"])
def test_internal_sales_dashboard_is_unchanged(client, world, language):
    check(f"dashboard-internal-{language}.html", dashboard(client, world["internal"], language))
    reseller = world["sales"].reseller_id
    chosen = dashboard(client, world["staff"], language, reseller=reseller)
    # The chosen reseller's id in the links (PostgreSQL does not rewind its sequences between tests).
    chosen = re.sub(rf"(reseller=|reseller__id__exact=){reseller}\b", r"\1<Reseller 0>", chosen)
    check(f"dashboard-internal-reseller-{language}.html", chosen)


# The charts' SVG loops as the templates wrote them before charts.py wrote their marks (issue 15).
DEADLINE_LOOP = (
    "{% load console_formats %}{% for column in chart.columns %}{% if column.bar %}\n"
    '    <rect class="chart-bar-deadline" x="{{ column.bar.x }}" y="{{ column.bar.y }}" width="{{ column.bar.width }}"'
    ' height="{{ column.bar.height }}"/>'
    '\n    <text class="chart-number" x="{{ column.centre_x }}" y="{{ column.count_label_y }}" text-anchor="middle">'
    "{{ column.day.purchase_authorizations }}</text>{% endif %}\n"
    '    <text class="chart-axis" x="{{ column.centre_x }}" y="{{ chart.day_label_y }}" text-anchor="middle">'
    '{{ column.day.day|date:"j" }}</text>{% if column.shows_month %}\n'
    '    <text class="chart-axis" x="{{ column.centre_x }}" y="{{ chart.month_label_y }}" text-anchor="middle">'
    "{{ column.day.day|month_label }}</text>{% endif %}{% endfor %}"
)
ANNIVERSARY_LOOP = (
    "{% load console_formats dashboard i18n %}{% for row in chart.rows %}\n"
    '    <text class="chart-axis" x="92" y="{{ row.month_label_y }}" text-anchor="end">'
    "{{ row.month.month|month_year_label }}</text>{% if row.value_bar %}\n"
    '    <rect class="chart-bar-value" x="{{ row.value_bar.x }}" y="{{ row.value_bar.y }}"'
    ' width="{{ row.value_bar.width }}" height="{{ row.value_bar.height }}"/>{% endif %}{% if row.month.values %}\n'
    '    <text class="chart-number" x="{{ row.value_label_x }}" y="{{ row.value_label_y }}">'
    "{{ row.month.values|money }}</text>{% endif %}{% if row.licence_bar %}\n"
    '    <rect class="chart-bar-licences" x="{{ row.licence_bar.x }}" y="{{ row.licence_bar.y }}"'
    ' width="{{ row.licence_bar.width }}" height="{{ row.licence_bar.height }}"/>{% endif %}\n'
    '    <text class="chart-number" x="{{ row.licence_label_x }}" y="{{ row.licence_label_y }}">'
    '{% blocktranslate with n=row.month.licences|floatformat:"g" count counter=row.month.licences %}{{ n }} licence'
    "{% plural %}{{ n }} licences{% endblocktranslate %}</text>{% endfor %}"
)

DEADLINE_TABLE = (
    "{% for column in chart.columns %}{% if column.day.purchase_authorizations %}\n"
    '        <tr><th scope="row">{{ column.day.day|date:"DATE_FORMAT" }}</th>'
    "<td>{{ column.day.purchase_authorizations }}</td></tr>{% endif %}{% endfor %}"
)
ANNIVERSARY_TABLE = (
    "{% load dashboard %}{% for row in chart.rows %}\n"
    '        <tr><th scope="row">{{ row.month.month|date:"YEAR_MONTH_FORMAT" }}</th>'
    '<td>{{ row.month.values|money|default:"—" }}</td><td>{{ row.month.licences|floatformat:"g" }}</td></tr>'
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_charts_marks_are_what_their_template_loops_wrote(language):
    """Large and zero numbers, one and two currencies, a month's 1st among the days: the marks and table rows
    charts.py writes equal the loops the templates ran before."""
    from decimal import Decimal

    from django.template import engines
    from django.utils import translation

    from dashboard import charts
    from dashboard.selectors import DayOfDeadlines, MonthOfAnniversaries, add_months

    engine = engines["django"]
    start = date(2026, 11, 1)
    days = [DayOfDeadlines(start + timedelta(days=n), (n * 7919) % 13 * 1234 * (n % 3)) for n in range(30)]
    one = [
        MonthOfAnniversaries(add_months(start, n), n * n * 9876 % 100003, (("EUR", Decimal(n * 123456789) / 7),))
        for n in range(12)
    ]
    two = [
        MonthOfAnniversaries(
            add_months(start, n), n % 2, (("EUR", Decimal("1234567.89") * n), ("<SEK>", Decimal("0.00")))
        )
        for n in range(12)
    ]
    with translation.override(language):
        chart = charts.deadline_chart(days)
        assert chart.marks == engine.from_string(DEADLINE_LOOP).render({"chart": chart})
        assert chart.table_rows == engine.from_string(DEADLINE_TABLE).render({"chart": chart})
        for months in (one, two, [MonthOfAnniversaries(start, 0, ())]):
            chart = charts.anniversary_chart(months)
            assert chart.marks == engine.from_string(ANNIVERSARY_LOOP).render({"chart": chart})
            assert chart.table_rows == engine.from_string(ANNIVERSARY_TABLE).render({"chart": chart})


@pytest.mark.parametrize("internal", [False, True])
def test_the_dashboards_queries_are_as_many_for_3_or_30_customers(client, internal, django_assert_num_queries):
    """Session, user, (the resellers,) five for the counts and two for the charts (one for both from the kept
    figures on PostgreSQL), two for the urgent actions, (the reseller of the staff)."""
    from django.db import connection

    from tests.factories import SalesFactory
    from tests.test_dashboard import populate

    with time_machine.travel(TODAY, tick=False):
        sales = SalesFactory()
        user = InternalSalesFactory() if internal else sales
        product = ProductFactory()
        client.force_login(user)
        expected = 6 if connection.vendor == "postgresql" else 12
        for n in (3, 27):
            populate(sales.reseller, n, product)
            with django_assert_num_queries(expected):
                assert client.get(reverse("dashboard")).status_code == 200
