"""API writes with an Idempotency-Key: a retried request creates nothing twice and gets the first answer."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from authorizations.models import PurchaseAuthorization
from idempotency.models import IdempotentRequest
from idempotency.services import idempotency_keys_purge
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

URL = "/api/v1/purchase-authorizations/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def world(db):
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory(name="Photoshop")
    return sales, customer, product


def pa_body(customer, product, quantity=5):
    return {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": quantity}]}


def test_same_key_and_body_replays_the_first_response(world):
    sales, customer, product = world
    client = token_client(sales)
    first = client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert PurchaseAuthorization.objects.count() == 1


def test_same_key_with_another_body_is_422_and_changes_nothing(world):
    sales, customer, product = world
    client = token_client(sales)
    client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = client.post(URL, pa_body(customer, product, quantity=6), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert PurchaseAuthorization.objects.count() == 1


def test_without_a_key_each_request_counts(world):
    sales, customer, product = world
    client = token_client(sales)
    for _ in range(2):
        assert client.post(URL, pa_body(customer, product), format="json").status_code == 201
    assert PurchaseAuthorization.objects.count() == 2


def test_keys_belong_to_their_user(world):
    sales, customer, product = world
    colleague = SalesFactory(reseller=sales.reseller)
    token_client(sales).post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = token_client(colleague).post(
        URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert PurchaseAuthorization.objects.count() == 2


def test_refusals_are_replayed_too(world):
    sales, customer, product = world
    client = token_client(sales)
    body = pa_body(customer, product, quantity=0)
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "ünïcode"])
def test_a_malformed_key_is_400_and_changes_nothing(world, key):
    sales, customer, product = world
    response = token_client(sales).post(
        URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1")
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert PurchaseAuthorization.objects.count() == 0 and IdempotentRequest.objects.count() == 0


def test_unauthenticated_requests_are_refused_by_the_view_and_leave_no_key(world):
    _sales, customer, product = world
    response = APIClient().post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="anon")
    assert response.status_code in (401, 403)
    assert IdempotentRequest.objects.count() == 0


def test_a_request_still_running_answers_409(world):
    sales, customer, product = world
    client = token_client(sales)
    client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="slow")
    IdempotentRequest.objects.update(state=IdempotentRequest.State.IN_PROGRESS, claimed_at=timezone.now())
    response = client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="slow")
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert PurchaseAuthorization.objects.count() == 1


def test_an_abandoned_claim_is_taken_over_by_the_retry(world):
    """A worker killed mid-request never completes its claim; the client's retry must still get through."""
    sales, customer, product = world
    client = token_client(sales)
    body = pa_body(customer, product, quantity=0)
    client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="orphan")
    # As if the worker had died after claiming the key, ten minutes ago.
    IdempotentRequest.objects.update(
        state=IdempotentRequest.State.IN_PROGRESS, claimed_at=timezone.now() - timedelta(minutes=10)
    )
    response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="orphan")
    assert response.status_code == 400 and "Idempotent-Replayed" not in response
    assert IdempotentRequest.objects.get().state == IdempotentRequest.State.COMPLETED


def test_keys_are_kept_at_least_24_hours(world, settings):
    sales, _customer, _product = world
    settings.IDEMPOTENCY_KEY_HOURS = 1  # a misconfiguration below the promise is raised to 24 hours
    now = timezone.now()
    for key, age in (("fresh", 23), ("old", 25)):
        IdempotentRequest.objects.create(
            user=sales,
            key=key,
            method="POST",
            path=URL,
            fingerprint="f",
            created_at=now - timedelta(hours=age),
            claimed_at=now,
        )
    assert idempotency_keys_purge(now=now) == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]


def test_reads_ignore_the_header(world):
    sales, _customer, _product = world
    response = token_client(sales).get("/api/v1/customers/", HTTP_IDEMPOTENCY_KEY="read")
    assert response.status_code == 200 and IdempotentRequest.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_retries_create_one_purchase_authorization():
    """Eight copies of one request at the same moment (a client's aggressive retry): one PA, no 5xx."""
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory(name="Photoshop")
    token = Token.objects.create(user=sales).key
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def retry():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            statuses.append(
                client.post(URL, pa_body(customer, product), format="json", HTTP_IDEMPOTENCY_KEY="burst").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert PurchaseAuthorization.objects.count() == 1
    assert sorted(set(statuses)) <= [201, 409] and statuses.count(201) >= 1


def test_the_schema_documents_the_header_on_every_write(world):
    sales, _customer, _product = world
    schema = token_client(sales).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    writes = [
        operation
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) >= 8
    for operation in writes:
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert {"409", "422"} <= set(operation["responses"])
