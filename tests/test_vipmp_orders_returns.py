"""VIP Marketplace API RETURN orders: whole lines or part of them (Adobe's partial returns: remainingQuantity,
RETURN_QTY_EXCEEDS_REMAINING with 422), within our return window, with the assigned-users rule per quantity,
refused with Adobe's codes; replayed by X-Correlation-Id."""
# ruff: noqa: F811 - the shared fixtures are imported, and named again as the tests' arguments

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from authorizations import services as pa_services
from authorizations.models import ReturnAuthorization
from customers.models import CustomerEvent
from licences.models import Holding
from renewals.models import Renewal
from resellerconsole.audit import Source
from tests.factories import ActiveCustomerFactory
from tests.test_vipmp_orders_support import (  # noqa: F401 - fixtures among them
    actor,
    api,
    assert_refused,
    customer,
    line_item,
    lws,
    order_body,
    order_url,
    orders_url,
    products,
    reseller,
    return_body,
    sales_client_for,
)

pytestmark = pytest.mark.django_db

ORDER_DAY = date(2026, 11, 15)


@pytest.fixture
def placed(api, customer, products):
    """A NEW order through /v3 on ORDER_DAY: line 4 Photoshop × 70, line 5 Illustrator × 50 (Adobe's sample)."""
    photoshop, illustrator, _ = products
    body = order_body("NEW", line_item(4, photoshop, 70), line_item(5, illustrator, 50))
    with time_machine.travel(ORDER_DAY, tick=False):
        answer = api.post(orders_url(customer.vip_id), body)
    assert answer.status_code == 201, answer.content
    return answer.json()


def deployed(customer) -> dict[str, int]:
    return dict(Holding.objects.filter(customer=customer).values_list("product__name", "deployed"))


def post_return(api, customer, body, *, days_after: int = 1, correlation_id=None):
    with time_machine.travel(ORDER_DAY + timedelta(days=days_after), tick=False):
        return api.post(orders_url(customer.vip_id), body, correlation_id=correlation_id)


def test_part_of_a_line_is_returned_and_the_order_shows_what_remains(api, customer, products, placed):
    photoshop, _, _ = products
    response = post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 10)))
    assert response.status_code == 201, response.content
    answer = response.json()
    authorization = ReturnAuthorization.objects.get()
    assert answer["orderId"] == f"RA-{authorization.pk}" and answer["orderType"] == "RETURN"
    assert answer["referenceOrderId"] == placed["orderId"] and answer["status"] == "1000"
    assert answer["externalReferenceId"] == "PO-759" and answer["customerId"] == customer.vip_id
    assert answer["lineItems"] == [
        {
            "extLineItemNumber": 4,
            "offerId": photoshop.sku_new,
            "quantity": 10,
            "subscriptionId": "",
            "status": "1000",
            "currencyCode": "EUR",
        }
    ]
    assert answer["links"]["self"]["uri"] == order_url(customer.vip_id, answer["orderId"])
    assert deployed(customer) == {"Photoshop": 60, "Illustrator": 50}
    # The original order: 70 ordered, 60 remain (Adobe's get-order sample), still complete.
    original = api.get(order_url(customer.vip_id, placed["orderId"])).json()
    assert [(ln["quantity"], ln["remainingQuantity"], ln["status"]) for ln in original["lineItems"]] == [
        (70, 60, "1000"),
        (50, 50, "1000"),
    ]
    assert original["status"] == "1000"
    # The return reads back as it was answered.
    assert api.get(order_url(customer.vip_id, answer["orderId"])).json() == answer


def test_several_returns_against_one_line_then_the_order_is_cancelled(api, customer, products, placed):
    photoshop, illustrator, _ = products
    for quantity in (10, 5):
        assert (
            post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, quantity))).status_code
            == 201
        )
    # 55 remain: 60 is refused, the original unchanged.
    body = assert_refused(
        post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 60))),
        422,
        "RETURN_QTY_EXCEEDS_REMAINING",
    )
    assert "60 licences asked back, 55 remain" in body["message"]
    assert deployed(customer) == {"Photoshop": 55, "Illustrator": 50}
    both = return_body(placed["orderId"], line_item(4, photoshop, 55), line_item(5, illustrator, 50))
    assert post_return(api, customer, both).status_code == 201
    original = api.get(order_url(customer.vip_id, placed["orderId"])).json()
    assert original["status"] == "1008"
    assert [(ln["remainingQuantity"], ln["status"]) for ln in original["lineItems"]] == [(0, "1008"), (0, "1008")]
    assert_refused(
        post_return(api, customer, return_body(placed["orderId"], line_item(5, illustrator, 1))), 400, "2133"
    )


