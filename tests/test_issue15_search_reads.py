"""The customer search's two reads (issue 15): a term with few matches reads its matches first, by the trigram
index, then their rows by key; a term in most names walks the list's index in the page's order. Both return the
same rows in the same order, page after page, which these tests hold on PostgreSQL, where the choice is made."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers import selectors
from customers.selectors import CUSTOMER_ORDERINGS, customer_list
from resellerconsole.pagination import keyset_page
from tests.factories import ActiveCustomerFactory, CustomerFactory, InternalSalesFactory, SalesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def sales(db):
    seller = SalesFactory()
    # The first words sort together: "Kustlabs" names sit in one stretch of the name order, after the others.
    for n in range(30):
        CustomerFactory(reseller=seller.reseller, company_name=f"Bergdata {n:03d}")
    for n in range(7):
        ActiveCustomerFactory(reseller=seller.reseller, company_name=f"Kustlabs {n:03d}")
    CustomerFactory(reseller=seller.reseller, company_name="Nordkustlabs Ab")
    CustomerFactory(company_name="Kustlabs of another reseller")
    return seller


def all_pages(user, *, search: str, ordering: str, size: int = 3) -> list[str]:
    names, cursor = [], None
    while True:
        page = keyset_page(
            customer_list(user=user, search=search, ordering=ordering),
            ordering=CUSTOMER_ORDERINGS[ordering],
            size=size,
            after=cursor,
        )
        names += [customer.company_name for customer in page.object_list]
        if not page.has_next:
            return names
        cursor = page.next_cursor


def read_first(monkeypatch, matches_first: bool) -> None:
    """Make the planner's estimate fall on one side of the line or the other."""
    monkeypatch.setattr(selectors, "FEW_MATCHES", 10**9 if matches_first else 0)
    monkeypatch.setattr(selectors, "FEW_MATCHES_SHARE", 0.0)


@pytest.mark.parametrize("ordering", list(CUSTOMER_ORDERINGS))
@pytest.mark.parametrize("term", ["kustlabs", "KUSTLABS 00", "data", "Nord"])
def test_both_reads_list_the_same_customers_in_the_same_order_page_after_page(sales, monkeypatch, ordering, term):
    for user in (sales, InternalSalesFactory()):
        read_first(monkeypatch, matches_first=True)
        first = all_pages(user, search=term, ordering=ordering)
        read_first(monkeypatch, matches_first=False)
        walked = all_pages(user, search=term, ordering=ordering)
        assert first == walked
        assert first and all(term.lower() in name.lower() for name in first)


def test_a_vip_id_prefix_is_found_by_both_reads(sales, monkeypatch):
    customer = CustomerFactory(reseller=sales.reseller, company_name="Solmedia", vip_id="ABCDEF0123456789ABCD")
    for matches_first in (True, False):
        read_first(monkeypatch, matches_first)
        assert [c.pk for c in customer_list(user=sales, search="abcdef01")] == [customer.pk]


def test_few_matches_are_read_first_and_many_by_the_walk(sales, monkeypatch):
    def sql(term: str) -> str:
        return str(customer_list(user=sales, search=term).query)

    read_first(monkeypatch, matches_first=True)
    assert "= ANY(ARRAY(" in sql("Kustlabs")
    assert "= ANY(ARRAY(" not in sql("Ku"), "a term shorter than a trigram walks"
    read_first(monkeypatch, matches_first=False)
    assert "= ANY(ARRAY(" not in sql("Kustlabs")


def test_the_planners_estimate_decides_with_the_real_thresholds(sales):
    """With the thresholds as shipped, a handful of matches among the reseller's customers are read first."""
    assert "= ANY(ARRAY(" in str(customer_list(user=sales, search="Kustlabs").query)


@pytest.mark.parametrize("extra", [0, 40])
def test_a_searched_page_costs_the_same_queries_at_two_sizes(client, sales, extra):
    CustomerFactory.create_batch(extra, reseller=sales.reseller, company_name="Kustlabs extra")
    client.force_login(sales)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/customers/?q=Kustlabs")
    assert response.status_code == 200
    assert "Kustlabs 000" in response.content.decode()
    # session, user, reseller, the two estimates, the page (its rows and their VIP admins' count in one query)
    assert len(captured) == 6, [q["sql"] for q in captured]
