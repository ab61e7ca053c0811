"""Issue 15: the API's lists of a customer's purchase authorizations and of the orders cost a fixed number of
queries, however many rows (each with lines, an order, returns) the page holds."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from authorizations import services as pa
from customers.models import Customer
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory
from tests.test_history_channel_queries import place_with_return

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 9, 10, 30, tzinfo=datetime.UTC)
SIZES = (2, 6)
#: The page's queries (the client is authenticated without a session). PAs: the customer and its VIP admins, the
#: count, the page, the PAs' lines, their orders' lines (7 before issue 15: the returns' rows too); orders: the page
#: and its lines.
PA_LIST_QUERIES = 6
ORDER_LIST_QUERIES = 2


def _customer_with(size: int, sales) -> Customer:
    """`size` PAs, each with two lines; every other one ordered, with one line partly returned."""
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    admin = ResellerAdminFactory(reseller=sales.reseller)
    for n in range(size):
        if n % 2:
            place_with_return(customer, sales, admin)
        else:
            lines = [pa.LineRequest(ProductFactory(), 3) for _ in range(2)]
            pa.purchase_authorization_create(customer=customer, license_type="team", lines=lines, actor=sales)
    return customer


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("listed", ["purchase authorizations", "orders"])
def test_a_list_costs_the_same_queries_for_few_and_many(listed):
    counts = []
    for size in SIZES:
        sales = SalesFactory()
        client = APIClient()
        client.force_authenticate(sales)
        if listed == "orders":
            _customer_with(2 * size, sales)
            url, data, expected = reverse("api-order-intake"), None, ORDER_LIST_QUERIES
        else:
            customer = _customer_with(size, sales)
            url, data, expected = reverse("api-purchase-authorization-list"), {"customer": customer.pk}, PA_LIST_QUERIES
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, data)
        assert response.status_code == 200
        rows = response.json()["results"]
        assert len(rows) == size
        if listed == "orders":
            assert all(len(row["lines"]) == 2 for row in rows)
        else:
            assert sum(bool(row["order"]) for row in rows) == size // 2
        counts.append(len(queries))
    assert counts == [expected] * len(SIZES)
