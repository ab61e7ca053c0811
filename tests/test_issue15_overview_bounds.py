"""The renewal overview's customers are bounded by the first anniversary of any overview row (the last, sorting the
soonest last; issue 15): the index walk starts where rows begin instead of passing the customers before them. The
bound changes no result: the same customers, in the same order, page for page, in both sorts, with every window
filter and for both roles, whatever lies before, between and after the rows' anniversaries."""

from datetime import date, timedelta

import pytest

from customers.models import Customer
from renewals import selectors
from renewals.dates import WindowState, window_state
from renewals.models import RenewalRow
from resellerconsole.pagination import keyset_page
from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory, SalesFactory

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 5)
WINDOWS = ["", *WindowState.values]


@pytest.fixture
def world():
    sales = SalesFactory()
    other = SalesFactory()
    products = [ProductFactory(name=name) for name in ("Acrobat", "Photoshop")]

    def customer(days: int | None, *, rows_for: int | None = None, reseller=sales.reseller, products_held=1):
        anniversary = ON + timedelta(days=days) if days is not None else None
        made = ActiveCustomerFactory(reseller=reseller)
        Customer.objects.filter(pk=made.pk).update(anniversary_date=anniversary)
        if rows_for is not None:
            for product in products[:products_held]:
                RenewalRow.objects.create(
                    customer=made,
                    product=product,
                    anniversary_date=ON + timedelta(days=rows_for),
                    quantity_held=3,
                    proposed_quantity=3,
                )
        return made

    customer(-400, rows_for=-400)  # lapsed long ago, its rows kept: the first anniversary with rows
    customer(-420)  # before every row: no rows
    customer(-35)
    customer(-20, rows_for=-20, products_held=2)
    customer(-20)  # between the rows' anniversaries, without rows
    customer(5, rows_for=-360)  # only a past anniversary's rows: not in the overview
    for _ in range(3):
        customer(10, rows_for=10, products_held=2)  # one anniversary, the pk decides
    customer(10, rows_for=10, reseller=other.reseller)
    customer(60, rows_for=60)
    customer(90, rows_for=90)  # the last anniversary with rows
    customer(91)
    customer(300)
    customer(None)
    return sales, InternalSalesFactory()


def expected(user, *, window: str, ordering: str) -> list[int]:
    """The overview's customers worked out without the database's help: a row for the current anniversary."""
    current = set(RenewalRow.objects.values_list("customer_id", "anniversary_date"))
    visible = Customer.objects.all() if user.is_internal_sales else Customer.objects.filter(reseller=user.reseller)
    chosen = [
        (c.anniversary_date, c.pk)
        for c in visible
        if (c.pk, c.anniversary_date) in current and (not window or window_state(c.anniversary_date, ON) == window)
    ]
    return [pk for _day, pk in sorted(chosen, reverse=ordering.startswith("-"))]


@pytest.mark.parametrize("ordering", list(selectors.OVERVIEW_ORDERINGS))
@pytest.mark.parametrize("window", WINDOWS)
def test_the_overview_lists_the_customers_with_current_rows_whatever_lies_around_them(world, ordering, window):
    for user in world:
        customers = selectors.renewal_overview(user=user, on=ON, window=window, ordering=ordering)
        want = expected(user, window=window, ordering=ordering)
        assert [c.pk for c in customers] == want
        # Page by page (pages of two, forward then back), as the page and the API read it.
        keys = selectors.OVERVIEW_ORDERINGS[ordering]
        pages, page = [], keyset_page(customers.values("pk", "anniversary_date"), ordering=keys, size=2)
        while True:
            pages.append([row["pk"] for row in page.object_list])
            if not page.next_cursor:
                break
            page = keyset_page(
                customers.values("pk", "anniversary_date"), ordering=keys, size=2, after=page.next_cursor
            )
        assert [pk for shown in pages for pk in shown] == want
        while page.previous_cursor:
            page = keyset_page(
                customers.values("pk", "anniversary_date"), ordering=keys, size=2, before=page.previous_cursor
            )
            assert [row["pk"] for row in page.object_list] == pages[-2]
            pages.pop()


def test_without_any_row_the_overview_is_empty(world):
    RenewalRow.objects.all().delete()
    for user in world:
        assert not selectors.renewal_overview(user=user, on=ON).exists()
