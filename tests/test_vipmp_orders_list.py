"""VIP Marketplace API order history: GET /v3/customers/{customerId}/orders (Adobe's filters, limit/offset, items,
links.next with a keyset cursor) and GET …/orders/{orderId}; query counts constant in lines and in page size."""
# ruff: noqa: F811 - the shared fixtures are imported, and named again as the tests' arguments

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renewals.models import Renewal, RenewalLine
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerFactory
from tests.test_vipmp_orders_support import (  # noqa: F401 - fixtures among them
    actor,
    api,
    assert_refused,
    customer,
    line_item,
    order_body,
    order_url,
    orders_url,
    products,
    reseller,
    return_body,
)
from tests.test_vipmp_support import V3, make_client

pytestmark = pytest.mark.django_db

#: The first order: the term runs from here to 2027-03-02.
FIRST = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def place(api, customer, at: datetime, *lines) -> dict:
    with time_machine.travel(at, tick=False):
        response = api.post(orders_url(customer.vip_id), order_body("NEW", *lines))
    assert response.status_code == 201, response.content
    return response.json()


def give_back(api, customer, at: datetime, order_id: str, *lines) -> dict:
    with time_machine.travel(at, tick=False):
        response = api.post(orders_url(customer.vip_id), return_body(order_id, *lines))
    assert response.status_code == 201, response.content
    return response.json()


def listed(api, url: str, at: datetime = FIRST + timedelta(days=20)):
    with time_machine.travel(at, tick=False):
        return api.get(url)


@pytest.fixture
def history(api, customer, products):
    """Three NEW orders a day apart, a partial return of the first and a whole return of the second (which
    cancels it), and a renewal row processed in the console: newest first R2, R1, N3, N2, N1 … as created."""
    photoshop, illustrator, _ = products
    n1 = place(api, customer, FIRST, line_item(1, photoshop, 10), line_item(2, illustrator, 5))
    n2 = place(api, customer, FIRST + timedelta(days=1), line_item(1, illustrator, 3))
    n3 = place(api, customer, FIRST + timedelta(days=2), line_item(1, photoshop, 4))
    r1 = give_back(api, customer, FIRST + timedelta(days=3), n1["orderId"], line_item(1, photoshop, 2))
    r2 = give_back(api, customer, FIRST + timedelta(days=4), n2["orderId"], line_item(1, illustrator, 3))
    return {"n1": n1, "n2": n2, "n3": n3, "r1": r1, "r2": r2}


def ids(body) -> list[str]:
    return [item["orderId"] for item in body["items"]]


def test_the_history_lists_orders_and_returns_newest_first_in_adobes_shape(api, customer, history):
    body = listed(api, orders_url(customer.vip_id)).json()
    assert set(body) == {"totalCount", "count", "offset", "limit", "items", "links"}
    assert (body["totalCount"], body["count"], body["offset"], body["limit"]) == (5, 5, 0, 25)
    assert ids(body) == [history[k]["orderId"] for k in ("r2", "r1", "n3", "n2", "n1")]
    # One page: no next, no prev; self says what was asked (with the defaults).
    assert body["links"] == {
        "self": {"uri": f"{orders_url(customer.vip_id)}?limit=25&offset=0", "method": "GET", "headers": []}
    }
    items = {item["orderId"]: item for item in body["items"]}
    # Each item is the order as GET …/orders/{orderId} answers it.
    for order_id, item in items.items():
        assert api.get(order_url(customer.vip_id, order_id)).json() == item
    assert items[history["n1"]["orderId"]]["lineItems"][0]["remainingQuantity"] == 8
    assert items[history["n2"]["orderId"]]["status"] == "1008"


def test_links_next_walks_every_page_and_offsets_agree(api, customer, history):
    expected = [history[k]["orderId"] for k in ("r2", "r1", "n3", "n2", "n1")]
    url, seen, pages = f"{orders_url(customer.vip_id)}?limit=2", [], []
    while url:
        body = listed(api, url).json()
        pages.append((body["offset"], body["count"], body["totalCount"], "prev" in body["links"]))
        seen += ids(body)
        url = body["links"].get("next", {}).get("uri")
    assert seen == expected
    assert pages == [(0, 2, 5, False), (2, 2, 5, True), (4, 1, 5, True)]
    # Plain offsets give the same pages.
    assert ids(listed(api, f"{orders_url(customer.vip_id)}?limit=2&offset=2").json()) == expected[2:4]


