"""VIP Marketplace API orders: PREVIEW (our price calculator, nothing changes) and NEW (a purchase authorization
and its order at once), in Adobe's request and response shapes, refused with Adobe's codes."""
# ruff: noqa: F811 - the shared fixtures are imported, and named again as the tests' arguments

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations import pricing
from authorizations import services as pa_services
from authorizations.models import Order, PurchaseAuthorization
from catalogue.models import Product
from customers.models import CustomerEvent, CustomerStatus
from licences.models import Holding
from resellerconsole.audit import Source
from tests.factories import ActiveCustomerFactory, ProductFactory
from tests.test_vipmp_orders_support import (  # noqa: F401 - fixtures among them
    actor,
    api,
    assert_refused,
    customer,
    line_item,
    order_body,
    orders_url,
    products,
    reseller,
    return_body,
    sales_client_for,
)

pytestmark = pytest.mark.django_db

#: A customer whose anniversary is 16 Jan 2027: an order on 15 Nov 2026 runs 3 months (16 Oct–16 Jan).
ANNIVERSARY = date(2027, 1, 16)
ORDER_DAY = date(2026, 11, 15)


def nothing_changed(customer) -> tuple:
    return (
        PurchaseAuthorization.objects.filter(customer=customer).count(),
        Order.objects.filter(customer=customer).count(),
        list(Holding.objects.filter(customer=customer).values_list("deployed", flat=True)),
        customer.events.count(),
    )


