"""VIP Marketplace API: `GET /v3/notifications?notification-type=LICENSES_PENDING_PARTNER_ORDER` — the customers
with licences deployed that no order covers yet (pending purchase authorizations), in Adobe's list shape."""

import pytest

from authorizations import services as pa
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, ResellerFactory
from tests.test_vipmp_support import V3, make_client, northwind
from vipmp.models import ApiClientActor

pytestmark = pytest.mark.django_db
URL = "/v3/notifications"
PENDING = "LICENSES_PENDING_PARTNER_ORDER"


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def api(reseller):
    return V3(*make_client(reseller))


def pending_customer(reseller, *, ordered=False):
    """A customer with a purchase authorization (pending, or ordered when `ordered`)."""
    customer = ActiveCustomerFactory(reseller=reseller)
    product = ProductFactory()
    sales = ApiClientActor.objects.filter(reseller=reseller).first()
    actor = sales.user if sales else ResellerAdminFactory(reseller=reseller)
    authorization = pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, 2)], actor=actor
    )
    if ordered:
        pa.order_place(
            order_number=f"LWS-{customer.pk}",
            order_date=pa.today(),
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(product.sku_new, 2)],
            actor=ResellerAdminFactory(reseller=reseller),
        )
    return customer


def test_the_customers_with_pending_licences_in_adobes_shape(api, reseller):
    waiting = pending_customer(reseller)
    pending_customer(reseller, ordered=True)
    ActiveCustomerFactory(reseller=reseller)  # holds nothing
    pending_customer(ResellerFactory())  # another reseller's: not the client's

    body = api.get(URL, data={"notification-type": PENDING, "reseller-id": reseller.partner_id}).json()

    assert (body["limit"], body["offset"], body["totalCount"], body["count"]) == (10, 0, 1, 1)
    assert body["items"] == [
        {
            "customerId": waiting.vip_id,
            "reseller-id": reseller.partner_id,
            "notificationType": PENDING,
            "links": {"self": {"uri": f"/v3/customers/{waiting.vip_id}", "method": "GET", "headers": []}},
        }
    ]
    assert body["links"] == {
        "self": {
            "uri": f"{URL}?notification-type={PENDING}&reseller-id={reseller.partner_id}&limit=10&offset=0",
            "method": "GET",
            "headers": [],
        }
    }


def test_without_reseller_id_every_reseller_of_the_client(reseller):
    second = ResellerFactory(partner_id="NW-2002")
    api = V3(*make_client(reseller, second))
    first, other = pending_customer(reseller), pending_customer(second)
    body = api.get(URL, data={"notification-type": PENDING}).json()
    assert [item["customerId"] for item in body["items"]] == [first.vip_id, other.vip_id]
    assert [item["reseller-id"] for item in body["items"]] == ["NW-1001", "NW-2002"]


def test_pages_follow_links_next(api, reseller):
    customers = [pending_customer(reseller) for _ in range(5)]
    seen, uri, pages = [], f"{URL}?notification-type={PENDING}&limit=2", 0
    while uri:
        body = api.get(uri).json()
        seen += [item["customerId"] for item in body["items"]]
        uri = body["links"].get("next", {}).get("uri")
        pages += 1
    assert seen == [c.vip_id for c in customers] and pages == 3
    last = api.get(f"{URL}?notification-type={PENDING}&limit=2&offset=4").json()
    assert last["count"] == 1 and "next" not in last["links"] and last["links"]["prev"]["uri"].endswith("offset=2")


def test_an_offset_past_the_total_is_an_empty_page_however_large(api, reseller):
    """Found by tests/test_vipmp_fuzz.py: an offset beyond a 64-bit integer was a server error."""
    pending_customer(reseller)
    for offset in ("5", "6188138789886217038178811904"):
        response = api.get(URL, data={"notification-type": PENDING, "offset": offset})
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["totalCount"], body["count"], body["items"], body["offset"]) == (1, 0, [], int(offset))
        assert "next" not in body["links"] and body["links"]["prev"]["method"] == "GET"


@pytest.mark.parametrize("count", [1, 6])
def test_a_page_costs_the_same_queries_whatever_it_holds(api, reseller, django_assert_num_queries, count):
    for _ in range(count):
        pending_customer(reseller)
    api.get(URL, data={"notification-type": PENDING})  # warm: the client's last use
    with django_assert_num_queries(4):  # token + client, the client's resellers, the count, the page
        assert api.get(URL, data={"notification-type": PENDING}).json()["count"] == count


@pytest.mark.parametrize(
    ("query", "status", "code", "details"),
    [
        ({}, 400, "1122", ["notification-type"]),
        ({"notification-type": "ORDER_FAILED"}, 400, "1117", ["notification-type"]),
        ({"notification-type": PENDING, "limit": "0"}, 400, "1117", ["limit"]),
        ({"notification-type": PENDING, "limit": "101"}, 400, "1117", ["limit"]),
        ({"notification-type": PENDING, "offset": "-1"}, 400, "1117", ["offset"]),
        ({"notification-type": PENDING, "reseller-id": "FAR-77"}, 404, "1115", ["reseller-id"]),
    ],
)
def test_refusals_answer_adobes_codes(api, reseller, query, status, code, details):
    ResellerFactory(partner_id="FAR-77")
    response = api.get(URL, data=query)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["additionalDetails"] == details


def test_writes_are_405(api):
    for method in ("post", "patch"):
        response = getattr(api, method)(URL, {"notification-type": PENDING})
        assert response.status_code == 405 and response.json()["code"] == "405"
