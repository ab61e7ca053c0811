"""/v3 against our own OpenAPI description of it (vipmp/openapi-v3.yaml, served at /api/schema/v3/): schemathesis
sends generated requests — positive, negative, and positive with the ids of real customers, orders and
subscriptions (ours, another reseller's, missing ones) — to every operation the description names, the token URL
included. None may answer a server error, a status the operation does not list, or a body its schema does not
describe, and a foreign or missing id is 404 with Adobe's code; first, one accepted request per operation is
checked the same way, so every kind of success answer is, and refused credentials at the end.
tests/test_vipmp_conformance.py does the same against Adobe's description."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from authorizations import services as pa
from idempotency.middleware import KEY_PATTERN
from licences.models import Holding
from renewals import services as renewal_services
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, ResellerFactory
from tests.fuzzing import CHECKS, fuzz_settings
from tests.test_vipmp_support import TOKEN_URL, V3, customer_body, make_client, northwind
from vipmp.models import ApiClientActor

pytestmark = pytest.mark.django_db

#: Examples per operation and kind of data (three kinds, eleven operations: about 1,500 requests, ~100 s).
MAX_EXAMPLES = 50
KINDS = [(GenerationMode.POSITIVE, False), (GenerationMode.NEGATIVE, False), (GenerationMode.POSITIVE, True)]
MISSING_CUSTOMER = "0123456789ABCDEF0123"
#: Values that reach the services with the real references (and a few they refuse).
CURRENCIES = ["EUR", "EUR", "USD"]  # the products are sold in EUR
LANGUAGES = ["en-US", "sv-SE", "sv", "de-DE"]
COUNTRIES = ["SE", "SWE", "NO", "XX"]
#: Mostly quantities an order may have, else one at or past every limit (and past the database's integers).
QUANTITIES = st.integers(min_value=1, max_value=12) | st.sampled_from([0, -1, 200_001, 2**63])


@pytest.fixture
def wsgi_application(world):
    """The project's WSGI handler, inside the test's transaction (after `world`: see test_vipmp_conformance)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _first_order(customer, products, *, number: str, day) -> None:
    """A purchase authorization and its order placed outside /v3 (the licensing website's), on `day`."""
    actor = ResellerAdminFactory(reseller=customer.reseller)
    with time_machine.travel(day, tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(product, quantity) for product, quantity in products],
            actor=actor,
        )
        pa.order_place(
            order_number=number,
            order_date=day,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(product.sku_new, quantity) for product, quantity in products],
            actor=actor,
        )


