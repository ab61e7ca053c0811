"""Our own OpenAPI description of /v3 (vipmp/openapi-v3.yaml, served at /api/schema/v3/): it is a valid OpenAPI
document, it names every /v3 route with exactly the methods its view answers (and the token URL), and what our
answers look like matches it."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

from vipmp.schema import v3_description

pytestmark = pytest.mark.django_db
METHODS = {"get", "post", "patch", "put", "delete"}


def served() -> dict:
    response = Client().get("/api/schema/v3/")
    assert response.status_code == 200 and response["Content-Type"] == "application/vnd.oai.openapi+json"
    return response.json()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def routes() -> dict[str, set[str]]:
    """Every /v3 route (and the token URL) as an OpenAPI path, with the methods its view implements."""
    found: dict[str, set[str]] = {}

    def walk(entries, prefix=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and prefix in ("v3/", "ims/"):
                if entry.name == "vipmp-not-found":  # the catch-all: Adobe's 404 body for every other URL
                    continue
                # <str:customer_id> is Adobe's {customerId}
                path = (
                    "/"
                    + prefix
                    + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{" + camel(m.group(1)) + "}", str(entry.pattern))
                )
                view = getattr(entry.callback, "view_class", None)
                # The token URL is a function view taking POST.
                found[path] = {m for m in METHODS if hasattr(view, m)} if view is not None else {"post"}

    walk(get_resolver().url_patterns)
    return found


def test_the_description_is_served_beside_api_schema_and_is_valid_openapi():
    description = served()
    assert description == v3_description()
    validate(description)


def test_every_v3_route_is_described_with_the_methods_it_answers():
    described = {
        path: {method for method in operations if method in METHODS}
        for path, operations in v3_description()["paths"].items()
    }
    assert described == routes()
    assert "/v3/customers/{customerId}/subscriptions/{subscriptionId}" in described  # the walk saw part 3


def test_every_operation_documents_adobes_error_body():
    """Every refusal any /v3 URL may answer (credentials, throttling, unknown ids; on writes, bad input and a body
    that is not JSON), so that tests/test_vipmp_fuzz.py can hold the answers to the listed statuses."""
    for path, operations in v3_description()["paths"].items():
        for method, operation in operations.items():
            if method in METHODS and path.startswith("/v3/"):
                listed = set(operation["responses"])
                assert {"401", "403", "404", "429"} <= listed, f"{method} {path}"
                if method != "get":
                    assert {"400", "415"} <= listed, f"{method} {path}"
