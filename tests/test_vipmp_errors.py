"""VIP Marketplace API: every refusal under /v3 in Adobe's body ({"code", "message", "additionalDetails"}), never
a Django page; X-Correlation-Id makes every /v3 write idempotent, its keys kept at least 10 days."""

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from customers.models import Customer, CustomerEvent
from idempotency.models import IdempotentRequest
from idempotency.services import idempotency_keys_purge
from tests.conftest import run_together
from tests.factories import SalesFactory
from tests.test_vipmp_support import CUSTOMERS_URL, V3, customer_body, make_client, northwind
from vipmp import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def api(reseller):
    return V3(*make_client(reseller))


def assert_adobe(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "additionalDetails"} and body["code"] == code and body["message"]
    return body


# ---------------------------------------------------------------------------
# Error bodies
# ---------------------------------------------------------------------------
def test_malformed_json_is_400(api):
    response = api.http.post(CUSTOMERS_URL, "{not json", content_type="application/json", headers=api.headers())
    assert_adobe(response, 400, "400")


def test_json_nested_too_deep_is_400(api):
    deep = "[" * 500 + "]" * 500
    response = api.http.post(CUSTOMERS_URL, deep, content_type="application/json", headers=api.headers())
    assert_adobe(response, 400, "1117")


def test_a_body_that_is_not_json_is_415(api):
    response = api.http.post(CUSTOMERS_URL, "resellerId=x", content_type="text/plain", headers=api.headers())
    assert_adobe(response, 415, "415")


def test_a_method_the_url_does_not_take_is_405(api):
    response = api.http.put(CUSTOMERS_URL, {}, content_type="application/json", headers=api.headers())
    assert_adobe(response, 405, "405")
    assert "POST" in response["Allow"]
    assert not IdempotentRequest.objects.exists()  # refused before it ran: no X-Correlation-Id kept


def test_unknown_v3_urls_are_adobes_404(api):
    assert_adobe(api.get("/v3/nothing/here"), 404, "404")
    assert_adobe(api.post("/v3/customers/ABC/unknown", {}), 404, "404")
    assert not IdempotentRequest.objects.exists()  # nothing ran, nothing to replay
    # Without credentials the refusal comes first, as for every /v3 URL.
    assert_adobe(api.http.get("/v3/nothing/here"), 403, "4115")


def test_an_oversized_body_is_400(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = api.post(CUSTOMERS_URL, {"resellerId": "x" * 5_000})
    assert_adobe(response, 400, "400")


def test_a_browser_asking_for_html_gets_json(api):
    response = api.http.get(f"{CUSTOMERS_URL}/X", headers={**api.headers(), "Accept": "text/html"})
    assert_adobe(response, 404, "1116")


def test_too_many_requests_is_4118_with_retry_after(api, settings):
    cache.clear()
    settings.API_THROTTLE_USER_RATE = "2/minute"
    try:
        answers = [api.get(f"{CUSTOMERS_URL}/X") for _ in range(3)]
    finally:
        cache.clear()
    assert [a.status_code for a in answers] == [404, 404, 429]
    assert_adobe(answers[2], 429, "4118")
    assert int(answers[2]["Retry-After"]) >= 1


def test_an_unexpected_error_is_1124_logged_and_releases_the_correlation_id(api, reseller, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "customer_resource", broken)
    with caplog.at_level(logging.ERROR, logger="vipmp.errors"):
        response = api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="retry-after-500")
    assert_adobe(response, 500, "1124")
    assert "boom" not in response.content.decode()
    assert any("VIP Marketplace API" in record.message for record in caplog.records)
    assert not IdempotentRequest.objects.filter(key="retry-after-500").exists()


def test_request_and_correlation_ids_are_echoed(api):
    headers = {**api.headers("corr-1"), "X-Request-Id": "req-1"}
    response = api.http.get(f"{CUSTOMERS_URL}/X", headers=headers)
    assert (response["X-Request-Id"], response["X-Correlation-Id"]) == ("req-1", "corr-1")
    without = api.http.get(f"{CUSTOMERS_URL}/X", headers={k: v for k, v in headers.items() if k != "X-Request-Id"})
    assert without["X-Request-Id"]  # one of ours


# ---------------------------------------------------------------------------
# X-Correlation-Id
# ---------------------------------------------------------------------------
def test_the_same_correlation_id_and_request_answer_the_first_answer_and_create_nothing_more(api, reseller):
    first = api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="create-lakeside")
    again = api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="create-lakeside")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