@pytest.fixture
def world():
    """Customers of the client's reseller at every stage — created through /v3 with a NEW order and a partial
    return today, one in its renewal window (first order 355 days ago, a user assigned), one with a pending
    purchase authorization — and another reseller's customer with an order and subscriptions."""
    reseller, stranger_reseller = northwind(), ResellerFactory(name="Southwind AB", partner_id="SW-2002")
    api_client, secret = make_client(reseller)
    v3 = V3(api_client, secret)
    photoshop = ProductFactory(name="Photoshop", sku_new="65304479CA01A12", sku_renewal="65304479CA02A12")
    indesign = ProductFactory(name="InDesign", sku_new="65304482CA01A12", sku_renewal="65304482CA02A12")
    acrobat = ProductFactory(name="Acrobat Pro", license_type="enterprise", sku_new="65304481EA01A12")
    today = timezone.localdate()

    profile = customer_body(reseller)["companyProfile"]
    profile["marketSegment"] = "COM"
    created = v3.post("/v3/customers", customer_body(reseller, companyProfile=profile))
    assert created.status_code == 201, created.content
    ordering = created.json()["customerId"]
    lines = [
        {"extLineItemNumber": 1, "offerId": photoshop.sku_new, "quantity": 6, "currencyCode": "EUR"},
        {"extLineItemNumber": 2, "offerId": indesign.sku_new, "quantity": 2, "currencyCode": "EUR"},
    ]
    orders = f"/v3/customers/{ordering}/orders"
    new = v3.post(orders, {"orderType": "NEW", "currencyCode": "EUR", "lineItems": lines})
    assert new.status_code == 201, new.content
    order_id = new.json()["orderId"]
    returned = {"orderType": "RETURN", "referenceOrderId": order_id, "currencyCode": "EUR"}
    returned["lineItems"] = [{**lines[0], "quantity": 1}]
    a_return = v3.post(orders, returned)
    assert a_return.status_code == 201, a_return.content

    renewing = ActiveCustomerFactory(reseller=reseller, company_name="Renewing Studio AB")
    _first_order(renewing, [(photoshop, 5), (indesign, 2)], number="FIRST-1", day=today - timedelta(days=355))
    sales = ApiClientActor.objects.get(reseller=reseller).user
    pa.assignment_add(customer=renewing, product=photoshop, email="user@renewing.example", actor=sales)
    renewal_services.refresh_renewal_overview(on=today)
    pending = ActiveCustomerFactory(reseller=reseller, company_name="Pending Works AB")
    pa.purchase_authorization_create(
        customer=pending, license_type="team", lines=[pa.LineRequest(photoshop, 3)], actor=sales
    )
    stranger = ActiveCustomerFactory(reseller=stranger_reseller, company_name="Their Customer AB")
    _first_order(stranger, [(indesign, 4)], number="THEIRS-1", day=today)

    holdings = Holding.objects.order_by("pk").values_list("pk", "customer__vip_id")
    return_id = a_return.json()["orderId"]
    return {
        "v3": v3,
        "client": (api_client.client_id, secret),
        "ordering": ordering,
        "renewing": renewing,
        "order_id": order_id,
        "photoshop": photoshop,
        "indesign": indesign,
        "customer_ids": [ordering, renewing.vip_id, pending.vip_id, stranger.vip_id, MISSING_CUSTOMER],
        "order_ids": [order_id, return_id, "FIRST-1", "THEIRS-1", "VM99999999", "RA-999999"],
        "subscription_ids": [str(pk) for pk, _vip_id in holdings] + ["999999999", "not-a-number"],
        # What each of the client's customers may see; everything else is 404 for it.
        "orders_of": {ordering: {order_id, return_id}, renewing.vip_id: {"FIRST-1"}},
        "subscriptions_of": {
            vip_id: {str(pk) for pk, holder in holdings if holder == vip_id}
            for vip_id in (ordering, renewing.vip_id, pending.vip_id)
        },
        "reseller_ids": [reseller.partner_id, stranger_reseller.partner_id, "NO-SUCH"],
        "offer_ids": [photoshop.sku_new, indesign.sku_new, acrobat.sku_new, photoshop.sku_renewal, "65304400XX"],
    }


def _headers(world) -> dict:
    headers = world["v3"].headers()
    return {"Authorization": headers["Authorization"], "X-Api-Key": headers["X-Api-Key"]}


def _use_real_references(case, data, world) -> None:
    """Ids of real objects (ours, another reseller's, missing) in the path and the body, so generated requests
    reach the services and the tenancy checks instead of stopping at "no such customer"."""
    parameters = case.path_parameters or {}
    for name, key in (("customerId", "customer_ids"), ("orderId", "order_ids"), ("subscriptionId", "subscription_ids")):
        if name in parameters:
            parameters[name] = data.draw(st.sampled_from(world[key]))
    if case.operation.path == TOKEN_URL:
        client_id, secret = world["client"]
        case.body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        return
    if isinstance(case.query, dict) and "reseller-id" in case.query:
        case.query["reseller-id"] = data.draw(st.sampled_from(world["reseller_ids"]))
    body = case.body
    if not isinstance(body, dict):
        return
    for name, choices in (
        ("resellerId", world["reseller_ids"]),
        ("referenceOrderId", world["order_ids"]),
        ("currencyCode", CURRENCIES),
    ):
        if name in body:
            body[name] = data.draw(st.sampled_from(choices))
    profile = body.get("companyProfile")
    if isinstance(profile, dict):
        if "preferredLanguage" in profile:
            profile["preferredLanguage"] = data.draw(st.sampled_from(LANGUAGES))
        if isinstance(profile.get("address"), dict) and "country" in profile["address"]:
            profile["address"]["country"] = data.draw(st.sampled_from(COUNTRIES))
    renewal = body.get("autoRenewal")
    if isinstance(renewal, dict) and "renewalQuantity" in renewal:
        renewal["renewalQuantity"] = data.draw(st.none() | QUANTITIES)
    for line in body.get("lineItems") or []:
        for name, choices in (
            ("offerId", st.sampled_from(world["offer_ids"])),
            ("subscriptionId", st.sampled_from(world["subscription_ids"])),
            ("quantity", QUANTITIES),
            ("currencyCode", st.sampled_from(CURRENCIES)),
        ):
            if isinstance(line, dict) and name in line:
                line[name] = data.draw(choices)


