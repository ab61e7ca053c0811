"""Issue 12, item 21: Idempotency-Key compares the parsed JSON body, and a request the view refuses for its method
or permissions gets that answer (405, 403), not one from the key store."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from authorizations.models import PurchaseAuthorization
from idempotency import services as idempotency_services
from idempotency.models import IdempotentRequest
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/purchase-authorizations/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def world():
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory(name="Photoshop")
    return sales, customer, product


def test_the_same_json_written_another_way_is_the_same_request(world):
    sales, customer, product = world
    client = token_client(sales)
    compact = json.dumps(
        {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": 5}]},
        separators=(",", ":"),
    )
    reordered = json.dumps(
        {"lines": [{"quantity": 5, "sku": product.sku_new}], "license_type": "team", "customer": customer.pk},
        indent=3,
    )

    first = client.post(URL, compact, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same-1")
    again = client.post(URL, reordered, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same-1")

    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert PurchaseAuthorization.objects.count() == 1


def test_another_value_is_still_another_request(world):
    sales, customer, product = world
    client = token_client(sales)
    body = {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": 5}]}
    client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same-2")
    body["lines"][0]["quantity"] = 6
    other = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert PurchaseAuthorization.objects.count() == 1


def test_a_key_reused_where_the_user_may_not_go_is_403_not_422(world):
    """The licensing website may use the order intake only; its key replayed at the PA endpoint is refused for
    permission, as without the key."""
    _sales, customer, product = world
    lws = token_client(User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE))
    lws.post("/api/v1/orders/", {"order_number": "X"}, format="json", HTTP_IDEMPOTENCY_KEY="lws-1")
    assert IdempotentRequest.objects.count() == 1

    forbidden = lws.post(
        URL,
        {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="lws-1",
    )
    fresh = lws.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="lws-2")

    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    assert fresh.status_code == 403
    assert IdempotentRequest.objects.count() == 1  # a refused request claims no key
    assert not PurchaseAuthorization.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_key_with_a_method_the_route_lacks_is_405_not_422(world, method):
    sales, customer, product = world
    client = token_client(sales)
    body = {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": 1}]}
    assert client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="m-1").status_code == 201

    reused = getattr(client, method)(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    fresh = getattr(client, method)(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="m-2")

    assert reused.status_code == 405 and reused.json()["code"] == "method_not_allowed"
    assert fresh.status_code == 405
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["m-1"]


def test_a_request_with_a_bad_token_and_a_key_is_401_and_claims_nothing(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.post(URL, {}, format="json", HTTP_IDEMPOTENCY_KEY="anon-1")
    assert response.status_code == 401 and not IdempotentRequest.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"b": 1,  "a": [1, {"d": 2, "c": 3}]}', "application/json", b'{"a":[1,{"c":3,"d":2}],"b":1}'),
        (b'{"a": "\\u00e5"}', "application/json; charset=utf-8", '{"a":"å"}'.encode()),
        (b'{"a": 1}', "application/vnd.api+json", b'{"a":1}'),
        (b'{"b": 1, "a": 2}', "application/x-www-form-urlencoded", b'{"b": 1, "a": 2}'),  # not JSON: as it came
        (b"{not json", "application/json", b"{not json"),
        (b"\xff\xfe", "application/json", b"\xff\xfe"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", b"[" * 100_000 + b"]" * 100_000),  # too deep
        (b'"\\ud800"', "application/json", b'"\\ud800"'),  # a lone surrogate cannot be re-encoded
    ],
)
def test_canonical_body(body, content_type, expected):
    assert idempotency_services.canonical_body(body, content_type=content_type) == expected
