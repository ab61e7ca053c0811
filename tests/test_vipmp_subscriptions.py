"""VIP Marketplace API: a customer's subscriptions (GET list and one, PATCH autoRenewal), the renewal order
types PREVIEW_RENEWAL and RENEWAL, and the auto-renewal of customers created through /v3 — request and answer
shapes from Adobe's documentation (our own values)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from authorizations import services as pa
from customers.models import Customer, CustomerEvent
from jobs import services as jobs
from licences.models import Holding
from renewals.models import AutoRenewal, AutoRenewalDefault, Renewal
from resellerconsole.audit import Source
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory
from tests.test_vipmp_support import CUSTOMERS_URL, V3, customer_body, make_client, northwind
from vipmp.models import ApiClientActor

pytestmark = pytest.mark.django_db
FIRST_ORDER = dt.date(2025, 3, 10)
ANNIVERSARY = dt.date(2026, 3, 10)
IN_WINDOW = ANNIVERSARY - dt.timedelta(days=10)


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def credentials(reseller):
    return make_client(reseller)


def api_at(credentials, day: dt.date) -> V3:
    """A client speaking on `day` (a token is good for a day, so each day fetches its own)."""
    with time_machine.travel(day, tick=False):
        return V3(*credentials)


@pytest.fixture
def world(reseller, credentials):
    """A customer created through /v3, then a purchase authorization and its order of 5 Photoshop (2 users)
    and 2 InDesign, so its anniversary is 2026-03-10."""
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign", unit_price="250.00")
    with time_machine.travel(FIRST_ORDER, tick=False):
        response = V3(*credentials).post(CUSTOMERS_URL, customer_body(reseller, companyProfile=commercial(reseller)))
        assert response.status_code == 201, response.content
        customer = Customer.objects.get(vip_id=response.json()["customerId"])
        sales = ApiClientActor.objects.get(reseller=reseller).user
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(photoshop, 5), pa.LineRequest(indesign, 2)],
            actor=sales,
        )
        pa.order_place(
            order_number="LWS-FIRST",
            order_date=FIRST_ORDER,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5), pa.OrderLineRequest(indesign.sku_new, 2)],
            actor=ResellerAdminFactory(reseller=reseller),
        )
        for n in range(2):
            pa.assignment_add(customer=customer, product=photoshop, email=f"user{n}@lakeside.example", actor=sales)
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY
    return customer, photoshop, indesign


def commercial(reseller) -> dict:
    profile = customer_body(reseller)["companyProfile"]
    profile["marketSegment"] = "COM"
    return profile


def holding(customer, product) -> Holding:
    return Holding.objects.get(customer=customer, product=product)


def subscriptions_url(customer, subscription_id=None) -> str:
    url = f"{CUSTOMERS_URL}/{customer.vip_id}/subscriptions"
    return url if subscription_id is None else f"{url}/{subscription_id}"


def orders_url(customer, query: str = "") -> str:
    return f"{CUSTOMERS_URL}/{customer.vip_id}/orders{query}"


def assert_refused(response, status: int, code: str, details=None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "additionalDetails"} and body["code"] == code, body
    if details is not None:
        assert body["additionalDetails"] == details
    return body


# ---------------------------------------------------------------------------
# GET subscriptions
# ---------------------------------------------------------------------------
def test_the_list_answers_adobes_subscription_resources(world, credentials):
    customer, photoshop, indesign = world
    api = api_at(credentials, IN_WINDOW)
    with time_machine.travel(IN_WINDOW, tick=False):
        body = api.get(subscriptions_url(customer)).json()
        one = api.get(subscriptions_url(customer, holding(customer, photoshop).pk)).json()

    ps, ind = holding(customer, photoshop), holding(customer, indesign)
    assert body["totalCount"] == 2
    assert body["links"]["self"] == {"uri": subscriptions_url(customer), "method": "GET", "headers": []}
    assert body["items"] == [
        {
            "subscriptionId": str(ind.pk),
            "offerId": indesign.sku_new,
            "currentQuantity": 2,
            "usedQuantity": 0,
            "autoRenewal": {"enabled": True, "renewalQuantity": 2},  # /v3's customers start with it on
            "creationDate": "2025-03-10T00:00:00Z",
            "renewalDate": "2026-03-10",
            "status": "1000",
            "currencyCode": "EUR",
            "links": {"self": {"uri": subscriptions_url(customer, ind.pk), "method": "GET", "headers": []}},
        },
        {
            "subscriptionId": str(ps.pk),
            "offerId": photoshop.sku_new,
            "currentQuantity": 5,
            "usedQuantity": 2,
            "autoRenewal": {"enabled": True, "renewalQuantity": 5},
            "creationDate": "2025-03-10T00:00:00Z",
            "renewalDate": "2026-03-10",
            "status": "1000",
            "currencyCode": "EUR",
            "links": {"self": {"uri": subscriptions_url(customer, ps.pk), "method": "GET", "headers": []}},
        },
    ]
    assert one == body["items"][1]


def test_a_console_customer_reads_with_auto_renewal_off(reseller, credentials):
    customer = ActiveCustomerFactory(reseller=reseller)
    Holding.objects.create(customer=customer, product=ProductFactory(), deployed=4)
    body = V3(*credentials).get(subscriptions_url(customer)).json()
    assert [item["autoRenewal"] for item in body["items"]] == [{"enabled": False, "renewalQuantity": 4}]
    assert not AutoRenewalDefault.objects.filter(customer=customer).exists()


def test_a_subscription_no_longer_held_is_inactive(world, credentials):
    customer, photoshop, _indesign = world
    Holding.objects.filter(customer=customer, product=photoshop).update(deployed=0)
    item = V3(*credentials).get(subscriptions_url(customer, holding(customer, photoshop).pk)).json()
    assert (item["status"], item["currentQuantity"]) == ("1004", 0)


@pytest.mark.parametrize("more", [0, 6])
def test_the_list_costs_the_same_queries_whatever_the_customer_holds(
    world, credentials, django_assert_num_queries, more
):
    customer, *_ = world
    api = V3(*credentials)
    api.get(subscriptions_url(customer))  # warm: the client's last use is written at most once a minute
    for _n in range(more):
        Holding.objects.create(customer=customer, product=ProductFactory(), deployed=3)
    # token + client, actor, customer, its VIP admins, creation dates, holdings (with auto-renewal), assignments,
    # renewal rows
    with django_assert_num_queries(8):
        assert len(api.get(subscriptions_url(customer)).json()["items"]) == 2 + more


@pytest.mark.parametrize("subscription_id", ["999999", "not-a-number", "0" * 30])
def test_an_unknown_subscription_is_3115(world, credentials, subscription_id):
    customer, *_ = world
    assert_refused(V3(*credentials).get(subscriptions_url(customer, subscription_id)), 404, "3115")


def test_another_customers_subscription_is_3115(world, credentials, reseller):
    customer, *_ = world
    other = ActiveCustomerFactory(reseller=reseller)
    theirs = Holding.objects.create(customer=other, product=ProductFactory(), deployed=1)
    api = V3(*credentials)
    assert_refused(api.get(subscriptions_url(customer, theirs.pk)), 404, "3115")
    assert_refused(api.patch(subscriptions_url(customer, theirs.pk), {"autoRenewal": {"enabled": False}}), 404, "3115")


# ---------------------------------------------------------------------------
# PATCH autoRenewal
# ---------------------------------------------------------------------------
def test_patch_changes_the_auto_renewal_through_the_service_on_the_marketplace_channel(world, credentials):
    customer, photoshop, _indesign = world
    api = V3(*credentials)
    url = subscriptions_url(customer, holding(customer, photoshop).pk)

    off = api.patch(url, {"autoRenewal": {"enabled": False}})
    assert off.status_code == 200, off.content
    assert off.json()["autoRenewal"] == {"enabled": False, "renewalQuantity": 5}
    seven = api.patch(url, {"autoRenewal": {"enabled": True, "renewalQuantity": 7}}, correlation_id="sub-7")
    assert seven.json()["autoRenewal"] == {"enabled": True, "renewalQuantity": 7}
    again = api.patch(url, {"autoRenewal": {"enabled": True, "renewalQuantity": 7}}, correlation_id="sub-7")
    assert again.json() == seven.json() and again["Idempotent-Replayed"] == "true"

    row = AutoRenewal.objects.get()
    assert (row.enabled, row.renewal_quantity) == (True, 7)
    events = customer.events.filter(kind=CustomerEvent.Kind.AUTO_RENEWAL_CHANGED).order_by("pk")
    assert events.count() == 2
    actor = ApiClientActor.objects.get(client__client_id=api.client_id).user
    assert {(e.source, e.source_detail, e.actor_id) for e in events} == {(Source.VIPMP, api.client_id, actor.pk)}


def test_patch_may_send_the_resource_back_as_read(world, credentials):
    customer, photoshop, _indesign = world
    api = V3(*credentials)
    url = subscriptions_url(customer, holding(customer, photoshop).pk)
    current = api.get(url).json()
    current["autoRenewal"] = {"enabled": True, "renewalQuantity": 4, "flexDiscountCodes": []}
    answer = api.patch(url, current)
    assert answer.status_code == 200, answer.content
    assert answer.json()["autoRenewal"]["renewalQuantity"] == 4


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({"autoRenewal": {"renewalQuantity": 10_001}}, "3116", ["autoRenewal.renewalQuantity"]),
        ({"autoRenewal": {"renewalQuantity": -1}}, "3116", ["autoRenewal.renewalQuantity"]),
        ({"autoRenewal": {"enabled": True, "flexDiscountCodes": ["SUMMER"]}}, "1117", None),
        ({"autoRenewal": {"enabled": True, "colour": "red"}}, "1121", ["autoRenewal.colour"]),
        ({"autoRenewal": {"enabled": True}, "currentQuantity": 99}, "1119", ["currentQuantity"]),
        ({"currentQuantity": 5}, "1122", ["autoRenewal"]),
    ],
)
def test_refused_patches_answer_adobes_codes(world, credentials, body, code, details):
    customer, photoshop, _indesign = world
    url = subscriptions_url(customer, holding(customer, photoshop).pk)
    assert_refused(V3(*credentials).patch(url, body), 400, code, details)
    assert not AutoRenewal.objects.exists()
    assert not customer.events.filter(kind=CustomerEvent.Kind.AUTO_RENEWAL_CHANGED).exists()


def test_an_inactive_subscription_is_not_editable(world, credentials):
    customer, photoshop, _indesign = world
    Holding.objects.filter(customer=customer, product=photoshop).update(deployed=0)
    url = subscriptions_url(customer, holding(customer, photoshop).pk)
    assert_refused(V3(*credentials).patch(url, {"autoRenewal": {"enabled": True}}), 400, "3119", ["subscriptionId"])


# ---------------------------------------------------------------------------
# PREVIEW_RENEWAL
# ---------------------------------------------------------------------------
def test_preview_renewal_answers_the_proposal_and_changes_nothing(world, credentials):
    customer, photoshop, indesign = world
    api = api_at(credentials, IN_WINDOW)
    events = CustomerEvent.objects.count()
    with time_machine.travel(IN_WINDOW, tick=False):
        response = api.post(orders_url(customer), {"orderType": "PREVIEW_RENEWAL"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["orderType"], body["orderId"], body["status"], body["customerId"]) == (
        "PREVIEW_RENEWAL",
        "",
        "",
        customer.vip_id,
    )
    assert "links" not in body and "pricingSummary" not in body
    assert body["lineItems"] == [
        {
            "extLineItemNumber": 1,
            "offerId": indesign.sku_renewal,
            "quantity": 2,
            "subscriptionId": str(holding(customer, indesign).pk),
            "status": "1000",
            "currencyCode": "EUR",
        },
        {
            "extLineItemNumber": 2,
            "offerId": photoshop.sku_renewal,
            "quantity": 5,
            "subscriptionId": str(holding(customer, photoshop).pk),
            "status": "1000",
            "currencyCode": "EUR",
        },
    ]
    assert not Renewal.objects.exists() and CustomerEvent.objects.count() == events


def test_preview_renewal_follows_the_auto_renewal_and_prices_12_months(world, credentials):
    customer, photoshop, _indesign = world
    api = api_at(credentials, IN_WINDOW)
    with time_machine.travel(IN_WINDOW, tick=False):
        url = subscriptions_url(customer, holding(customer, photoshop).pk)
        api.patch(url, {"autoRenewal": {"enabled": True, "renewalQuantity": 3}})
        body = api.post(orders_url(customer, "?fetch-price=true"), {"orderType": "PREVIEW_RENEWAL"}).json()

    indesign_line, photoshop_line = body["lineItems"]
    assert photoshop_line["quantity"] == 3
    assert photoshop_line["proratedDays"] == 365
    assert photoshop_line["pricing"] == {
        "partnerPrice": 100.0,
        "discountedPartnerPrice": 100.0,
        "netPartnerPrice": 100.0,
        "lineItemPartnerPrice": 300.0,
    }
    assert indesign_line["pricing"]["lineItemPartnerPrice"] == 500.0
    assert body["pricingSummary"] == [{"totalLineItemPartnerPrice": float(Decimal("800.00")), "currencyCode": "EUR"}]


def test_preview_renewal_with_line_items_checks_them_as_the_renewal_would(world, credentials):
    customer, photoshop, indesign = world
    api = V3(*credentials)
    one = {"extLineItemNumber": 1, "subscriptionId": str(holding(customer, photoshop).pk)}
    both = [one, {"extLineItemNumber": 2, "offerId": indesign.sku_new, "quantity": 1}]

    partial = api.post(orders_url(customer), {"orderType": "PREVIEW_RENEWAL", "lineItems": [one]})
    assert_refused(partial, 400, "1117", ["lineItems"])  # every held product is named, as in the console
    answer = api.post(orders_url(customer), {"orderType": "PREVIEW_RENEWAL", "lineItems": both}).json()
    assert [(ln["offerId"], ln["quantity"]) for ln in answer["lineItems"]] == [
        (photoshop.sku_renewal, 5),  # no quantity: the proposal's
        (indesign.sku_renewal, 1),
    ]


def test_preview_renewal_before_the_first_order_is_3121(reseller, credentials):
    api = V3(*credentials)
    customer_id = api.post(CUSTOMERS_URL, customer_body(reseller)).json()["customerId"]
    customer = Customer.objects.get(vip_id=customer_id)
    assert_refused(api.post(orders_url(customer), {"orderType": "PREVIEW_RENEWAL"}), 400, "3121", ["customerId"])


# ---------------------------------------------------------------------------
# RENEWAL
# ---------------------------------------------------------------------------
def renewal_request(customer, photoshop, indesign, *, photoshop_quantity=4) -> dict:
    return {
        "orderType": "RENEWAL",
        "externalReferenceId": "759",
        "currencyCode": "EUR",
        "lineItems": [
            {
                "extLineItemNumber": 1,
                "offerId": photoshop.sku_new,
                "subscriptionId": str(holding(customer, photoshop).pk),
                "quantity": photoshop_quantity,
            },
            {
                "extLineItemNumber": 2,
                "offerId": indesign.sku_renewal,
                "subscriptionId": str(holding(customer, indesign).pk),
                "quantity": 2,
            },
        ],
    }


def test_renewal_inside_the_window_renews_as_the_console_does(world, credentials):
    customer, photoshop, indesign = world
    api = api_at(credentials, IN_WINDOW)
    with time_machine.travel(IN_WINDOW, tick=False):
        response = api.post(orders_url(customer), renewal_request(customer, photoshop, indesign), correlation_id="r1")
        replay = api.post(orders_url(customer), renewal_request(customer, photoshop, indesign), correlation_id="r1")

    assert response.status_code == 201, response.content
    body = response.json()
    renewal = Renewal.objects.get()
    assert (body["orderType"], body["status"], body["orderId"]) == ("RENEWAL", "1000", renewal.order_number)
    assert len(renewal.order_number) == 10 and renewal.order_number.isdigit()
    assert body["externalReferenceId"] == "759" and body["customerId"] == customer.vip_id
    assert [(ln["extLineItemNumber"], ln["offerId"], ln["quantity"], ln["status"]) for ln in body["lineItems"]] == [
        (1, photoshop.sku_renewal, 4, "1000"),
        (2, indesign.sku_renewal, 2, "1000"),
    ]
    assert body["links"]["self"]["uri"] == f"/v3/customers/{customer.vip_id}/orders/{renewal.order_number}"
    assert replay.json() == body and replay["Idempotent-Replayed"] == "true"

    customer.refresh_from_db()
    # Placed as every /v3 write is: by the client's user at the customer's reseller, not entered by hand.
    actor = ApiClientActor.objects.get(client__client_id=api.client_id, reseller=customer.reseller).user
    assert customer.anniversary_date == dt.date(2027, 3, 10)
    assert (renewal.placed_by, renewal.entered_by_hand, renewal.automatic) == (actor, False, False)
    event = customer.events.get(kind=CustomerEvent.Kind.RENEWED)
    assert (event.source, event.source_detail, event.actor) == (Source.VIPMP, api.client_id, actor)
    assert holding(customer, photoshop).deployed == 4


def test_renewal_outside_the_window_is_3122(world, credentials):
    customer, photoshop, indesign = world
    early = ANNIVERSARY - dt.timedelta(days=60)
    api = api_at(credentials, early)
    with time_machine.travel(early, tick=False):
        response = api.post(orders_url(customer), renewal_request(customer, photoshop, indesign))
    assert_refused(response, 400, "3122")
    assert not Renewal.objects.exists()


@pytest.mark.parametrize(
    ("change", "code", "details"),
    [
        (lambda r: r["lineItems"].pop(), "1117", ["lineItems"]),  # a held product left out
        (lambda r: r["lineItems"][0].update(quantity=10_001), "2120", ["lineItems[0].quantity"]),
        (lambda r: r["lineItems"][0].update(offerId="99999999CA01A12"), "2122", ["lineItems[0].offerId"]),
        (lambda r: r["lineItems"][0].update(subscriptionId="424242"), "1117", ["lineItems[0].subscriptionId"]),
        (lambda r: r["lineItems"][1].update(extLineItemNumber=1), "2121", ["lineItems"]),
        (lambda r: r["lineItems"][0].update(currencyCode="USD"), "2128", ["lineItems[0].currencyCode"]),
        (lambda r: r["lineItems"][0].pop("quantity"), "1122", ["lineItems[0].quantity"]),
        (lambda r: r["lineItems"][0].update(flexDiscountCodes=["X"]), "1117", ["lineItems[0].flexDiscountCodes"]),
        (lambda r: r.pop("lineItems"), "1122", ["lineItems"]),
        (lambda r: r.update(orderType="SWITCH"), "1117", ["orderType"]),
        (lambda r: r.pop("orderType"), "1122", ["orderType"]),
    ],
)
def test_refused_renewals_answer_adobes_codes(world, credentials, change, code, details):
    customer, photoshop, indesign = world
    request = renewal_request(customer, photoshop, indesign)
    change(request)
    api = api_at(credentials, IN_WINDOW)
    with time_machine.travel(IN_WINDOW, tick=False):
        assert_refused(api.post(orders_url(customer), request), 400, code, details)
    assert not Renewal.objects.exists()


# ---------------------------------------------------------------------------
# Auto-renewal of a /v3 customer, on the anniversary
# ---------------------------------------------------------------------------
def test_the_job_renews_a_v3_customer_on_its_anniversary_at_its_auto_renewal_quantities(world, credentials):
    customer, photoshop, indesign = world
    with time_machine.travel(IN_WINDOW, tick=False):
        api = V3(*credentials)
        api.patch(subscriptions_url(customer, holding(customer, indesign).pk), {"autoRenewal": {"enabled": False}})
        api.patch(
            subscriptions_url(customer, holding(customer, photoshop).pk),
            {"autoRenewal": {"enabled": True, "renewalQuantity": 6}},
        )
    with time_machine.travel(ANNIVERSARY, tick=False):
        assert jobs.run_job("auto_renew_subscriptions", on=ANNIVERSARY)["renewed"] == 1
        assert jobs.run_job("auto_renew_subscriptions", on=ANNIVERSARY)["renewed"] == 0
        items = {item["offerId"]: item for item in V3(*credentials).get(subscriptions_url(customer)).json()["items"]}

    assert (items[photoshop.sku_new]["currentQuantity"], items[photoshop.sku_new]["renewalDate"]) == (6, "2027-03-10")
    assert (items[indesign.sku_new]["currentQuantity"], items[indesign.sku_new]["status"]) == (0, "1004")
    assert Renewal.objects.get().automatic