def _fuzz(operation, mode, *, real_references: bool, world, statuses: Counter):
    @fuzz_settings(MAX_EXAMPLES)
    @given(case=operation.as_strategy(mode, headers=_headers(world)), data=st.data())
    def send(case, data):
        case.headers = {**(case.headers or {}), **_headers(world)}
        # A generated X-Correlation-Id repeats across examples (4119: reused for another request): a valid one
        # is replaced by a fresh one so that the request reaches the service; a malformed one is kept (4119).
        generated = case.headers.get("X-Correlation-Id")
        if generated is None or real_references or KEY_PATTERN.fullmatch(generated):
            case.headers["X-Correlation-Id"] = str(uuid.uuid4())
        if real_references:
            _use_real_references(case, data, world)
        response = case.call_and_validate(checks=CHECKS)
        statuses[response.status_code] += 1
        if real_references:
            _assert_tenancy(case, response, world)

    return send


def _assert_tenancy(case, response, world) -> None:
    """Another reseller's customer, a missing one, and an order or subscription of another customer are 404 with
    Adobe's code for what is missing; what is the customer's own is read (200)."""
    parameters = case.path_parameters or {}
    customer = parameters.get("customerId")
    if customer is None:
        return
    expected = None
    if customer not in world["subscriptions_of"]:
        expected = "1116"
    elif "orderId" in parameters and parameters["orderId"] not in world["orders_of"].get(customer, ()):
        expected = "2115"
    elif "subscriptionId" in parameters and parameters["subscriptionId"] not in world["subscriptions_of"][customer]:
        expected = "3115"
    label = f"{case.operation.label} {parameters}"
    if expected is not None:
        assert (response.status_code, response.json()["code"]) == (404, expected), (label, response.text)
    else:  # the customer's own: found (a RETURN of another customer's order is 2115)
        assert response.status_code < 300 or response.json()["code"] not in ("1116", "3115"), (label, response.text)


def _known_good_requests(world) -> list[tuple[str, str, dict, dict, dict | None]]:
    """One accepted request per operation, so each success answer is checked against the description:
    (method, path, path parameters, query, body)."""
    ordering, renewing = world["ordering"], world["renewing"]
    photoshop, indesign = world["photoshop"], world["indesign"]
    line = {"extLineItemNumber": 1, "offerId": photoshop.sku_new, "quantity": 2, "currencyCode": "EUR"}
    own = {h.product_id: str(h.pk) for h in Holding.objects.filter(customer=renewing)}
    renewal_lines = [
        {"extLineItemNumber": 1, "subscriptionId": own[photoshop.pk], "quantity": 4},
        {"extLineItemNumber": 2, "subscriptionId": own[indesign.pk], "quantity": 2},
    ]
    customer = {"customerId": ordering}
    subscription = {"customerId": renewing.vip_id, "subscriptionId": own[photoshop.pk]}
    orders = "/v3/customers/{customerId}/orders"
    client_id, secret = world["client"]
    new_customer = customer_body(world["renewing"].reseller)
    new_customer["companyProfile"]["companyName"] = "Fjällkonsult AB"
    return [
        (
            "POST",
            TOKEN_URL,
            {},
            {},
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        ),
        ("POST", "/v3/customers", {}, {}, new_customer),
        ("GET", "/v3/customers/{customerId}", customer, {}, None),
        ("PATCH", "/v3/customers/{customerId}", customer, {}, {"companyProfile": {"address": {"city": "Umeå"}}}),
        (
            "POST",
            orders,
            customer,
            {"fetch-price": True},
            {"orderType": "PREVIEW", "currencyCode": "EUR", "lineItems": [line]},
        ),
        ("POST", orders, customer, {}, {"orderType": "NEW", "currencyCode": "EUR", "lineItems": [line]}),
        (
            "POST",
            orders,
            customer,
            {},
            {
                "orderType": "RETURN",
                "referenceOrderId": world["order_id"],
                "currencyCode": "EUR",
                "lineItems": [{**line, "quantity": 1}],
            },
        ),
        ("POST", orders, {"customerId": renewing.vip_id}, {"fetch-price": True}, {"orderType": "PREVIEW_RENEWAL"}),
        ("POST", orders, {"customerId": renewing.vip_id}, {}, {"orderType": "RENEWAL", "lineItems": renewal_lines}),
        ("GET", orders, customer, {"limit": 1}, None),
        ("GET", orders + "/{orderId}", {**customer, "orderId": world["order_id"]}, {}, None),
        ("GET", "/v3/customers/{customerId}/subscriptions", {"customerId": renewing.vip_id}, {}, None),
        ("GET", "/v3/customers/{customerId}/subscriptions/{subscriptionId}", subscription, {}, None),
        (
            "PATCH",
            "/v3/customers/{customerId}/subscriptions/{subscriptionId}",
            subscription,
            {},
            {"autoRenewal": {"enabled": True, "renewalQuantity": 5}},
        ),
        ("GET", "/v3/notifications", {}, {"notification-type": "LICENSES_PENDING_PARTNER_ORDER", "limit": 1}, None),
    ]


