"""Issue 12, item 18: every API refusal in one shape, every problem with a code, all problems of a request together.

{"code": ..., "message": ..., "errors": [{"field": "lines.0.quantity" | None, "code": ..., "message": ...}]}
"""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import api as authorizations_api
from authorizations import services
from authorizations.models import PurchaseAuthorization
from customers import api as customers_api
from licences.models import Holding
from renewals import api as renewals_api
from resellerconsole import errors
from resellerconsole.error_codes import CONFLICT_CODES, ERROR_CODES
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

PA_URL = "/api/v1/purchase-authorizations/"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def api(sales):
    client = APIClient()
    client.force_authenticate(sales)
    return client


@pytest.fixture
def customer(sales):
    return ActiveCustomerFactory(reseller=sales.reseller)


def assert_one_shape(response):
    """The shape itself: three keys, every problem with a registered code, the overall code derived from them."""
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["errors"] and isinstance(body["message"], str) and body["message"]
    for problem in body["errors"]:
        assert set(problem) == {"field", "code", "message"}, problem
        assert problem["code"] in ERROR_CODES, problem
        assert problem["field"] is None or isinstance(problem["field"], str)
    codes = {problem["code"] for problem in body["errors"]}
    assert body["code"] == (codes.pop() if len(codes) == 1 else "invalid")
    assert ERROR_CODES[body["code"]] == response.status_code or body["code"] == "invalid"
    return body


def test_two_bad_quantities_are_two_errors(api, customer):
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    body = {
        "customer": customer.pk,
        "license_type": "team",
        "lines": [{"sku": photoshop.sku_new, "quantity": 0}, {"sku": indesign.sku_new, "quantity": 10_001}],
    }

    response = api.post(PA_URL, body, format="json")

    assert response.status_code == 400
    body = assert_one_shape(response)
    assert body["code"] == "quantity_out_of_range"
    assert [(p["field"], p["code"]) for p in body["errors"]] == [
        ("lines.0.quantity", "quantity_out_of_range"),
        ("lines.1.quantity", "quantity_out_of_range"),
    ]
    assert not PurchaseAuthorization.objects.exists() and not Holding.objects.exists()


def test_different_problems_of_one_request_come_together_under_invalid(api, customer):
    device = ProductFactory(
        is_education_device_license=True, for_education=True, for_commercial=False, for_government=False
    )
    photoshop = ProductFactory(name="Photoshop")
    body = {
        "customer": customer.pk,
        "license_type": "team",
        "lines": [{"sku": device.sku_new, "quantity": 1}, {"sku": photoshop.sku_new, "quantity": 0}],
    }

    response = api.post(PA_URL, body, format="json")

    assert response.status_code == 400
    body = assert_one_shape(response)
    assert body["code"] == "invalid"
    assert [(p["field"], p["code"]) for p in body["errors"]] == [
        ("lines.0.product", "education_device_license"),
        ("lines.1.quantity", "quantity_out_of_range"),
    ]
    assert "2 problems" in body["message"]


def test_nested_serializer_errors_are_dotted_paths_with_drf_codes(api, customer):
    body = {
        "customer": customer.pk,
        "license_type": "gold",
        "lines": [{"sku": "X", "quantity": 1}, {"sku": "Y", "quantity": "five"}],
        "colour": "red",
    }

    misspelt = api.post(PA_URL, body, format="json")
    del body["colour"]
    response = api.post(PA_URL, body, format="json")

    # An undeclared field is refused before the fields are read; then every field's problems come together.
    assert misspelt.status_code == 400
    assert [(p["field"], p["code"]) for p in assert_one_shape(misspelt)["errors"]] == [("colour", "unknown_field")]
    assert response.status_code == 400
    problems = [(p["field"], p["code"]) for p in assert_one_shape(response)["errors"]]
    assert sorted(problems) == [("license_type", "invalid_choice"), ("lines.1.quantity", "invalid")]


def test_a_domain_error_names_its_field_and_code(api, customer):
    body = {"customer": customer.pk, "license_type": "team", "lines": [{"sku": "NOPE", "quantity": 1}]}

    response = api.post(PA_URL, body, format="json")

    body = assert_one_shape(response)
    assert response.status_code == 400
    assert body["errors"] == [
        {"field": "lines.0.product", "code": "unknown_product", "message": "There is no product with SKU NOPE."}
    ]
    assert body["message"] == "There is no product with SKU NOPE."


def test_a_conflict_is_409_with_its_code(api, customer):
    customer_pk = ActiveCustomerFactory(reseller=customer.reseller).pk
    first = api.post(f"/api/v1/customers/{customer_pk}/invitation/", {}, format="json")
    again = api.post(f"/api/v1/customers/{customer_pk}/invitation/", {}, format="json")
    assert first.status_code in (200, 201, 409)
    assert again.status_code == 409
    assert assert_one_shape(again)["code"] in CONFLICT_CODES


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"authenticated": False}, 401, "not_authenticated"),
        ({"token": "not-a-token"}, 401, "authentication_failed"),
        ({"role": User.Role.LICENSING_WEBSITE}, 403, "permission_denied"),
        ({"path": "/api/v1/customers/999999/"}, 404, "not_found"),
        ({"path": "/api/v1/customers/-1/"}, 404, "not_found"),  # no URL pattern: Django's 404, same shape
        ({"method": "put", "path": "/api/v1/orders/"}, 405, "method_not_allowed"),
        ({"method": "post", "body": "{not json"}, 400, "parse_error"),
        ({"method": "post", "body": "[]"}, 400, "invalid"),
        ({"method": "post", "body": "a=1", "content_type": "text/plain"}, 415, "unsupported_media_type"),
    ],
)
def test_http_refusals_have_the_same_shape(sales, request_kwargs, status, code):
    client = APIClient()
    if "token" in request_kwargs:
        client.credentials(HTTP_AUTHORIZATION=f"Token {request_kwargs['token']}")
    elif request_kwargs.get("authenticated", True):
        user = sales
        if "role" in request_kwargs:
            user = User.objects.create_user("lws", role=request_kwargs["role"])
        client.force_authenticate(user)
    method = request_kwargs.get("method", "get")
    path = request_kwargs.get("path", "/api/v1/customers/")
    extra = {}
    if "body" in request_kwargs:
        extra = {"data": request_kwargs["body"], "content_type": request_kwargs.get("content_type", "application/json")}

    response = getattr(client, method)(path, **extra)

    assert response.status_code == status, response.content
    body = assert_one_shape(response)
    assert body["code"] == code
    assert body["errors"][0]["field"] is None