def test_the_same_correlation_id_with_another_request_is_4119(api, reseller):
    api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="c-1")
    other = customer_body(reseller, externalReferenceId="MKT-OTHER")
    body = assert_adobe(api.post(CUSTOMERS_URL, other, correlation_id="c-1"), 400, "4119")
    assert body["additionalDetails"] == ["X-Correlation-Id"]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize("correlation_id", [None, "", "x" * 256, "has space"])
def test_a_write_without_a_valid_correlation_id_is_4119(api, reseller, correlation_id):
    headers = api.headers()
    if correlation_id is None:
        del headers["X-Correlation-Id"]
    else:
        headers["X-Correlation-Id"] = correlation_id
    response = api.http.post(CUSTOMERS_URL, customer_body(reseller), content_type="application/json", headers=headers)
    assert_adobe(response, 400, "4119")
    assert not Customer.objects.exists()


def test_reads_need_no_correlation_id(api):
    headers = api.headers()
    del headers["X-Correlation-Id"]
    assert_adobe(api.http.get(f"{CUSTOMERS_URL}/X", headers=headers), 404, "1116")


def test_refusals_are_answered_again_too(api, reseller):
    bad = customer_body(reseller, nickname="x")
    first = api.post(CUSTOMERS_URL, bad, correlation_id="bad-1")
    again = api.post(CUSTOMERS_URL, bad, correlation_id="bad-1")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


def test_a_repeated_patch_changes_once(api, reseller):
    customer_id = api.post(CUSTOMERS_URL, customer_body(reseller)).json()["customerId"]
    change = {"externalReferenceId": "MKT-NEW"}
    first = api.patch(f"{CUSTOMERS_URL}/{customer_id}", change, correlation_id="patch-1")
    again = api.patch(f"{CUSTOMERS_URL}/{customer_id}", change, correlation_id="patch-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert CustomerEvent.objects.filter(kind=CustomerEvent.Kind.UPDATED).count() == 1


def test_correlation_ids_belong_to_their_client(api, reseller):
    api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="shared")
    other = V3(*make_client(reseller, name="Second integration"))
    second = customer_body(reseller)
    second["companyProfile"]["companyName"] = "Hillside School"
    response = other.post(CUSTOMERS_URL, second, correlation_id="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Customer.objects.count() == 2


def test_refused_credentials_use_no_correlation_id(api, reseller):
    headers = {**api.headers("never-kept"), "Authorization": "Bearer wrong"}
    api.http.post(CUSTOMERS_URL, customer_body(reseller), content_type="application/json", headers=headers)
    assert not IdempotentRequest.objects.exists()


def test_correlation_ids_are_kept_ten_days(api, reseller, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 48
    settings.VIPMP_CORRELATION_ID_DAYS = 3  # never less than Adobe's 10 days
    api.post(CUSTOMERS_URL, customer_body(reseller), correlation_id="kept")
    record = IdempotentRequest.objects.get(key="kept")
    assert record.keep_until - record.created_at == timedelta(days=10)
    now = timezone.now()
    assert idempotency_keys_purge(now=now + timedelta(days=3)) == 0
    assert idempotency_keys_purge(now=now + timedelta(days=9, hours=23)) == 0
    assert idempotency_keys_purge(now=now + timedelta(days=10, minutes=1)) == 1


def test_api_v1_keys_keep_their_own_retention(db, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 48
    now = timezone.now()
    IdempotentRequest.objects.create(
        user=SalesFactory(),
        key="v1",
        method="POST",
        path="/api/v1/x/",
        fingerprint="0" * 64,
        created_at=now,
        claimed_at=now,
    )
    assert idempotency_keys_purge(now=now + timedelta(hours=47)) == 0
    assert idempotency_keys_purge(now=now + timedelta(hours=49)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_copies_of_one_create_make_one_customer():
    """Six copies of one create at the same moment (an impatient retry): one customer, no 5xx; the others get
    the first answer or 4122 (still running)."""
    reseller = northwind()
    api = V3(*make_client(reseller))
    body = customer_body(reseller)

    def create():
        response = api.post(CUSTOMERS_URL, body, correlation_id="burst")
        return response.status_code, response.json()["code"] if response.status_code >= 400 else "ok"

    results = run_together(*[create] * 6)
    assert Customer.objects.count() == 1, results
    assert set(results) <= {(201, "ok"), (400, "4122")} and (201, "ok") in results, results