def test_every_operation_answers_as_our_description_says(wsgi_application, world):
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_wsgi("/api/schema/v3/", wsgi_application, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: dict[str, Counter] = {}
    failures = []
    started = time.monotonic()
    for method, path, path_parameters, query, body in _known_good_requests(world):
        operation = schema[path][method]
        headers = {**_headers(world), "X-Correlation-Id": str(uuid.uuid4())}
        extra = {"body": body, "media_type": "application/json"} if body is not None else {}
        if path == TOKEN_URL:
            extra["media_type"] = "application/x-www-form-urlencoded"
        case = operation.Case(path_parameters=path_parameters, query=query, headers=headers, **extra)
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code in (200, 201), (operation.label, response.text)
        statuses.setdefault(operation.label, Counter())[response.status_code] += 1
    for operation in operations:
        counts = statuses.setdefault(operation.label, Counter())
        for mode, real_references in KINDS:
            try:
                _fuzz(operation, mode, real_references=real_references, world=world, statuses=counts)()
            except Unsatisfiable:
                # Nothing to make invalid (every parameter any string): no negative case exists.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - every operation is tried
                failures.append(f"{operation.label} ({mode.value}, real references: {real_references}): {error}")
    elapsed = time.monotonic() - started
    print(
        f"\n{sum(sum(c.values()) for c in statuses.values())} requests, {len(operations)} operations, {elapsed:.1f} s"
    )
    for label, counts in statuses.items():
        print(f"  {label}: {dict(sorted(counts.items()))}")
    assert len(operations) == 11
    assert not failures, "\n\n".join(failures)
    # The generated requests reached the services, not only their refusals.
    assert all(sum(counts.values()) >= MAX_EXAMPLES for counts in statuses.values()), statuses


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 403, "4115"),  # no X-Api-Key
        ({"X-Api-Key": "any"}, 403, "4117"),  # no bearer token
        ({"X-Api-Key": "any", "Authorization": "Bearer not-a-token"}, 401, "4116"),
    ],
)
def test_refused_credentials_answer_as_described(wsgi_application, world, headers, status, code):
    """The generated requests above all carry good credentials; refused ones answer what every operation lists."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/v3/", wsgi_application)
    for method, path, path_parameters, query, body in _known_good_requests(world):
        if path == TOKEN_URL:
            continue
        operation = schema[path][method]
        extra = {"body": body, "media_type": "application/json"} if body is not None else {}
        headers = {**headers, "X-Correlation-Id": str(uuid.uuid4())}
        case = operation.Case(path_parameters=path_parameters, query=query, headers=headers, **extra)
        response = case.call_and_validate(checks=CHECKS)
        assert (response.status_code, response.json()["code"]) == (status, code), operation.label