@pytest.mark.parametrize(
    ("line", "status", "code", "details"),
    [
        # A line number the original does not have 2131; the offer of another line 2130.
        (lambda p: line_item(9, p[0], 1), 400, "2131", ["lineItems[0].extLineItemNumber"]),
        (lambda p: line_item(4, p[1], 1), 400, "2130", ["lineItems[0].offerId"]),
        # Quantities: none 2120, negative 2120.
        (lambda p: line_item(4, p[0], 0), 400, "2120", ["lineItems"]),
        (lambda p: line_item(4, p[0], -3), 400, "2120", ["lineItems"]),
        (lambda p: line_item(4, p[0], 71), 422, "RETURN_QTY_EXCEEDS_REMAINING", ["lineItems"]),
        # The line's currency differs from the order's: 2137.
        (lambda p: line_item(4, p[0], 1, currencyCode="USD"), 400, "2137", ["lineItems[0].currencyCode"]),
    ],
)
def test_refused_lines_answer_adobes_codes_and_change_nothing(
    api, customer, products, placed, line, status, code, details
):
    assert_refused(post_return(api, customer, return_body(placed["orderId"], line(products))), status, code, details)
    assert deployed(customer) == {"Photoshop": 70, "Illustrator": 50}
    assert not ReturnAuthorization.objects.exists()


def test_the_return_window_is_ours_2134(api, customer, products, placed):
    photoshop, _, _ = products
    assert (
        post_return(
            api, customer, return_body(placed["orderId"], line_item(4, photoshop, 1)), days_after=14
        ).status_code
        == 201
    )
    assert_refused(
        post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 1)), days_after=15),
        400,
        "2134",
    )


def test_the_reference_must_be_a_new_order_of_this_customer(api, customer, products, placed, reseller):
    photoshop, _, _ = products
    url = orders_url(customer.vip_id)
    assert_refused(api.post(url, order_body("RETURN", line_item(4, photoshop, 1))), 400, "1122", ["referenceOrderId"])
    assert_refused(
        api.post(url, return_body("VM99999999", line_item(4, photoshop, 1))), 404, "2115", ["referenceOrderId"]
    )
    # Another customer of the same reseller does not have this order.
    other = ActiveCustomerFactory(reseller=reseller)
    assert_refused(
        api.post(orders_url(other.vip_id), return_body(placed["orderId"], line_item(4, photoshop, 1))), 404, "2115"
    )
    # Renewals are not returned (our programme returns new orders only).
    Renewal.objects.create(
        customer=customer,
        order_number="REN-1",
        order_date=ORDER_DAY,
        anniversary_before=ORDER_DAY,
        anniversary_after=date(2027, 11, 15),
        fingerprint="x",
    )
    assert_refused(api.post(url, return_body("REN-1", line_item(1, photoshop, 1))), 400, "1117", ["referenceOrderId"])
    # And a NEW or PREVIEW references nothing.
    assert_refused(
        api.post(url, order_body("NEW", line_item(1, photoshop, 1), referenceOrderId=placed["orderId"])),
        400,
        "1117",
        ["referenceOrderId"],
    )


def test_licences_users_hold_are_not_returned(api, customer, products, placed, actor):
    photoshop, _, _ = products
    for n in range(65):
        pa_services.assignment_add(customer=customer, product=photoshop, email=f"u{n}@harbour.example", actor=actor)
    # 70 deployed, 65 assigned: 5 may go back, 6 may not.
    body = assert_refused(
        post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 6))), 400, "1117"
    )
    assert "u0@harbour.example" in body["message"] or "65" in body["message"]
    assert post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 5))).status_code == 201
    assert deployed(customer)["Photoshop"] == 65


def test_orders_from_the_licensing_website_are_returned_by_line_position(api, customer, products, actor, lws):
    photoshop, illustrator, _ = products
    pa = pa_services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa_services.LineRequest(photoshop, 3), pa_services.LineRequest(illustrator, 2)],
        actor=actor,
    )
    pa_services.order_place(
        order_number="LWS-77",
        order_date=pa_services.today(),
        pa_reference=pa.reference,
        lines=[
            pa_services.OrderLineRequest(photoshop.sku_new, 3),
            pa_services.OrderLineRequest(illustrator.sku_new, 2),
        ],
        actor=lws,
    )
    shown = api.get(order_url(customer.vip_id, "LWS-77")).json()
    assert [(ln["extLineItemNumber"], ln["offerId"]) for ln in shown["lineItems"]] == [
        (1, photoshop.sku_new),
        (2, illustrator.sku_new),
    ]
    answer = api.post(orders_url(customer.vip_id), return_body("LWS-77", line_item(2, illustrator, 1)))
    assert answer.status_code == 201, answer.content
    assert deployed(customer) == {"Photoshop": 3, "Illustrator": 1}


def test_a_return_is_recorded_on_the_marketplace_channel_and_shows_in_the_console(
    api, customer, products, placed, actor, sales_client_for
):
    photoshop, _, _ = products
    post_return(api, customer, return_body(placed["orderId"], line_item(4, photoshop, 10)))
    event = customer.events.get(kind=CustomerEvent.Kind.RETURN_REQUESTED)
    assert (event.source, event.source_detail, event.actor) == (Source.VIPMP, api.client_id, actor)
    assert event.parameters["lines"][0]["quantity"] == 10
    client = sales_client_for(customer)
    history = client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    assert placed["orderId"] in history and "Returned: Photoshop × 10" in history


def test_the_same_correlation_id_answers_the_first_return_again_and_returns_once(api, customer, products, placed):
    photoshop, _, _ = products
    body = return_body(placed["orderId"], line_item(4, photoshop, 10))
    first = post_return(api, customer, body, correlation_id="ret-1")
    again = post_return(api, customer, body, correlation_id="ret-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReturnAuthorization.objects.count() == 1 and deployed(customer)["Photoshop"] == 60