# ---------------------------------------------------------------------------
# PREVIEW
# ---------------------------------------------------------------------------
def test_preview_answers_the_lines_and_changes_nothing(api, customer, products):
    photoshop, illustrator, _ = products
    before = nothing_changed(customer)
    body = order_body("PREVIEW", line_item(1, photoshop, 20), line_item(2, illustrator, 10))
    response = api.post(orders_url(customer.vip_id), body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert nothing_changed(customer) == before
    assert answer["orderType"] == "PREVIEW" and answer["orderId"] == "" and answer["status"] == ""
    assert answer["customerId"] == customer.vip_id and answer["referenceOrderId"] == ""
    assert answer["externalReferenceId"] == "PO-759" and answer["currencyCode"] == "EUR"
    assert answer["creationDate"].endswith("Z")
    assert [(ln["extLineItemNumber"], ln["offerId"], ln["quantity"]) for ln in answer["lineItems"]] == [
        (1, photoshop.sku_new, 20),
        (2, illustrator.sku_new, 10),
    ]
    # Without fetch-price, no prices (as Adobe).
    assert "pricingSummary" not in answer and all("pricing" not in ln for ln in answer["lineItems"])


def test_preview_with_fetch_price_is_our_calculator_co_termed_to_the_anniversary(api, customer, products):
    photoshop, illustrator, _ = products
    customer.anniversary_date, customer.anniversary_day = ANNIVERSARY, ANNIVERSARY.day
    customer.save()
    body = order_body("PREVIEW", line_item(1, photoshop, 20), line_item(2, illustrator, 10))
    with time_machine.travel(ORDER_DAY, tick=False):
        answer = api.post(f"{orders_url(customer.vip_id)}?fetch-price=true", body).json()
    first, second = answer["lineItems"]
    # 3 months (a started month counts whole): 120.00 × 20 × 3 / 12 = 600.00; 365.00 × 10 × 3 / 12 = 912.50.
    assert first["pricing"] == {
        "partnerPrice": 120.0,
        "discountedPartnerPrice": 120.0,
        "netPartnerPrice": 30.0,
        "lineItemPartnerPrice": 600.0,
    }
    assert second["pricing"]["lineItemPartnerPrice"] == 912.5 and second["pricing"]["netPartnerPrice"] == 91.25
    # The days those 3 months cover: 16 Oct 2026 to 16 Jan 2027.
    assert first["proratedDays"] == second["proratedDays"] == (ANNIVERSARY - date(2026, 10, 16)).days == 92
    assert answer["pricingSummary"] == [{"totalLineItemPartnerPrice": 1512.5, "currencyCode": "EUR"}]
    # The same numbers as the console's calculator.
    quote = pa_services_quote(customer, [(photoshop, 20), (illustrator, 10)], ORDER_DAY)
    assert [line.amount for line in quote.lines] == [Decimal("600.00"), Decimal("912.50")]


def pa_services_quote(customer, lines, on):
    return pricing.order_quote(
        lines=[(Product.objects.get(pk=product.pk), quantity) for product, quantity in lines],
        order_date=on,
        anniversary=customer.anniversary_date,
        anniversary_day=customer.anniversary_day,
    )


def test_a_first_order_preview_runs_twelve_months(api, customer, products):
    photoshop, _, _ = products
    with time_machine.travel(ORDER_DAY, tick=False):
        answer = api.post(
            f"{orders_url(customer.vip_id)}?fetch-price=true", order_body("PREVIEW", line_item(1, photoshop, 3))
        ).json()
    (line,) = answer["lineItems"]
    assert line["pricing"]["lineItemPartnerPrice"] == 360.0 and line["pricing"]["netPartnerPrice"] == 120.0
    assert line["proratedDays"] == 365


@pytest.mark.parametrize(
    ("change", "status", "code", "details"),
    [
        # Unknown offer, a renewal SKU: 2122.
        (lambda b, p: b["lineItems"][0].update(offerId="99999999CA01A12"), 400, "2122", ["lineItems[0].offerId"]),
        (lambda b, p: b["lineItems"][0].update(offerId=p[0].sku_renewal), 400, "2122", ["lineItems[0].offerId"]),
        # Our quantity limits (Team: 1 to 10 000): 2120.
        (lambda b, p: b["lineItems"][0].update(quantity=0), 400, "2120", ["lineItems[0].quantity"]),
        (lambda b, p: b["lineItems"][0].update(quantity=10_001), 400, "2120", ["lineItems[0].quantity"]),
        # Line numbers: repeated 2121, out of range 2123.
        (lambda b, p: b["lineItems"].append(dict(b["lineItems"][0])), 400, "2121", ["lineItems"]),
        (lambda b, p: b["lineItems"][0].update(extLineItemNumber=0), 400, "2123", ["lineItems[0].extLineItemNumber"]),
        # Currencies: a product sold in EUR asked in USD 2128; the order's and the line's differ 2137; none 1122.
        (lambda b, p: [b.update(currencyCode="USD"), b["lineItems"][0].pop("currencyCode")], 400, "2128", None),
        (lambda b, p: b["lineItems"][0].update(currencyCode="USD"), 400, "2137", ["lineItems[0].currencyCode"]),
        (lambda b, p: [b.pop("currencyCode"), b["lineItems"][0].pop("currencyCode")], 400, "1122", ["currencyCode"]),
        # Adobe's features we do not have: deployments 2138, discount codes 5135, flexible discounts 2146.
        (lambda b, p: b["lineItems"][0].update(deploymentId="12345"), 400, "2138", ["lineItems[0].deploymentId"]),
        (lambda b, p: b["lineItems"][0].update(discountCode="HVD_L18_PRE"), 400, "5135", None),
        (lambda b, p: b["lineItems"][0].update(flexDiscountCodes=["BLACK_FRIDAY"]), 400, "2146", None),
        # externalReferenceId over 35 characters 2126; not a PO number (our rule) 1117.
        (lambda b, p: b.update(externalReferenceId="x" * 36), 400, "2126", ["externalReferenceId"]),
        (lambda b, p: b.update(externalReferenceId="PO 759 <b>"), 400, "1117", ["externalReferenceId"]),
        # Shape: unknown fields 1121, missing 1122, unknown order type 1117.
        (lambda b, p: b.update(promotion="X"), 400, "1121", ["promotion"]),
        (lambda b, p: b["lineItems"][0].pop("offerId"), 400, "1122", ["lineItems[0].offerId"]),
        (lambda b, p: b.pop("orderType"), 400, "1122", ["orderType"]),
        (lambda b, p: b.update(orderType="TRANSFER"), 400, "1117", ["orderType"]),
        (lambda b, p: b.update(lineItems=[]), 400, "1122", ["lineItems"]),
    ],
)
@pytest.mark.parametrize("order_type", ["PREVIEW", "NEW"])
def test_refusals_answer_adobes_codes_and_change_nothing(
    api, customer, products, order_type, change, status, code, details
):
    body = order_body(order_type, line_item(1, products[0], 5))
    change(body, products)
    before = nothing_changed(customer)
    assert_refused(api.post(orders_url(customer.vip_id), body), status, code, details)
    assert nothing_changed(customer) == before


@pytest.mark.parametrize("order_type", ["PREVIEW", "NEW"])
def test_every_purchase_authorization_rule_answers_2129_with_adobes_reason(api, customer, products, order_type):
    photoshop, _, acrobat = products
    device = ProductFactory(
        name="Device licence",
        is_education_device_license=True,
        for_commercial=False,
        for_government=False,
        for_education=True,
    )
    education_only = ProductFactory(
        name="Education only", for_commercial=False, for_government=False, for_education=True
    )
    url = orders_url(customer.vip_id)
    # Team and Enterprise in one order: one purchase authorization has one licence type.
    body = assert_refused(
        api.post(url, order_body(order_type, line_item(1, photoshop, 2), line_item(2, acrobat, 2))), 400, "2129"
    )
    assert body["additionalDetails"] == ["lineItems[1].offerId", "INELIGIBLE_SWITCH"]
    body = assert_refused(api.post(url, order_body(order_type, line_item(1, education_only, 2))), 400, "2129")
    assert body["additionalDetails"] == ["lineItems[0].offerId", "INELIGIBLE_MARKET_SEGMENT"]
    customer.market_segment = "education"
    customer.save()
    body = assert_refused(api.post(url, order_body(order_type, line_item(1, device, 2))), 400, "2129")
    assert body["additionalDetails"] == ["lineItems[0].offerId"] and "Education device licence" in body["message"]


@pytest.mark.parametrize("order_type", ["PREVIEW", "NEW"])
def test_a_delayed_or_inactive_account_is_2129(api, customer, products, actor, order_type):
    photoshop, illustrator, _ = products
    with time_machine.travel(date(2026, 1, 1), tick=False):
        overdue = pa_services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa_services.LineRequest(illustrator, 1)], actor=actor
        )
    pa_services.enforce_order_deadlines(on=pa_services.today())
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.DELAYED
    body = assert_refused(
        api.post(orders_url(customer.vip_id), order_body(order_type, line_item(1, photoshop, 2))), 400, "2129"
    )
    assert body["additionalDetails"] == ["OPEN_PURCHASE_AUTH"] and overdue.reference in body["message"]
    customer.status = CustomerStatus.INACTIVE
    customer.save()
    body = assert_refused(
        api.post(orders_url(customer.vip_id), order_body(order_type, line_item(1, photoshop, 2))), 400, "2129"
    )
    assert body["additionalDetails"] == ["INACTIVE"]


