"""What the /v3 order tests share: a reseller with a client, a customer of it, products, and order requests in the
shapes Adobe documents (create-order.md, order-scenarios.md: NEW, PREVIEW, RETURN) with our own values."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory
from tests.test_vipmp_support import V3, make_client, northwind
from vipmp.models import ApiClientActor


def orders_url(customer_id: str) -> str:
    return f"/v3/customers/{customer_id}/orders"


def order_url(customer_id: str, order_id: str) -> str:
    return f"/v3/customers/{customer_id}/orders/{order_id}"


def line_item(number: int, product, quantity: int, **extra) -> dict:
    return {"extLineItemNumber": number, "offerId": product.sku_new, "quantity": quantity, **extra}


def order_body(order_type: str, *lines: dict, currency: str = "EUR", **extra) -> dict:
    """As Adobe's samples: the order's currencyCode and each line's too."""
    return {
        "orderType": order_type,
        "externalReferenceId": "PO-759",
        "currencyCode": currency,
        "lineItems": [{"currencyCode": currency, **line} for line in lines],
        **extra,
    }


def return_body(reference_order_id: str, *lines: dict, **extra) -> dict:
    return order_body("RETURN", *lines, referenceOrderId=reference_order_id, **extra)


def assert_refused(response, status: int, code: str, details=None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "additionalDetails"}, body
    assert body["code"] == code and body["message"], body
    if details is not None:
        assert body["additionalDetails"] == details, body
    return body


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def api(reseller):
    return V3(*make_client(reseller))


@pytest.fixture
def actor(api, reseller):
    """The user the client acts as at the reseller (the history names it)."""
    return ApiClientActor.objects.get(client__client_id=api.client_id, reseller=reseller).user


@pytest.fixture
def customer(reseller):
    return ActiveCustomerFactory(reseller=reseller, company_name="Harbour Design AB")


@pytest.fixture
def products(db):
    """Two Team products (yearly 120.00 and 365.00 EUR) and an Enterprise one."""
    return (
        ProductFactory(name="Photoshop", sku_new="65304479CA01A12", sku_renewal="65304479CA02A12", unit_price="120.00"),
        ProductFactory(
            name="Illustrator", sku_new="65304480CA01A12", sku_renewal="65304480CA02A12", unit_price="365.00"
        ),
        ProductFactory(
            name="Acrobat Pro",
            license_type="enterprise",
            sku_new="65304481EA01A12",
            sku_renewal="65304481EA02A12",
            unit_price="240.00",
        ),
    )


@pytest.fixture
def lws(db):
    """The licensing website's user (orders placed outside /v3)."""
    return User.objects.create_user("lws-orders", role=User.Role.LICENSING_WEBSITE)


@pytest.fixture
def sales_client_for(client):
    """The console, signed in as a Sales user of the customer's reseller."""

    def signed_in(customer):
        client.force_login(SalesFactory(reseller=customer.reseller))
        return client

    return signed_in