def test_every_code_raised_in_the_source_is_registered():
    """A DomainError, ValidationError or Problem with a new code must add it to resellerconsole/error_codes.py."""
    sources = [
        path
        for path in ROOT.rglob("*.py")
        if not {"tests", ".venv", "migrations", "node_modules"} & set(path.relative_to(ROOT).parts)
    ]
    raised = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        raised |= set(re.findall(r"""\bcode=["']([a-z_]+)["']""", text))
        raised |= set(re.findall(r"""Problem\([^,()]*,\s*["']([a-z_]+)["']""", text))
    assert len(raised) > 40
    assert raised - set(ERROR_CODES) == set()


def _field_codes(field) -> set[str]:
    codes = set(field.error_messages) | {v.code for v in field.validators if getattr(v, "code", None)}
    if getattr(field, "child", None) is not None:
        codes |= _field_codes(field.child)
    if isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            codes |= _field_codes(child)
    return codes


def test_every_code_the_input_serializers_can_give_is_registered():
    codes = set()
    for module in (authorizations_api, customers_api, renewals_api):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, serializers.Serializer)
                and value.__module__ == module.__name__
            ):
                codes |= _field_codes(value())
    assert {"required", "max_value", "invalid_choice"} <= codes
    assert codes - set(ERROR_CODES) == set()


def test_the_schema_lists_the_codes_and_the_shape(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    error = schema["components"]["schemas"]["ErrorOutput"]
    assert set(error["required"]) == {"code", "message", "errors"}
    enum_ref = error["properties"]["code"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][enum_ref]["enum"]) == set(ERROR_CODES)
    create = schema["paths"][PA_URL]["post"]["responses"]
    for status in ("400", "401", "403", "404", "409", "415", "422"):
        assert create[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOutput"}


# --- DomainError keeps its API for the console and admin -----------------------------------------------------------
def test_domain_error_single_problem_api_is_unchanged():
    error = DomainError("Too many.", code="too_many_lines", field="lines")
    assert (error.code, error.field, error.message, str(error)) == ("too_many_lines", "lines", "Too many.", "Too many.")
    assert error.errors == {"lines": ["Too many."]}
    assert error.problems == [errors.Problem("lines", "too_many_lines", "Too many.")]


def test_domain_error_with_several_problems():
    error = DomainError.from_problems(
        [
            errors.Problem("lines.0.quantity", "quantity_out_of_range", "A."),
            errors.Problem("lines.1.quantity", "required", "B."),
        ]
    )
    assert error.code == "invalid" and error.field == "lines.0.quantity" and error.message == "A. B."
    assert error.errors == {"lines.0.quantity": ["A."], "lines.1.quantity": ["B."]}
    with pytest.raises(ValueError):
        DomainError.from_problems([])


def test_the_service_reports_every_bad_line(sales, customer):
    photoshop, indesign, acrobat = (ProductFactory(name=name) for name in ("Photoshop", "InDesign", "Acrobat"))
    lines = [
        services.LineRequest(photoshop, 0),
        services.LineRequest(indesign, 5),
        services.LineRequest(photoshop, 20_000),
        services.LineRequest(None, 1),
        services.LineRequest(acrobat, 10_001),
    ]

    with pytest.raises(DomainError) as refused:
        services.purchase_authorization_create(customer=customer, license_type="team", lines=lines, actor=sales)

    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("lines.0.quantity", "quantity_out_of_range"),
        ("lines.2.product", "repeated_product"),
        ("lines.2.quantity", "quantity_out_of_range"),
        ("lines.3.product", "required"),
        ("lines.4.quantity", "quantity_out_of_range"),
    ]
    assert not PurchaseAuthorization.objects.exists()


def test_the_console_shows_each_rows_error_at_its_row(sales_client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop, indesign, acrobat = (ProductFactory(name=name) for name in ("Photoshop", "InDesign", "Acrobat"))
    data = {
        "license_type": "team",
        "po_number": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": photoshop.pk,
        "lines-0-quantity": "10001",
        "lines-1-product": indesign.pk,
        "lines-1-quantity": "3",
        "lines-2-product": acrobat.pk,
        "lines-2-quantity": "20000",
        "action": "create",
    }

    response = sales_client.post(reverse("purchase-authorization-create", args=[customer.pk]), data)

    rows = response.context["lines"].forms
    assert [bool(row.errors) for row in rows] == [True, False, True]
    assert "from 1 to 10" in " ".join(rows[0].errors["quantity"]) and rows[2].errors["quantity"]
    assert not PurchaseAuthorization.objects.exists()


def test_message_text_reaches_the_client(api, customer):
    photoshop = ProductFactory(name="Photoshop")
    body = {"customer": customer.pk, "license_type": "team", "lines": [{"sku": photoshop.sku_new, "quantity": 10_001}]}
    response = api.post(PA_URL, body, format="json")
    assert "from 1 to 10,000" in json.dumps(response.json(), ensure_ascii=False)