def test_a_new_order_between_pages_does_not_shift_the_next_page(api, customer, products, history):
    first = listed(api, f"{orders_url(customer.vip_id)}?limit=2").json()
    place(api, customer, FIRST + timedelta(days=10), line_item(1, products[0], 1))
    second = listed(api, first["links"]["next"]["uri"]).json()
    assert ids(second) == [history["n3"]["orderId"], history["n2"]["orderId"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("order-type=RETURN", ["r2", "r1"]),
        ("order-type=NEW&order-type=RETURN", ["r2", "r1", "n3", "n2", "n1"]),
        ("order-type=RENEWAL", []),
        ("status=1008", ["n2"]),
        ("status=1000&order-type=NEW", ["n3", "n1"]),
        ("status=1002", []),
        ("start-date=2026-03-03&end-date=2026-03-05", ["n3", "n2"]),
        ("start-date=2026-03-03T09:00:01Z", ["r2", "r1", "n3"]),
        ("end-date=2026-03-03T09:00:00Z", ["n2", "n1"]),
        ("offer-id=65304480CA01A12", ["r2", "n2", "n1"]),
        ("reference-order-id={n1}", ["r1"]),
    ],
)
def test_filters_are_anded_and_repeated_values_ored(api, customer, history, query, expected):
    query = query.format(n1=history["n1"]["orderId"])
    body = listed(api, f"{orders_url(customer.vip_id)}?{query}").json()
    assert ids(body) == [history[k]["orderId"] for k in expected]
    assert body["totalCount"] == len(expected)


def test_the_default_start_is_the_current_term(api, customer, products, history):
    # The anniversary moved on (renewed): the current term runs from 2026-06-01, after the orders above.
    customer.refresh_from_db()
    customer.anniversary_date, customer.anniversary_day = date(2027, 6, 1), 1
    customer.save()
    later = place(api, customer, datetime(2026, 7, 1, 9, tzinfo=UTC), line_item(1, products[0], 1))
    at = datetime(2026, 7, 2, tzinfo=UTC)
    assert ids(listed(api, orders_url(customer.vip_id), at=at).json()) == [later["orderId"]]
    everything = listed(api, f"{orders_url(customer.vip_id)}?start-date=2026-01-01", at=at).json()
    assert everything["totalCount"] == 6


def test_renewals_are_in_the_history_with_their_renewal_skus(api, customer, products, history):
    photoshop, illustrator, _ = products
    with time_machine.travel(FIRST + timedelta(days=5), tick=False):
        renewal = Renewal.objects.create(
            customer=customer,
            order_number="REN-2027",
            order_date=date(2026, 3, 7),
            anniversary_before=date(2027, 3, 2),
            anniversary_after=date(2028, 3, 2),
            fingerprint="x",
        )
    RenewalLine.objects.create(renewal=renewal, product=photoshop, quantity_before=8, quantity_after=6)
    RenewalLine.objects.create(renewal=renewal, product=illustrator, quantity_before=5, quantity_after=0)
    body = listed(api, f"{orders_url(customer.vip_id)}?order-type=RENEWAL").json()
    (item,) = body["items"]
    assert (item["orderId"], item["orderType"], item["status"]) == ("REN-2027", "RENEWAL", "1000")
    assert [(ln["offerId"], ln["quantity"]) for ln in item["lineItems"]] == [(photoshop.sku_renewal, 6)]
    assert ids(listed(api, orders_url(customer.vip_id)).json())[0] == "REN-2027"


@pytest.mark.parametrize(
    ("query", "code", "details"),
    [
        ("limit=abc", "1132", ["limit"]),
        ("limit=0", "1132", ["limit"]),
        ("offset=-1", "1132", ["offset"]),
        ("status=done", "1132", ["status"]),
        ("order-type=BOGUS", "1132", ["order-type"]),
        ("start-date=2026-13-01", "1132", ["start-date"]),
        ("end-date=2026-03-01T10:00:00%2B02:00", "1132", ["end-date"]),
        ("cursor=not-a-cursor", "1132", ["cursor"]),
        ("offset=6", "1133", ["offset"]),
        # Found by tests/test_vipmp_fuzz.py: past the database's integers, a server error.
        ("offset=6188138789886217038178811904", "1133", ["offset"]),
        ("limit=6188138789886217038178811904&offset=1", None, None),
    ],
)
def test_bad_search_values_are_1132_and_an_offset_past_the_end_1133(api, customer, history, query, code, details):
    response = listed(api, f"{orders_url(customer.vip_id)}?{query}")
    if code is None:  # accepted: a limit over 100 is 100
        assert response.status_code == 200 and response.json()["limit"] == 100, response.content
    else:
        assert_refused(response, 400, code, details)


