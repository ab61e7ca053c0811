"""The query counts of part 3's /v3 endpoints at two sizes (a customer holding 2 products, or 8): PREVIEW_RENEWAL,
RENEWAL, one subscription read and patched. Each costs the same whatever the customer holds."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations import services as pa
from licences.models import Holding
from tests.factories import ProductFactory, ResellerAdminFactory
from tests.test_vipmp_subscriptions import (
    ANNIVERSARY,
    FIRST_ORDER,
    IN_WINDOW,
    api_at,
    credentials,  # noqa: F401 - fixtures
    holding,
    orders_url,
    reseller,  # noqa: F401
    subscriptions_url,
    world,  # noqa: F401
)
from vipmp.models import ApiClientActor

pytestmark = pytest.mark.django_db


def hold_more(customer, seller, count: int) -> list:
    """`count` more products, deployed and ordered the first day (so they are renewable like the others)."""
    if not count:
        return []
    products = [ProductFactory() for _n in range(count)]
    with time_machine.travel(FIRST_ORDER, tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(p, 2) for p in products],
            actor=ApiClientActor.objects.get(reseller=seller).user,
        )
        pa.order_place(
            order_number="LWS-MORE",
            order_date=FIRST_ORDER,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(p.sku_new, 2) for p in products],
            actor=ResellerAdminFactory(reseller=seller),
        )
    return products


def counted(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return len(queries), response


@pytest.mark.parametrize("more", [0, 6])
def test_renewal_orders_and_subscriptions_cost_the_same_whatever_the_customer_holds(
    world,  # noqa: F811
    credentials,  # noqa: F811
    reseller,  # noqa: F811
    more,
):
    customer, photoshop, indesign = world
    hold_more(customer, reseller, more)
    assert customer.anniversary_date == ANNIVERSARY
    api = api_at(credentials, IN_WINDOW)
    counts = {}
    with time_machine.travel(IN_WINDOW, tick=False):
        api.get(subscriptions_url(customer))  # warm: the client's last use is written at most once a minute
        counts["PREVIEW_RENEWAL"], preview = counted(
            lambda: api.post(orders_url(customer, "?fetch-price=true"), {"orderType": "PREVIEW_RENEWAL"})
        )
        assert preview.status_code == 200 and len(preview.json()["lineItems"]) == 2 + more
        one = subscriptions_url(customer, holding(customer, photoshop).pk)
        counts["GET subscription"], read = counted(lambda: api.get(one))
        assert read.status_code == 200
        counts["PATCH subscription"], patched = counted(
            lambda: api.patch(one, {"autoRenewal": {"enabled": True, "renewalQuantity": 4}})
        )
        assert patched.status_code == 200, patched.content
        lines = [
            {"extLineItemNumber": n, "offerId": ln["offerId"], "quantity": ln["quantity"]}
            for n, ln in enumerate(preview.json()["lineItems"], start=1)
        ]
        counts["RENEWAL"], renewed = counted(
            lambda: api.post(orders_url(customer), {"orderType": "RENEWAL", "currencyCode": "EUR", "lineItems": lines})
        )
        assert renewed.status_code == 201, renewed.content
    assert Holding.objects.filter(customer=customer, deployed__gt=0).count() == 2 + more
    print(f"\n/v3 part 3 queries, {2 + more} products held: {counts}")  # the figures for the report (-s)
    assert counts == EXPECTED


#: Measured, the same at 2 and at 8 products held (each with the token's and the client's reads, and a write's
#: idempotency record; RENEWAL is the renewal's own, through the order intake, plus the one lookup of the webhook
#: endpoints that might want its events).
EXPECTED = {"PREVIEW_RENEWAL": 26, "GET subscription": 8, "PATCH subscription": 24, "RENEWAL": 45}