def test_other_order_types_are_not_placed_here_yet(api, customer, products):
    # TRANSFER and the switches are Adobe's; PREVIEW_RENEWAL and RENEWAL are the renewals' part of /v3.
    for order_type in ("TRANSFER", "SWITCH"):
        assert_refused(api.post(orders_url(customer.vip_id), order_body(order_type)), 400, "1117", ["orderType"])


def test_the_same_correlation_id_answers_the_first_preview_again(api, customer, products):
    body = order_body("PREVIEW", line_item(1, products[0], 5))
    first = api.post(orders_url(customer.vip_id), body, correlation_id="preview-1")
    again = api.post(orders_url(customer.vip_id), body, correlation_id="preview-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert CustomerEvent.objects.filter(customer=customer).count() == 0


# ---------------------------------------------------------------------------
# NEW
# ---------------------------------------------------------------------------
def test_new_deploys_and_orders_in_one_step(api, customer, products, actor):
    photoshop, illustrator, _ = products
    body = order_body("NEW", line_item(4, photoshop, 20), line_item(7, illustrator, 10))
    with time_machine.travel(ORDER_DAY, tick=False):
        response = api.post(orders_url(customer.vip_id), body)
    assert response.status_code == 201, response.content
    answer = response.json()
    pa = PurchaseAuthorization.objects.get(customer=customer)
    order = Order.objects.get(customer=customer)
    # Our order number is the orderId: VM and the purchase authorization's number.
    assert pa.reference == f"PA{pa.pk:08d}" and order.order_number == answer["orderId"] == f"VM{pa.pk:08d}"
    assert answer["orderType"] == "NEW" and answer["status"] == "1000" and answer["referenceOrderId"] == ""
    assert answer["customerId"] == customer.vip_id and answer["externalReferenceId"] == "PO-759"
    assert answer["currencyCode"] == "EUR" and answer["creationDate"].endswith("Z")
    assert answer["links"]["self"] == {
        "uri": f"/v3/customers/{customer.vip_id}/orders/{order.order_number}",
        "method": "GET",
        "headers": [],
    }
    assert [
        (ln["extLineItemNumber"], ln["offerId"], ln["quantity"], ln["remainingQuantity"], ln["status"])
        for ln in answer["lineItems"]
    ] == [(4, photoshop.sku_new, 20, 20, "1000"), (7, illustrator.sku_new, 10, 10, "1000")]
    # A purchase authorization and its order, as the licensing website's would be.
    assert (pa.status, pa.po_number, pa.license_type, pa.created_by) == ("ordered", "PO-759", "team", actor)
    assert (order.purchase_authorization, order.placed_by, order.entered_by_hand) == (pa, actor, False)
    assert (order.order_date, order.duration_months_proposed) == (ORDER_DAY, 12)
    assert dict(Holding.objects.filter(customer=customer).values_list("product__name", "deployed")) == {
        "Photoshop": 20,
        "Illustrator": 10,
    }
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2027, 11, 15)
    assert api.get(f"/v3/customers/{customer.vip_id}").json()["cotermDate"] == "2027-11-15"


