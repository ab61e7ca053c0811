"""Issue 14's Done-when: the console's history shows what /v3 placed — the order, its partial return, the
renewal order — like any other, each marked with its channel ("VIP Marketplace API"); the auto-renewal the daily
job places is marked as the job's, and as an auto-renewal. Account activity, the Order and authorization history's
cards (the PA, its order, each return) and the Renewal history's cards say it alike, in English and Swedish."""

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from authorizations.models import PurchaseAuthorization
from customers.models import Customer, CustomerEvent
from jobs import services as jobs
from licences.models import Holding
from renewals.models import Renewal
from resellerconsole.audit import Source
from tests.factories import ProductFactory, ResellerAdminFactory
from tests.test_vipmp_support import CUSTOMERS_URL, V3, customer_body, make_client, northwind
from vipmp.models import ApiClientActor

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


def place_through_v3():
    """Through /v3: a customer, a NEW order of 5 Photoshop, a RETURN of 2 of them, a RENEWAL in the window; then
    the auto-renewal job renews on the next anniversary. Returns (reseller, customer, credentials, photoshop)."""
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
    return reseller, customer, credentials, photoshop


def test_orders_returns_and_renewals_placed_through_v3_show_their_channel():
    reseller, customer, credentials, _photoshop = place_through_v3()

    channel = {value: str(label) for value, label in Source.choices}
    by_kind = {
        kind: CustomerEvent.objects.filter(customer=customer, kind=kind).order_by("pk")
        for kind in (Kind.ORDER_PLACED, Kind.RETURN_REQUESTED, Kind.RENEWED)
    }
    assert [e.source for e in by_kind[Kind.ORDER_PLACED]] == [Source.VIPMP]
    assert [e.source for e in by_kind[Kind.RETURN_REQUESTED]] == [Source.VIPMP]
    assert [e.source for e in by_kind[Kind.RENEWED]] == [Source.VIPMP, Source.JOB]
    assert by_kind[Kind.ORDER_PLACED][0].source_detail == credentials[0].client_id
    # Every /v3 write (the customer, NEW, RETURN, RENEWAL) has one actor: the client's user at the reseller.
    actor = ApiClientActor.objects.get(client=credentials[0], reseller=reseller).user
    by_v3 = customer.events.exclude(source=Source.JOB)
    assert {(e.source, e.source_detail, e.actor_id) for e in by_v3} == {
        (Source.VIPMP, credentials[0].client_id, actor.pk)
    }
    assert {r.placed_by for r in Renewal.objects.filter(customer=customer, automatic=False)} == {actor}

    entries = history_entries(reseller, customer)

    def shown(kind: str) -> list[str]:
        return [entry for entry in entries if f"· {Kind(kind).label} ·" in entry]

    assert [channel[Source.VIPMP] in entry for entry in shown(Kind.ORDER_PLACED)] == [True]
    assert [channel[Source.VIPMP] in entry for entry in shown(Kind.RETURN_REQUESTED)] == [True]
    automatic, by_order = shown(Kind.RENEWED)  # newest first
    assert channel[Source.VIPMP] in by_order and "auto-renewal" not in by_order
    assert channel[Source.JOB] in automatic and "(auto-renewal)" in automatic


# ---------------------------------------------------------------------------
# The history tabs' cards
# ---------------------------------------------------------------------------
def tab_cards(browser: Client, url_name: str, customer, language: str) -> list[str]:
    """The tab's cards (<article>) as a reader reads them, one text per card, in `language`."""
    page = browser.get(reverse(url_name, args=[customer.pk]), headers={"Accept-Language": language})
    assert page.status_code == 200
    articles = re.findall(r"<article.*?</article>", page.content.decode(), flags=re.S)
    return [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", article))).strip() for article in articles]


def console_order(browser: Client, customer, product) -> str:
    """A PA created in the console's dialog and its order recorded there by hand; returns the PA's reference."""
    created = browser.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        {
            "license_type": "team",
            "po_number": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "2",
            "action": "create",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    pa = PurchaseAuthorization.objects.get(customer=customer, lines__product=product)
    recorded = browser.post(
        reverse("order-record", args=[customer.pk, pa.pk]),
        {"order_number": "LWS-BY-HAND-1", "order_date": NEXT_ANNIVERSARY.isoformat()},
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    return pa.reference


WORDS = {
    # language: (the label, the /v3 client's channel, the job's auto-renewal, the console)
    "en": ("Channel", "VIP Marketplace API (client {client})", "Scheduled job (auto-renewal)", "Console"),
    "sv": ("Kanal", "VIP Marketplace-API (klient {client})", "Schemalagt jobb (automatisk förlängning)", "Konsolen"),
}


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_history_cards_say_each_orders_returns_and_renewals_channel(language):
    reseller, customer, credentials, photoshop = place_through_v3()
    admin = ResellerAdminFactory(reseller=reseller)
    with time_machine.travel(NEXT_ANNIVERSARY, tick=False):
        at_the_time = Client()
        at_the_time.force_login(admin)
        by_hand = console_order(at_the_time, customer, ProductFactory(name="Illustrator"))
    browser = Client()
    browser.force_login(admin)
    label, through_v3, job, console = WORDS[language]
    through_v3 = through_v3.format(client=credentials[0].client_id)

    history = tab_cards(browser, "customer-history", customer, language)
    (v3_card,) = [card for card in history if "Photoshop" in card]
    (console_card,) = [card for card in history if by_hand in card]
    # The PA and its order each say it in their facts; the partial return says it on its line.
    assert v3_card.count(f"{label} {through_v3}") == 2, v3_card
    assert re.search(rf"Photoshop × 2 \([^)]*\) · {label}: {re.escape(through_v3)}", v3_card), v3_card
    assert console_card.count(f"{label} {console}") == 2, console_card
    assert "VIP Marketplace" not in console_card

    renewals = tab_cards(browser, "customer-renewals", customer, language)
    automatic, renewed = renewals  # newest first: the job's, then the RENEWAL order's
    assert f"{label}: {job}" in automatic
    assert f"{label}: {through_v3}" in renewed