def test_a_limit_over_100_is_100_and_unknown_parameters_are_ignored(api, customer, history):
    body = listed(api, f"{orders_url(customer.vip_id)}?limit=500&reseller-id=anything").json()
    assert body["limit"] == 100 and body["count"] == 5


def test_unknown_orders_are_2115(api, customer, reseller, history):
    other = ActiveCustomerFactory(reseller=reseller)
    for order_id in ("VM99999999", "RA-999999", "RA-abc", "RA-" + "9" * 40, history["n1"]["orderId"]):
        customer_id = other.vip_id if order_id == history["n1"]["orderId"] else customer.vip_id
        assert_refused(api.get(order_url(customer_id, order_id)), 404, "2115")


def test_queries_stay_the_same_for_more_lines_and_bigger_pages(api, reseller):
    def counted(lines: int, page: int) -> int:
        customer = ActiveCustomerFactory(reseller=reseller)
        offers = [ProductFactory() for _ in range(lines)]
        for n in range(page + 1):
            order = place(
                api, customer, FIRST + timedelta(hours=n), *[line_item(i, p, 3) for i, p in enumerate(offers, 1)]
            )
            give_back(
                api, customer, FIRST + timedelta(hours=n, minutes=30), order["orderId"], line_item(1, offers[0], 1)
            )
        renewal = Renewal.objects.create(
            customer=customer,
            order_number=f"REN-{customer.pk}",
            order_date=date(2026, 3, 2),
            anniversary_before=date(2027, 3, 2),
            anniversary_after=date(2028, 3, 2),
            fingerprint="x",
            created_at=FIRST + timedelta(hours=page + 1),
        )
        RenewalLine.objects.bulk_create(
            [RenewalLine(renewal=renewal, product=p, quantity_before=3, quantity_after=3) for p in offers]
        )
        url = f"{orders_url(customer.vip_id)}?limit={2 * page + 1}"
        listed(api, url)  # the client's last use is written once a minute
        with CaptureQueriesContext(connection) as queries:
            body = listed(api, url).json()
        kinds = {item["orderType"] for item in body["items"]}
        assert body["count"] == 2 * page + 1 and kinds == {"NEW", "RETURN", "RENEWAL"}, body["count"]
        return len(queries)

    counts = [counted(1, 2), counted(6, 2), counted(1, 8), counted(6, 8)]
    assert len(set(counts)) == 1, counts


# ---------------------------------------------------------------------------
# Tenancy: another reseller's client gets 404 on every order URL, whatever it sends
# ---------------------------------------------------------------------------
def test_a_client_of_another_reseller_gets_404_on_every_order_url(api, customer, products, history):
    outsider = V3(*make_client(ResellerFactory(partner_id="FAR-78"), name="Far away integration"))
    urls = [
        orders_url(customer.vip_id),
        f"{orders_url(customer.vip_id)}?fetch-price=true&limit=2",
        order_url(customer.vip_id, history["n1"]["orderId"]),
        order_url(customer.vip_id, history["r1"]["orderId"]),
    ]
    bodies = [
        order_body("PREVIEW", line_item(1, products[0], 1)),
        order_body("NEW", line_item(1, products[0], 1)),
        return_body(history["n3"]["orderId"], line_item(1, products[0], 1)),
    ]
    secrets = [customer.vip_id, history["n1"]["orderId"], "Harbour", "PO-759", products[0].sku_new]
    before = listed(api, f"{orders_url(customer.vip_id)}?limit=100").json()
    for url in urls:
        for method in ("get", "post", "patch", "put", "delete"):
            for body in bodies if method != "get" else [None]:
                send = getattr(outsider.http, method)
                kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
                response = send(url, headers=outsider.headers(), **kwargs)
                where = f"{method.upper()} {url} answered {response.status_code}"
                assert response.status_code in (404, 405), where
                assert response.json()["code"] in ("1116", "405"), where
                content = response.content.decode()
                assert not [s for s in secrets if s in content.replace(url, "")], where
    assert listed(api, f"{orders_url(customer.vip_id)}?limit=100").json() == before
