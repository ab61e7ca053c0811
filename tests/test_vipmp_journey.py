"""Issue 14's Done-when, over real HTTP: an integrator's client drives the whole life of a customer through /v3
against the live server — token → create customer → get customer → PREVIEW → NEW → the order list over two pages
by links.next.uri → partial RETURN → PREVIEW_RENEWAL → RENEWAL (the clock in the renewal window) → list and patch
subscriptions → the auto-renewal job renews on the next anniversary.

A plain HTTP client (urllib), the two URLs a client is configured with, absolute paths joined to the base, and
only request shapes from Adobe's documentation. Every write is sent twice with the same X-Correlation-Id (a
retry after a lost answer): the second answers the same and changes no row. time-machine moves the live
server's clock too (it patches the process, and the server is a thread of it).
"""

import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode, urljoin

import pytest
import time_machine

from authorizations.models import Order, PurchaseAuthorization, ReturnAuthorization
from customers.models import Customer, CustomerEvent
from idempotency.models import IdempotentRequest
from jobs import services as jobs
from licences.models import Holding
from renewals.models import AutoRenewal, Renewal
from tests.factories import ProductFactory
from tests.test_vipmp_live import call
from tests.test_vipmp_support import customer_body, make_client, northwind

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_DAY = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # the first order: anniversary 2026-03-10
IN_WINDOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # 9 days before it
NEXT_ANNIVERSARY = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def rows() -> dict[str, int]:
    """What a repeated write must not change: every row a /v3 write may create (the idempotency keys aside)."""
    models = (Customer, PurchaseAuthorization, Order, ReturnAuthorization, Renewal, AutoRenewal, CustomerEvent)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["deployed"] = sum(Holding.objects.values_list("deployed", flat=True))
    return counts


