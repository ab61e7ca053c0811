"""The API for purchase authorizations, the LWS order intake and returns: same rules, same errors."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from authorizations.models import PurchaseAuthorization
from licences.models import Holding
from tests.error_shape import error_fields, error_messages
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sales):
    client = APIClient()
    client.force_authenticate(sales)
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    return client, customer, ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")


@pytest.fixture
def lws():
    client = APIClient()
    client.force_authenticate(User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE))
    return client


def create(client, customer, *lines, **extra):
    body = {
        "customer": customer.pk,
        "license_type": "team",
        "po_number": "PO-1",
        "lines": [{"sku": p.sku_new, "quantity": q} for p, q in lines],
    }
    body.update(extra)
    return client.post(reverse("api-purchase-authorization-list"), body, format="json")


def test_create_list_and_show(world):
    client, customer, photoshop, indesign = world
    created = create(client, customer, (photoshop, 5), (indesign, 2))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "pending" and body["days_left"] == 30 and len(body["lines"]) == 2

    listed = client.get(reverse("api-purchase-authorization-list"), {"customer": customer.pk})
    shown = client.get(reverse("api-purchase-authorization-detail", args=[body["id"]]))
    assert listed.json()["count"] == 1
    assert shown.json()["reference"] == body["reference"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b, p: b.update(lines=[{"sku": "NOPE", "quantity": 1}]), "lines.0.product"),
        (lambda b, p: b.update(lines=[{"sku": p.sku_new, "quantity": 0}]), "lines.0.quantity"),
        (lambda b, p: b.update(lines=[{"sku": p.sku_new, "quantity": 1}] * 2), "lines.1.product"),
        (lambda b, p: b.update(lines=[{"sku": p.sku_new, "quantity": 10**30}]), "lines.0.quantity"),
        (lambda b, p: b.update(lines=[]), "lines"),
        (lambda b, p: b.update(po_number="bad po!"), "po_number"),
        (lambda b, p: b.update(license_type="gold"), "license_type"),
        (lambda b, p: b.update(customer="x"), "customer"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, mutate, field):
    client, customer, photoshop, _ = world
    body = {"customer": customer.pk, "license_type": "team", "lines": [{"sku": photoshop.sku_new, "quantity": 1}]}
    mutate(body, photoshop)
    response = client.post(reverse("api-purchase-authorization-list"), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in error_fields(response)
    assert not PurchaseAuthorization.objects.exists() and not Holding.objects.exists()


def test_other_resellers_customer_is_404(world):
    client, _customer, photoshop, _ = world
    other = ActiveCustomerFactory()
    assert create(client, other, (photoshop, 1)).status_code == 404
    assert client.get(reverse("api-purchase-authorization-list"), {"customer": other.pk}).status_code == 404


def test_withdraw_and_remove_products(world):
    client, customer, photoshop, indesign = world
    pa = create(client, customer, (photoshop, 5), (indesign, 2)).json()

    removed = client.post(
        reverse("api-purchase-authorization-remove-products", args=[pa["id"]]),
        {"products": [indesign.sku_new]},
        format="json",
    )
    withdrawn = client.post(reverse("api-purchase-authorization-withdraw", args=[pa["id"]]))
    again = client.post(reverse("api-purchase-authorization-withdraw", args=[pa["id"]]))

    assert removed.status_code == 200 and removed.json()["lines"][1]["removed_at"]
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_withdraw_refused_while_users_hold_licences(world, sales):
    from authorizations.services import assignment_add

    client, customer, photoshop, _ = world
    pa = create(client, customer, (photoshop, 1)).json()
    assignment_add(customer=customer, product=photoshop, email="held@c.example", actor=sales)
    response = client.post(reverse("api-purchase-authorization-withdraw", args=[pa["id"]]))
    assert response.status_code == 400
    assert response.json()["code"] == "licences_assigned"
    assert "held@c.example" in error_messages(response, None)[0]


def test_lws_order_intake_is_idempotent(world, lws):
    client, customer, photoshop, _ = world
    pa = create(client, customer, (photoshop, 5)).json()
    body = {
        "order_number": "LWS-100",
        "order_date": pa["deployed_at"][:10],
        "purchase_authorization": pa["reference"],
        "lines": [{"sku": photoshop.sku_new, "quantity": 5}],
    }
    first = lws.post(reverse("api-order-intake"), body, format="json")
    retry = lws.post(reverse("api-order-intake"), body, format="json")
    conflict = lws.post(
        reverse("api-order-intake"), {**body, "lines": [{"sku": photoshop.sku_new, "quantity": 4}]}, format="json"
    )
    assert first.status_code == 201, first.json()
    assert retry.status_code == 200 and retry.json() == first.json()
    assert conflict.status_code == 409 and conflict.json()["code"] == "order_number_conflict"
    assert first.json()["duration_months_proposed"] == 12


@pytest.mark.parametrize(
    ("change", "status_code", "code"),
    [
        ({"purchase_authorization": "PA99999999"}, 400, "unknown_purchase_authorization"),
        ({"lines": []}, 400, "lines_mismatch"),
        ({"order_date": "2999-01-01"}, 400, "future_date"),
    ],
)
def test_order_refusals(world, lws, change, status_code, code):
    client, customer, photoshop, _ = world
    pa = create(client, customer, (photoshop, 5)).json()
    body = {
        "order_number": "LWS-200",
        "order_date": pa["deployed_at"][:10],
        "purchase_authorization": pa["reference"],
        "lines": [{"sku": photoshop.sku_new, "quantity": 5}],
        **change,
    }
    response = lws.post(reverse("api-order-intake"), body, format="json")
    assert response.status_code == status_code
    assert response.json()["code"] == code


def test_the_lws_token_only_places_orders(lws):
    assert lws.get(reverse("api-customer-list")).status_code == 403
    assert lws.get(reverse("api-purchase-authorization-list"), {"customer": 1}).status_code == 403


def test_console_users_cannot_order_other_resellers_pas(world):
    client, _customer, photoshop, _ = world
    other_sales = SalesFactory()
    other_client = APIClient()
    other_client.force_authenticate(other_sales)
    other_pa = create(other_client, ActiveCustomerFactory(reseller=other_sales.reseller), (photoshop, 1)).json()
    response = client.post(
        reverse("api-order-intake"),
        {
            "order_number": "X",
            "order_date": other_pa["deployed_at"][:10],
            "purchase_authorization": other_pa["reference"],
            "lines": [{"sku": photoshop.sku_new, "quantity": 1}],
        },
        format="json",
    )
    # Orders through the API are the licensing website's alone (issue 12): refused before anything is looked up.
    assert response.status_code == 403


def test_duration_and_return(world, lws):
    client, customer, photoshop, _ = world
    pa = create(client, customer, (photoshop, 5)).json()
    order = lws.post(
        reverse("api-order-intake"),
        {
            "order_number": "LWS-300",
            "order_date": pa["deployed_at"][:10],
            "purchase_authorization": pa["reference"],
            "lines": [{"sku": photoshop.sku_new, "quantity": 5}],
        },
        format="json",
    ).json()

    duration = client.post(reverse("api-order-duration", args=[order["id"]]), {"duration_months": 7}, format="json")
    too_long = client.post(reverse("api-order-duration", args=[order["id"]]), {"duration_months": 13}, format="json")
    returned = client.post(
        reverse("api-order-returns", args=[order["id"]]), {"lines": [order["lines"][0]["id"]]}, format="json"
    )

    assert duration.json()["duration_months"] == 7
    assert too_long.status_code == 400 and "duration_months" in error_fields(too_long)
    assert returned.status_code == 200 and returned.json()["lines"][0]["returned"] is True
    assert Holding.objects.get(customer=customer, product=photoshop).deployed == 0


def test_the_schema_describes_every_endpoint_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
