"""Issue 14's Done-when: the console's history shows what /v3 placed — the order, its partial return, the
renewal order — like any other, each marked with its channel ("VIP Marketplace API"); the auto-renewal the daily
job places is marked as the job's, and as an auto-renewal."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from customers.models import Customer, CustomerEvent
from jobs import services as jobs
from licences.models import Holding
from resellerconsole.audit import Source
from tests.factories import ProductFactory, ResellerAdminFactory
from tests.test_vipmp_support import CUSTOMERS_URL, V3, customer_body, make_client, northwind

pytestmark = pytest.mark.django_db
FIRST_ORDER = dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC)
IN_WINDOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
NEXT_ANNIVERSARY = dt.date(2027, 3, 10)
Kind = CustomerEvent.Kind


def line(number, offer, quantity, **extra) -> dict:
    return {"extLineItemNumber": number, "offerId": offer, "quantity": quantity, "currencyCode": "EUR", **extra}


def history_entries(reseller, customer) -> list[str]:
    """The customer's history (Account activity, on the VIP details tab) as the reseller's admin reads it, one
    text per entry."""
    browser = Client()
    browser.force_login(ResellerAdminFactory(reseller=reseller))
    page = browser.get(reverse("customer-detail", args=[customer.pk]))
    assert page.status_code == 200
    items = re.findall(r"<li><time[^>]*>.*?</li>", page.content.decode(), flags=re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", item))).strip() for item in items]


def test_orders_returns_and_renewals_placed_through_v3_show_their_channel():
    reseller = northwind()
    photoshop = ProductFactory(name="Photoshop")
    credentials = make_client(reseller)
    with time_machine.travel(FIRST_ORDER, tick=False):
        api = V3(*credentials)
        body = customer_body(reseller)
        body["companyProfile"]["marketSegment"] = "COM"
        customer_id = api.post(CUSTOMERS_URL, body).json()["customerId"]
        orders = f"{CUSTOMERS_URL}/{customer_id}/orders"
        new = api.post(
            orders, {"orderType": "NEW", "currencyCode": "EUR", "lineItems": [line(1, photoshop.sku_new, 5)]}
        )
        assert new.status_code == 201, new.content
        given_back = api.post(
            orders,
            {
                "orderType": "RETURN",
                "currencyCode": "EUR",
                "referenceOrderId": new.json()["orderId"],
                "lineItems": [line(1, photoshop.sku_new, 2)],
            },
        )
        assert given_back.status_code == 201, given_back.content
    customer = Customer.objects.get(vip_id=customer_id)
    subscription = str(Holding.objects.get(customer=customer, product=photoshop).pk)
    with time_machine.travel(IN_WINDOW, tick=False):
        api = V3(*credentials)
        renewal = api.post(
            orders,
            {
                "orderType": "RENEWAL",
                "currencyCode": "EUR",
                "lineItems": [{"extLineItemNumber": 1, "subscriptionId": subscription, "quantity": 3}],
            },
        )
        assert renewal.status_code == 201, renewal.content
    with time_machine.travel(NEXT_ANNIVERSARY, tick=False):
        assert jobs.run_job("auto_renew_subscriptions", on=NEXT_ANNIVERSARY)["renewed"] == 1

    channel = {value: str(label) for value, label in Source.choices}
    by_kind = {
        kind: CustomerEvent.objects.filter(customer=customer, kind=kind).order_by("pk")
        for kind in (Kind.ORDER_PLACED, Kind.RETURN_REQUESTED, Kind.RENEWED)
    }
    assert [e.source for e in by_kind[Kind.ORDER_PLACED]] == [Source.VIPMP]
    assert [e.source for e in by_kind[Kind.RETURN_REQUESTED]] == [Source.VIPMP]
    assert [e.source for e in by_kind[Kind.RENEWED]] == [Source.VIPMP, Source.JOB]
    assert by_kind[Kind.ORDER_PLACED][0].source_detail == credentials[0].client_id

    entries = history_entries(reseller, customer)

    def shown(kind: str) -> list[str]:
        return [entry for entry in entries if f"· {Kind(kind).label} ·" in entry]

    assert [channel[Source.VIPMP] in entry for entry in shown(Kind.ORDER_PLACED)] == [True]
    assert [channel[Source.VIPMP] in entry for entry in shown(Kind.RETURN_REQUESTED)] == [True]
    automatic, by_order = shown(Kind.RENEWED)  # newest first
    assert channel[Source.VIPMP] in by_order and "auto-renewal" not in by_order
    assert channel[Source.JOB] in automatic and "(auto-renewal)" in automatic
