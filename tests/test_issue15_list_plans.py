"""The list pages' plans at any size (issue 15): each sort a user can choose is read from an index in its order,
never sorted whole, and the "due within 7 days" filter reads the week's deadlines first.

At 1,000,000 customers these were the pages that sorted or probed everything (docs/performance.md, session 5):
status descending 140 ms, internal sales' renewal overview 656 ms, the API's order list 299 ms, due within 7 days
173 ms. A planner picks sequential scans on a tiny table, so the tests switch those and sorts off and check that
an index in the right order exists to take their place."""

import re
from datetime import date

import pytest
from django.db import connection, transaction

from authorizations.selectors import RequestFilter, order_list
from customers.selectors import customer_list
from renewals.selectors import renewal_overview
from tests.factories import CustomerFactory, InternalSalesFactory, SalesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def sorts_whole(text: str) -> bool:
    """A Sort node over the rows (an Incremental Sort over an index's presorted prefix is fine)."""
    return any(line.strip().startswith("->  Sort") or line.startswith("Sort") for line in text.splitlines())


@pytest.fixture
def sales(db):
    seller = SalesFactory()
    CustomerFactory.create_batch(3, reseller=seller.reseller)
    return seller


@pytest.mark.parametrize("ordering", ["name", "-name", "created", "-created", "status", "-status"])
def test_every_customer_list_sort_is_read_from_an_index_for_a_reseller_and_for_internal_sales(sales, ordering):
    for user in (sales, InternalSalesFactory()):
        text = plan(customer_list(user=user, ordering=ordering)[:26])
        assert not sorts_whole(text), text


@pytest.mark.parametrize("ordering", ["days_left", "-days_left"])
def test_the_renewal_overview_walks_the_anniversaries_in_order_from_the_first_with_rows(sales, ordering):
    """For internal sales and a reseller, from where the overview rows' anniversaries begin (not past the
    customers before them, ~12,000 at 1 M customers), in the index's order."""
    # The bound is the subquery's value: "$0" in the plan before PostgreSQL 17, "(InitPlan 1).col1" from it.
    bound = re.compile(rf"anniversary_date {'>=' if ordering == 'days_left' else '<='} (\$\d|\(InitPlan)")
    for user in (sales, InternalSalesFactory()):
        text = plan(renewal_overview(user=user, on=date(2026, 12, 1), ordering=ordering)[:26])
        assert not sorts_whole(text), text
        assert any("Index Cond" in line and bound.search(line) for line in text.splitlines()), text


def test_the_order_list_walks_the_order_dates_newest_first(sales):
    text = plan(order_list(user=sales)[:51])
    assert not sorts_whole(text), text
    assert "order_date_idx" in text


def test_due_within_7_days_reads_the_weeks_deadlines_before_the_customers(sales):
    text = plan(customer_list(user=sales, requests=RequestFilter.DUE_SOON)[:26])
    assert "InitPlan" in text and "= ANY" in text, text


@pytest.mark.parametrize("forward", [True, False])
def test_a_page_after_or_before_a_cursor_starts_the_index_walk_at_it(sales, forward):
    """A "next" or "previous" link deep in a list reads from the cursor on, not from the index's start to it."""
    from customers.models import Customer
    from resellerconsole.pagination import _beyond

    ordering = ("company_name", "pk")
    walked = ordering if forward else ("-company_name", "-pk")
    page = Customer.objects.filter(reseller=sales.reseller).filter(_beyond(ordering, ["M", 10], forward=forward))
    text = plan(page.order_by(*walked)[:27])
    assert any("Index Cond" in line and "company_name" in line for line in text.splitlines()), text
