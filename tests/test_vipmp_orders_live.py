"""/v3 orders over real HTTP against the live server, as an integrator's client speaks: a plain HTTP client, the
token URL and the API base, absolute paths joined to the base, links followed as given, request shapes from
Adobe's documentation: token → create customer → PREVIEW → NEW → the history over two pages → partial RETURN,
with a retried RETURN (same X-Correlation-Id) answered the same and returning once."""

import json
import uuid
from urllib.parse import urlencode, urljoin

import pytest

from authorizations.models import ReturnAuthorization
from licences.models import Holding
from tests.factories import ProductFactory
from tests.test_vipmp_live import call
from tests.test_vipmp_support import customer_body, make_client, northwind

pytestmark = pytest.mark.django_db(transaction=True)


def test_preview_new_history_and_partial_return_over_http(live_server):
    reseller = northwind()
    photoshop = ProductFactory(name="Photoshop", sku_new="65304479CA01A12", sku_renewal="65304479CA02A12")
    acrobat = ProductFactory(name="Acrobat", sku_new="65304480CA01A12", sku_renewal="65304480CA02A12")
    api_client, secret = make_client(reseller)
    token_url, base_url = f"{live_server.url}/ims/token/v3", f"{live_server.url}/"
    form = urlencode(
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret, "scope": "x"}
    ).encode()
    _status, _headers, token = call(
        "POST", token_url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    def headers(correlation_id=None):
        return {
            "X-Api-Key": api_client.client_id,
            "Authorization": f"Bearer {token['access_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": correlation_id or str(uuid.uuid4()),
        }

    def post(path, body, correlation_id=None):
        return call("POST", urljoin(base_url, path), body=json.dumps(body).encode(), headers=headers(correlation_id))

    create = customer_body(reseller)
    create["companyProfile"]["marketSegment"] = "COM"
    status, _headers, customer = post("/v3/customers", create)
    assert status == 201, customer
    orders_path = f"/v3/customers/{customer['customerId']}/orders"

    def order(order_type, *lines, **extra):
        return {
            "externalReferenceId": "759",
            "orderType": order_type,
            "currencyCode": "EUR",
            "lineItems": [
                {"extLineItemNumber": n, "offerId": p.sku_new, "quantity": q, "currencyCode": "EUR"}
                for n, p, q in lines
            ],
            **extra,
        }

    status, _headers, preview = post(f"{orders_path}?fetch-price=true", order("PREVIEW", (1, photoshop, 20)))
    assert status == 200 and preview["orderId"] == "" and preview["lineItems"][0]["proratedDays"] >= 365
    assert preview["pricingSummary"] == [{"totalLineItemPartnerPrice": 2000.0, "currencyCode": "EUR"}]

    placed = []
    for lines in (((4, photoshop, 20), (5, acrobat, 3)), ((1, acrobat, 2),), ((1, photoshop, 1),)):
        status, _headers, made = post(orders_path, order("NEW", *lines))
        assert status == 201 and made["status"] == "1000", made
        placed.append(made["orderId"])

    # The history over two pages, following links.next.uri as given until it is gone.
    url, seen, pages = urljoin(base_url, f"{orders_path}?limit=2"), [], 0
    while url:
        status, _headers, page = call("GET", url, headers=headers())
        assert status == 200, page
        seen += [item["orderId"] for item in page["items"]]
        pages += 1
        url = urljoin(base_url, page["links"]["next"]["uri"]) if "next" in page["links"] else None
    assert pages == 2 and seen == placed[::-1]

    # A partial return of the first order's line 4, retried after a lost answer.
    give_back = order("RETURN", (4, photoshop, 5), referenceOrderId=placed[0])
    status, _headers, returned = post(orders_path, give_back, correlation_id="return-1")
    assert status == 201 and returned["orderType"] == "RETURN" and returned["referenceOrderId"] == placed[0]
    status, replay_headers, again = post(orders_path, give_back, correlation_id="return-1")
    assert (status, again) == (201, returned) and replay_headers.get("Idempotent-Replayed") == "true"
    assert ReturnAuthorization.objects.count() == 1
    assert Holding.objects.get(product=photoshop).deployed == 16

    status, _headers, original = call("GET", urljoin(base_url, f"{orders_path}/{placed[0]}"), headers=headers())
    assert [(ln["extLineItemNumber"], ln["remainingQuantity"]) for ln in original["lineItems"]] == [(4, 15), (5, 3)]
    status, _headers, refused = post(orders_path, order("RETURN", (4, photoshop, 16), referenceOrderId=placed[0]))
    assert status == 422 and refused["code"] == "RETURN_QTY_EXCEEDS_REMAINING"
