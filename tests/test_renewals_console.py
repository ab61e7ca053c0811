"""The Renewals page, CSV export, a customer's Renewals tab, the renewal order form and reinstatement."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.formats import date_format

from customers.models import Customer, CustomerStatus
from licences.models import Holding
from renewals import services
from renewals.models import Renewal, RenewalRow
from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def due_customer(reseller, days_left=20, products=2, segment="commercial"):
    customer = ActiveCustomerFactory(
        reseller=reseller,
        anniversary_date=TODAY + timedelta(days=days_left),
        anniversary_day=(TODAY + timedelta(days=days_left)).day,
        market_segment=segment,
    )
    for _ in range(products):
        Holding.objects.create(customer=customer, product=ProductFactory(), deployed=5)
    return customer


def listed(context) -> list[Customer]:
    """The overview page's customers, in its order: the page holds values() rows (renewals/rows.py), not models."""
    return [Customer(pk=row["pk"]) for row in context["page"].object_list]  # models compare by pk


@pytest.mark.parametrize("count", [2, 12])
def test_overview_page_uses_a_fixed_number_of_queries(sales_client, sales, count, django_assert_num_queries):
    for n in range(count):
        due_customer(sales.reseller, days_left=10 + n)
    services.refresh_renewal_overview(on=TODAY)
    with django_assert_num_queries(6):  # session, user, reseller, page (keyset: no count), rows, assignments
        response = sales_client.get(reverse("renewal-overview"))
    assert len(response.context["entries"]) == count == len(listed(response.context))


def test_overview_filters_sort_and_scope(sales_client, sales):
    soon = due_customer(sales.reseller, days_left=5)
    later = due_customer(sales.reseller, days_left=60, segment="government")
    grace = due_customer(sales.reseller, days_left=-10)
    due_customer(ActiveCustomerFactory().reseller, days_left=5)  # another reseller's
    services.refresh_renewal_overview(on=TODAY)
    url = reverse("renewal-overview")

    def names(**params):
        return listed(sales_client.get(url, params).context)

    assert names() == [grace, soon, later]
    assert names(sort="-days_left") == [later, soon, grace]
    assert names(window="open") == [soon]
    assert names(window="upcoming") == [later]
    assert names(window="grace") == [grace]
    assert names(segment="government") == [later]
    assert names(window="bogus\x00", page="x", reseller="²") == [grace, soon, later]


def test_internal_sales_see_every_reseller_and_filter_by_one(client, sales):
    mine = due_customer(sales.reseller)
    theirs = due_customer(ActiveCustomerFactory().reseller)
    services.refresh_renewal_overview(on=TODAY)
    client.force_login(InternalSalesFactory())
    every = listed(client.get(reverse("renewal-overview")).context)
    one = listed(client.get(reverse("renewal-overview"), {"reseller": theirs.reseller_id}).context)
    assert set(every) == {mine, theirs} and one == [theirs]


