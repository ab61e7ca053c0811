"""The VIP Marketplace API over real HTTP, as an integrator's client speaks to it: a plain HTTP client, the two
URLs it is configured with (the token URL and the API base), absolute paths joined to the base as Adobe's
clients build them (urljoin(base, "/v3/…")), and only request shapes from Adobe's documentation."""

import json
import uuid
from urllib.error import HTTPError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

import pytest

from customers.models import Customer
from tests.test_vipmp_support import customer_body, make_client, northwind

pytestmark = pytest.mark.django_db(transaction=True)


def call(method: str, url: str, *, body: bytes | None = None, headers: dict) -> tuple[int, dict, dict]:
    request = Request(url, data=body, method=method, headers=headers)  # noqa: S310 - the live test server
    try:
        with urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_token_create_get_patch_over_http(live_server):
    reseller = northwind()
    api_client, secret = make_client(reseller)
    token_url, base_url = f"{live_server.url}/ims/token/v3", f"{live_server.url}/"

    form = urlencode(
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret, "scope": "x"}
    ).encode()
    status, _headers, token = call(
        "POST", token_url, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and token["token_type"] == "bearer" and token["expires_in"] > 0

    def headers(correlation_id=None):
        return {
            "X-Api-Key": api_client.client_id,
            "Authorization": f"Bearer {token['access_token']}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": correlation_id or str(uuid.uuid4()),
        }

    create, customers_url = json.dumps(customer_body(reseller)).encode(), urljoin(base_url, "/v3/customers")
    status, _headers, made = call("POST", customers_url, body=create, headers=headers("c-1"))
    assert status == 201, made
    # A retry after a lost answer: the same X-Correlation-Id, the same answer, no second customer.
    status, replay_headers, again = call("POST", customers_url, body=create, headers=headers("c-1"))
    assert (status, again) == (201, made) and replay_headers.get("Idempotent-Replayed") == "true"
    assert Customer.objects.count() == 1

    customer_url = urljoin(base_url, f"/v3/customers/{made['customerId']}")
    status, _headers, read = call("GET", customer_url, headers=headers())
    assert (status, read) == (200, made)

    change = json.dumps({"companyProfile": {**read["companyProfile"], "companyName": "Lakeside Academy"}}).encode()
    status, _headers, changed = call("PATCH", customer_url, body=change, headers=headers())
    assert status == 200 and changed["companyProfile"]["companyName"] == "Lakeside Academy"

    status, _headers, refused = call("GET", urljoin(base_url, "/v3/customers/NOPE"), headers=headers())
    assert status == 404 and refused["code"] == "1116"