def test_new_is_recorded_as_a_purchase_authorization_and_its_order_on_the_marketplace_channel(
    api, customer, products, actor
):
    api.post(orders_url(customer.vip_id), order_body("NEW", line_item(1, products[0], 3)))
    events = list(customer.events.order_by("pk"))
    assert [e.kind for e in events] == [CustomerEvent.Kind.PA_CREATED, CustomerEvent.Kind.ORDER_PLACED]
    assert {(e.source, e.source_detail, e.actor_id) for e in events} == {(Source.VIPMP, api.client_id, actor.pk)}
    assert events[1].parameters["entered_by_hand"] is False


def test_a_later_new_order_is_co_termed(api, customer, products):
    photoshop, illustrator, _ = products
    customer.anniversary_date, customer.anniversary_day = ANNIVERSARY, ANNIVERSARY.day
    customer.save()
    with time_machine.travel(ORDER_DAY, tick=False):
        api.post(orders_url(customer.vip_id), order_body("NEW", line_item(1, illustrator, 2)))
    order = Order.objects.get(customer=customer)
    assert order.duration_months_proposed == 3
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY


def test_the_same_correlation_id_answers_the_first_new_order_again_and_orders_once(api, customer, products):
    body = order_body("NEW", line_item(1, products[0], 5))
    first = api.post(orders_url(customer.vip_id), body, correlation_id="new-1")
    again = api.post(orders_url(customer.vip_id), body, correlation_id="new-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(customer=customer).count() == 1
    assert Holding.objects.get(customer=customer).deployed == 5
    # The same id for another request is refused; a new id orders again.
    assert_refused(
        api.post(orders_url(customer.vip_id), order_body("NEW", line_item(1, products[0], 6)), correlation_id="new-1"),
        400,
        "4119",
    )
    assert api.post(orders_url(customer.vip_id), body).status_code == 201
    assert Order.objects.filter(customer=customer).count() == 2


def test_a_refused_new_order_is_replayed_too(api, customer, products):
    body = order_body("NEW", line_item(1, products[0], 0))
    first = api.post(orders_url(customer.vip_id), body, correlation_id="bad-1")
    again = api.post(orders_url(customer.vip_id), body, correlation_id="bad-1")
    assert first.json()["code"] == again.json()["code"] == "2120" and again["Idempotent-Replayed"] == "true"


def test_new_takes_the_same_queries_for_2_lines_as_for_40(api, reseller):
    counts = {}
    for size in (2, 40):
        customer = ActiveCustomerFactory(reseller=reseller)
        lines = [line_item(n, ProductFactory(), 2) for n in range(1, size + 1)]
        with CaptureQueriesContext(connection) as queries:
            response = api.post(orders_url(customer.vip_id), order_body("NEW", *lines))
        assert response.status_code == 201, response.content
        counts[size] = len(queries)
    assert counts[2] == counts[40], counts


def test_orders_and_returns_through_v3_show_in_the_console_with_their_channel(
    api, customer, products, sales_client_for
):
    photoshop, _, _ = products
    placed = api.post(orders_url(customer.vip_id), order_body("NEW", line_item(1, photoshop, 5))).json()
    api.post(orders_url(customer.vip_id), return_body(placed["orderId"], line_item(1, photoshop, 2)))
    client = sales_client_for(customer)
    activity = client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    entries = [line for line in activity.splitlines() if "<li><time" in line]
    for words in (f"{placed['orderId']} → PA", f"{placed['orderId']}: Photoshop × 2", "Photoshop × 5"):
        (entry,) = [line for line in entries if words in line]
        assert f'<span class="channel">VIP Marketplace API (client {api.client_id})</span>' in entry, entry
    history = client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    assert placed["orderId"] in history and "Returned: Photoshop × 2" in history
    assert "Marketplace Integration (VIP Marketplace API)" in history  # placed by the client's user