def test_csv_export_matches_the_page(sales_client, sales):
    customer = due_customer(sales.reseller, days_left=15)
    due_customer(sales.reseller, days_left=70)
    services.refresh_renewal_overview(on=TODAY)
    response = sales_client.get(reverse("renewal-overview-csv"), {"window": "open"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["Customer", "VIP ID", "Reseller"]
    assert {row[1] for row in rows[1:]} == {customer.vip_id} and len(rows) == 3
    assert rows[1][4] == "15" and rows[1][5] == "Window open"


@pytest.mark.parametrize("chunk", [2, 1000])
def test_the_whole_csv_lists_every_pages_lines_in_their_order_in_chunks_of_queries(
    sales_client, sales, chunk, monkeypatch, django_assert_max_num_queries
):
    """The export reads its customers in chunks (renewals.exports.CHUNK) with three queries each; whatever the
    chunk, its lines are the page's lines, page after page, with the users assigned."""
    from authorizations.services import assignment_add
    from renewals import exports, selectors

    monkeypatch.setattr(exports, "CHUNK", chunk)
    customers = [due_customer(sales.reseller, days_left=10 + n % 3, products=1 + n % 2) for n in range(7)]
    product = Holding.objects.filter(customer=customers[0]).first().product
    assignment_add(customer=customers[0], product=product, email="u@c.example", actor=sales)
    services.refresh_renewal_overview(on=TODAY)
    page_lines = [
        [e.customer.company_name, e.customer.vip_id, e.days_left, line.row.product.name, line.assigned]
        for e in selectors.overview_entries(selectors.renewal_overview(user=sales, on=TODAY), on=TODAY)
        for line in e.lines
    ]
    # session, user, customers; then per chunk: assignments and rows
    with django_assert_max_num_queries(3 + 2 * -(-7 // chunk)):
        rows = list(csv.reader(io.StringIO(sales_client.get(reverse("renewal-overview-csv")).getvalue().decode())))
    assert [[r[0], r[1], int(r[4]), r[6], int(r[9])] for r in rows[1:]] == page_lines
    assert len(page_lines) == 10 and sum(line[4] for line in page_lines) == 1


@pytest.mark.parametrize("count", [27, 40])
def test_one_page_of_the_csv_costs_a_fixed_number_of_queries(sales_client, sales, count, django_assert_num_queries):
    for n in range(count):
        due_customer(sales.reseller, days_left=10 + n % 20)
    services.refresh_renewal_overview(on=TODAY)
    first = sales_client.get(reverse("renewal-overview")).context["page"]
    with django_assert_num_queries(5):  # session, user, the page's customers, their assignments, their rows
        body = sales_client.get(reverse("renewal-overview-csv"), {"after": first.next_cursor}).getvalue()
    assert len(body.decode().strip().splitlines()) == 1 + 2 * (count - 25)


def test_renewals_tab_edit_with_confirmation_naming_who_loses_access(sales_client, sales):
    from authorizations.services import assignment_add

    customer = due_customer(sales.reseller, products=1)
    product = Holding.objects.get(customer=customer).product
    for n in range(3):
        assignment_add(customer=customer, product=product, email=f"u{n}@c.example", actor=sales)
    services.refresh_renewal_overview(on=TODAY)
    url = reverse("renewal-quantity", args=[customer.pk])

    ask = sales_client.post(url, {"product": product.pk, "proposed_quantity": "1"})
    negative = sales_client.post(url, {"product": product.pk, "proposed_quantity": "-1"}, follow=True)
    sales_client.post(url, {"product": product.pk, "proposed_quantity": "1", "confirm_release": "on"})
    tab = sales_client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()

    assert "u2@c.example" in ask.content.decode() and "u1@c.example" in ask.content.decode()
    assert "greater than or equal to 0" in negative.content.decode()
    assert RenewalRow.objects.get(customer=customer).proposed_quantity == 1
    assert "drop the customer to a lower volume level" not in tab  # 5 → 1 stays level 1
    assert "Volume level now: 1; with these quantities: 1." in tab


def test_a_level_drop_is_warned(sales_client, sales):
    customer = due_customer(sales.reseller, products=1)
    Holding.objects.filter(customer=customer).update(deployed=12)
    services.refresh_renewal_overview(on=TODAY)
    product = Holding.objects.get(customer=customer).product
    sales_client.post(
        reverse("renewal-quantity", args=[customer.pk]), {"product": product.pk, "proposed_quantity": "9"}
    )
    tab = sales_client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()
    assert "drop the customer to a lower volume level" in tab


def test_renewal_order_form_processes_the_chosen_quantities(client, sales):
    # Recording orders by hand is for reseller admins and internal sales, not sales (issue 12).
    client.force_login(ResellerAdminFactory(reseller=sales.reseller))
    customer = due_customer(sales.reseller, days_left=12, products=2)
    services.refresh_renewal_overview(on=TODAY)
    first = RenewalRow.objects.filter(customer=customer).order_by("product__name").first()
    services.renewal_quantity_set(customer=customer, product=first.product, quantity=3, actor=sales)

    response = client.post(
        reverse("renewal-order", args=[customer.pk]),
        {"order_number": "LWS-R-1", "order_date": TODAY.isoformat()},
        follow=True,
    )

    page = response.content.decode()
    renewal = Renewal.objects.get()
    assert "LWS-R-1" in page and date_format((TODAY + timedelta(days=12)).replace(year=2027)) in page
    assert sorted(renewal.lines.values_list("quantity_after", flat=True)) == [3, 5]


def test_renewal_order_outside_the_window_is_a_clear_message(client, sales):
    # Recording orders by hand is for reseller admins and internal sales, not sales (issue 12).
    client.force_login(ResellerAdminFactory(reseller=sales.reseller))
    customer = due_customer(sales.reseller, days_left=60)
    services.refresh_renewal_overview(on=TODAY)
    response = client.post(
        reverse("renewal-order", args=[customer.pk]),
        {"order_number": "EARLY", "order_date": TODAY.isoformat()},
        follow=True,
    )
    assert "outside it" in response.content.decode() and not Renewal.objects.exists()


def test_reinstate_from_the_renewals_tab(sales_client, sales):
    customer = due_customer(sales.reseller, days_left=-40)
    services.remove_expired_access(on=TODAY)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.INACTIVE
    page = sales_client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()
    sales_client.post(reverse("customer-reinstate", args=[customer.pk]))
    customer.refresh_from_db()
    assert "Reinstate account" in page and customer.status == CustomerStatus.ACTIVE


def test_the_customer_timeline_lists_the_renewal_year(sales_client, sales):
    customer = due_customer(sales.reseller, days_left=20)
    page = sales_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    anniversary = TODAY + timedelta(days=20)
    for text in [
        "Licences enter the renewal overview",
        "Renewal window opens",
        "Grace period ends",
        "Access removed if not renewed",
        anniversary.isoformat(),
    ]:
        assert text in page


def test_overview_pages_by_keyset(sales_client, sales):
    for n in range(30):
        due_customer(sales.reseller, days_left=n % 9, products=1)
    services.refresh_renewal_overview(on=TODAY)
    first = sales_client.get(reverse("renewal-overview")).context
    second = sales_client.get(reverse("renewal-overview"), {"after": first["page"].next_cursor}).context
    shown = [c.pk for c in listed(first)] + [c.pk for c in listed(second)]
    assert len(shown) == len(set(shown)) == 30 and not second["page"].has_next
    csv_page = sales_client.get(reverse("renewal-overview-csv"), {"after": first["page"].next_cursor})
    assert len(csv_page.getvalue().decode().strip().splitlines()) == 1 + 5  # header + the second page's 5 lines


def test_a_renewal_shows_its_dates_and_quantities_in_the_customer_history():
    """Regression: a renewal event's lines hold before/after, and the customer page answered 500 on them."""
    from customers.models import CustomerEvent
    from tests.factories import ActiveCustomerFactory

    customer = ActiveCustomerFactory()
    event = CustomerEvent.objects.create(
        customer=customer,
        kind=CustomerEvent.Kind.RENEWED,
        parameters={
            "anniversary_before": "2026-12-01",
            "anniversary_after": "2027-12-01",
            "lines": [{"product": "Photoshop", "before": 5, "after": 3}],
        },
    )
    assert event.details == "1 Dec 2026 → 1 Dec 2027: Photoshop 5 → 3"