class Integrator:
    """The client side: a token from the token URL, Adobe's headers, URLs joined to the API base."""

    def __init__(self, live_server, api_client, secret):
        self.token_url, self.base = f"{live_server.url}/ims/token/v3", f"{live_server.url}/"
        self.client_id, self.secret = api_client.client_id, secret
        self.token = None

    def authenticate(self):
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.secret}
        status, _headers, token = call(
            "POST",
            self.token_url,
            body=urlencode({**form, "scope": "openid,AdobeID,read_organizations"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 200 and token["expires_in"] > 0, token
        self.token = token["access_token"]

    def headers(self, correlation_id=None) -> dict:
        return {
            "X-Api-Key": self.client_id,
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": correlation_id or str(uuid.uuid4()),
        }

    def get(self, path_or_uri: str) -> tuple[int, dict]:
        status, _headers, body = call("GET", urljoin(self.base, path_or_uri), headers=self.headers())
        return status, body

    def write(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        """A write, then its retry with the same X-Correlation-Id: the same answer, not one row changed."""
        correlation_id, payload = str(uuid.uuid4()), json.dumps(body).encode()
        url = urljoin(self.base, path)
        status, _headers, answer = call(method, url, body=payload, headers=self.headers(correlation_id))
        before = rows()
        again_status, again_headers, again = call(method, url, body=payload, headers=self.headers(correlation_id))
        assert (again_status, again) == (status, answer), f"{method} {path}: the retry answered otherwise"
        assert rows() == before, f"{method} {path}: the retry changed rows"
        if status < 300:
            assert again_headers.get("Idempotent-Replayed") == "true"
        return status, answer


def order(order_type: str, *lines, **extra) -> dict:
    """Adobe's Order resource (Create Order / Preview Order samples)."""
    return {
        "externalReferenceId": "759",
        "orderType": order_type,
        "currencyCode": "EUR",
        "lineItems": [
            {"extLineItemNumber": number, "offerId": offer, "quantity": quantity, "currencyCode": "EUR"}
            for number, offer, quantity in lines
        ],
        **extra,
    }


def test_a_customers_life_through_v3_over_http(live_server):
    reseller = northwind()
    photoshop = ProductFactory(name="Photoshop", sku_new="65304479CA01A12", sku_renewal="65304479CA02A12")
    acrobat = ProductFactory(name="Acrobat", sku_new="65304480CA01A12", sku_renewal="65304480CA02A12")
    api_client, secret = make_client(reseller)
    client = Integrator(live_server, api_client, secret)

    with time_machine.travel(FIRST_DAY, tick=False):
        client.authenticate()
        create = customer_body(reseller)
        create["companyProfile"]["marketSegment"] = "COM"
        status, customer = client.write("POST", "/v3/customers", create)
        assert status == 201, customer
        customer_path = f"/v3/customers/{customer['customerId']}"
        assert client.get(customer_path) == (200, customer)
        orders_path = f"{customer_path}/orders"

        status, preview = client.write(
            "POST", f"{orders_path}?fetch-price=true", order("PREVIEW", (1, photoshop.sku_new, 10))
        )
        assert status == 200 and preview["orderId"] == "" and preview["pricingSummary"], preview
        assert rows()["Order"] == 0  # a preview places nothing

        placed = []
        for lines in (
            ((1, photoshop.sku_new, 10), (2, acrobat.sku_new, 3)),
            ((1, acrobat.sku_new, 2),),
            ((1, photoshop.sku_new, 1),),
        ):
            status, made = client.write("POST", orders_path, order("NEW", *lines))
            assert status == 201 and made["status"] == "1000", made
            placed.append(made["orderId"])
        assert Order.objects.count() == 3

        # The order list, two to a page, following links.next.uri as given until it is gone.
        uri, seen, pages = f"{orders_path}?limit=2", [], 0
        while uri:
            status, page = client.get(uri)
            assert status == 200, page
            seen += [item["orderId"] for item in page["items"]]
            pages += 1
            uri = page["links"]["next"]["uri"] if "next" in page["links"] else None
        assert pages == 2 and seen == placed[::-1]

        # Part of the first order's Photoshop line goes back.
        status, returned = client.write(
            "POST", orders_path, order("RETURN", (1, photoshop.sku_new, 4), referenceOrderId=placed[0])
        )
        assert status == 201 and returned["orderType"] == "RETURN", returned
        status, first = client.get(f"{orders_path}/{placed[0]}")
        assert [(ln["offerId"], ln["remainingQuantity"]) for ln in first["lineItems"]] == [
            (photoshop.sku_new, 6),
            (acrobat.sku_new, 3),
        ]

    with time_machine.travel(IN_WINDOW, tick=False):
        client.authenticate()  # a year later: the client fetches a fresh token
        status, proposal = client.write("POST", f"{orders_path}?fetch-price=true", {"orderType": "PREVIEW_RENEWAL"})
        assert status == 200, proposal
        proposed = {ln["offerId"]: ln for ln in proposal["lineItems"]}
        assert {offer: ln["quantity"] for offer, ln in proposed.items()} == {
            acrobat.sku_renewal: 5,
            photoshop.sku_renewal: 7,
        }
        renewal_lines = [
            {
                "extLineItemNumber": number,
                "offerId": ln["offerId"],
                "subscriptionId": ln["subscriptionId"],
                "quantity": 6 if ln["offerId"] == photoshop.sku_renewal else ln["quantity"],
            }
            for number, ln in enumerate(proposal["lineItems"], start=1)
        ]
        renewal_body = {"orderType": "RENEWAL", "externalReferenceId": "760", "currencyCode": "EUR"}
        status, renewed = client.write("POST", orders_path, {**renewal_body, "lineItems": renewal_lines})
        assert status == 201 and renewed["status"] == "1000", renewed
        assert Renewal.objects.get().order_number == renewed["orderId"]

        status, subscriptions = client.get(f"{customer_path}/subscriptions")
        assert status == 200 and subscriptions["totalCount"] == 2, subscriptions
        by_offer = {item["offerId"]: item for item in subscriptions["items"]}
        assert by_offer[photoshop.sku_new]["currentQuantity"] == 6
        assert by_offer[photoshop.sku_new]["renewalDate"] == "2027-03-10"
        assert all(item["autoRenewal"]["enabled"] for item in subscriptions["items"])  # /v3 customers: on
        acrobat_path = f"{customer_path}/subscriptions/{by_offer[acrobat.sku_new]['subscriptionId']}"
        status, patched = client.write("PATCH", acrobat_path, {"autoRenewal": {"enabled": True, "renewalQuantity": 4}})
        assert status == 200 and patched["autoRenewal"] == {"enabled": True, "renewalQuantity": 4}, patched
        assert client.get(acrobat_path) == (200, patched)

    with time_machine.travel(NEXT_ANNIVERSARY, tick=False):
        assert jobs.run_job("auto_renew_subscriptions", on=NEXT_ANNIVERSARY.date())["renewed"] == 1
        before = rows()
        assert jobs.run_job("auto_renew_subscriptions", on=NEXT_ANNIVERSARY.date())["renewed"] == 0
        assert rows() == before
        automatic = Renewal.objects.get(automatic=True)
        assert automatic.anniversary_before.isoformat() == "2027-03-10"
        client.authenticate()
        status, subscriptions = client.get(f"{customer_path}/subscriptions")
        assert {item["offerId"]: item["currentQuantity"] for item in subscriptions["items"]} == {
            photoshop.sku_new: 6,
            acrobat.sku_new: 4,
        }
        status, history = client.get(f"{orders_path}?order-type=RENEWAL&start-date=2026-01-01")
        assert status == 200 and [item["orderId"] for item in history["items"]] == [
            automatic.order_number,
            renewed["orderId"],
        ], history
    # Every write kept its answer for the retries (Adobe: at least 10 days).
    assert IdempotentRequest.objects.count() >= 9
