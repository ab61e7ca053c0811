"""Our /v3 against Adobe's own description of the VIP Marketplace partner API (an excerpt, vendored in
tests/vipmp_reference/ with its licence): schemathesis sends generated requests, positive and negative, to every
operation we implement; none may answer a server error, and every answer the description gives a schema for must
match it. Adobe's description documents no body for a 201, so the create answer is checked against the
description's AccountResource directly."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fuzzing import fuzz_settings
from tests.test_vipmp_support import V3, customer_body, make_client, northwind

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "vipmp_reference" / "partners-v3-customers.json"
CHECKS = [not_a_server_error, response_schema_conformance]
MAX_EXAMPLES = 25
#: The operations of Adobe's description that /v3 implements so far (docs/vip-marketplace-api.md).
IMPLEMENTED = {
    ("POST", "/v3/customers"),
    ("GET", "/v3/customers/{customer-id}"),
    ("PATCH", "/v3/customers/{customer-id}"),
    ("GET", "/v3/customers/{customer-id}/orders"),
    ("POST", "/v3/customers/{customer-id}/orders"),
    ("GET", "/v3/customers/{customer-id}/orders/{order-id}"),
    ("GET", "/v3/customers/{customer-id}/subscriptions"),
    ("GET", "/v3/customers/{customer-id}/subscriptions/{subscription-id}"),
    ("PATCH", "/v3/customers/{customer-id}/subscriptions/{subscription-id}"),
}


@pytest.fixture
def wsgi_application(world):
    """The project's WSGI handler, inside the test's transaction (as the REST API's fuzz test does).

    After `world`: Django's test client reconnects the signal that closes the connection when a request ends,
    which would end the test's transaction (on PostgreSQL) at the first generated request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _links_as_documented(description: dict) -> dict:
    """The one place our answers follow Adobe's documented samples rather than its older description: `links` is
    an object keyed by relation (`self`, `next`, `prev`), as every sample in Adobe's docs shows and as clients
    read it (`links.next.uri`), where the description says an array of links."""
    for definition in description["definitions"].values():
        links = definition.get("properties", {}).get("links")
        if links and links.get("type") == "array":
            definition["properties"]["links"] = {"type": "object", "additionalProperties": links["items"]}
    return description


#: Adobe's description writes its patterns in Java's dialect, where `[^<>[\"]]` is one class (no <, >, [, " or ]);
#: in the dialect JSON Schema uses it would be a class followed by a literal "]".
JAVA_CLASSES = {'^[^<>[\\"]]*$': '^[^<>\\[\\]"]*$'}


def _patterns_in_json_schema_dialect(node):
    if isinstance(node, dict):
        return {
            key: JAVA_CLASSES.get(value, value) if key == "pattern" else _patterns_in_json_schema_dialect(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_patterns_in_json_schema_dialect(value) for value in node]
    return node


@pytest.fixture
def reference():
    return _links_as_documented(_patterns_in_json_schema_dialect(json.loads(REFERENCE.read_text())))


@pytest.fixture
def world():
    reseller = northwind()
    api_client, secret = make_client(reseller)
    v3 = V3(api_client, secret)
    created = v3.post("/v3/customers", customer_body(reseller))
    assert created.status_code == 201, created.content
    return {"v3": v3, "reseller": reseller, "customer_id": created.json()["customerId"], "created": created.json()}


def _headers(v3: V3) -> dict:
    headers = v3.headers()
    # Adobe's description names the bearer header "authorization" (an apiKey scheme): the same header.
    return {"Authorization": headers["Authorization"], "X-Api-Key": headers["X-Api-Key"]}


def _fuzz(operation, mode, *, world, statuses: Counter):
    @fuzz_settings(MAX_EXAMPLES)
    @given(case=operation.as_strategy(mode, headers=_headers(world["v3"])), data=st.data())
    def send(case, data):
        case.headers = {**(case.headers or {}), **_headers(world["v3"])}
        # Each generated write is a new request to the service, not a replay of the one before it.
        case.headers["X-Correlation-Id"] = str(uuid.uuid4())
        if case.path_parameters and "customer-id" in case.path_parameters and data.draw(st.booleans()):
            case.path_parameters["customer-id"] = world["customer_id"]
        response = case.call_and_validate(checks=CHECKS)
        statuses[response.status_code] += 1

    return send


def _without_patterns(node):
    """Adobe's name patterns use Unicode classes (\\p{L}) that Python's re cannot compile; the generated
    requests above still exercise them."""
    if isinstance(node, dict):
        return {key: _without_patterns(value) for key, value in node.items() if key != "pattern"}
    if isinstance(node, list):
        return [_without_patterns(value) for value in node]
    return node


def test_the_create_answer_is_adobes_account_resource(world, reference):
    definitions = _without_patterns(reference["definitions"])
    validator = jsonschema.Draft4Validator({**definitions["AccountResource"], "definitions": definitions})
    validator.validate(world["created"])
    fetched = world["v3"].get(f"/v3/customers/{world['customer_id']}")
    assert fetched.status_code == 200
    validator.validate(fetched.json())


def test_every_implemented_operation_answers_as_adobe_describes(wsgi_application, world, reference):
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(reference, config=config)
    schema.app = wsgi_application
    operations = [result.ok() for result in schema.get_all_operations()]
    implemented = [op for op in operations if (op.method.upper(), op.path) in IMPLEMENTED]
    assert {(op.method.upper(), op.path) for op in implemented} == IMPLEMENTED
    statuses: dict[str, Counter] = {}
    failures = []
    for operation in implemented:
        counts = statuses.setdefault(operation.label, Counter())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, world=world, statuses=counts)()
            except Unsatisfiable:
                # Nothing to make invalid (a GET whose one parameter is any string): no negative case exists.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation is tried
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    assert not failures, "\n\n".join(failures)
    # The generated requests reached the service, not only its refusals.
    assert all(sum(counts.values()) >= MAX_EXAMPLES for counts in statuses.values()), statuses
    assert any(200 <= status < 300 for counts in statuses.values() for status in counts), statuses
