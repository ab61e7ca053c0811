"""Orders of type `PREVIEW_RENEWAL` and `RENEWAL` on `POST /v3/customers/{customerId}/orders`.

PREVIEW_RENEWAL changes nothing: it answers the renewal the customer is proposed — every renewable product at
its renewal quantity (the auto-renewal's where it is on, else the renewal overview's) — or, with `lineItems`,
the lines asked for, checked by the renewal's own rules; `?fetch-price=true` adds 12 months' prices.
RENEWAL is the console's renewal order received through /v3: intake.services.order_receive (kind renewal), so
its window, its "every held product named" and every other rule is the renewal's own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response

from authorizations import dates as order_dates
from authorizations.pricing import prorated_amount
from catalogue.models import Product
from customers.models import Customer
from intake.models import OrderKind
from intake.services import OrderLine, order_receive
from renewals import services as renewal_services
from renewals.selectors import Subscription, subscriptions_for
from resellerconsole.audit import Source, audit_source
from resellerconsole.errors import DomainError
from resellerconsole.serializers import StrictInput

from . import errors
from .order_types import order_type, refusal, retry_on_taken
from .subscriptions import subscription_id
from .views import VipmpView

LINE_QUANTITY_OUT_OF_RANGE = "2120"
DUPLICATE_LINE_NUMBERS = "2121"
INVALID_OFFER = "2122"
CURRENCY_NOT_VALID = "2128"
NOT_ALLOWED_FOR_RENEWAL = "3121"
NOT_IN_RENEWAL_WINDOW = "3122"
#: The renewal's refusals (renewals.services) as Adobe codes them; others are 1117.
RENEWAL_CODES = {
    "renewal_window_closed": NOT_IN_RENEWAL_WINDOW,
    "no_anniversary": NOT_ALLOWED_FOR_RENEWAL,
    "not_renewable": INVALID_OFFER,
    "quantity_out_of_range": LINE_QUANTITY_OUT_OF_RANGE,
}
#: The renewal's field names as the order request names them.
RENEWAL_FIELDS = {"lines": "lineItems", "sku": "offerId", "order_date": "orderType", "vip_id": "customerId"}
NOT_SUPPORTED = gettext_lazy("Not supported by this service.")
COMPLETE = "1000"
ACTIVE, INACTIVE = "1000", "1004"


def _empty(value):
    if value:
        raise serializers.ValidationError(NOT_SUPPORTED, code="invalid")
    return value


class RenewalLineItem(StrictInput, serializers.Serializer):
    extLineItemNumber = serializers.IntegerField(min_value=1, max_value=999_999)
    offerId = serializers.CharField(required=False, max_length=30)
    subscriptionId = serializers.CharField(required=False, max_length=40)
    quantity = serializers.IntegerField()
    currencyCode = serializers.CharField(required=False, max_length=3)
    deploymentId = serializers.CharField(required=False, allow_blank=True, validators=[_empty])
    discountCode = serializers.CharField(required=False, allow_blank=True, validators=[_empty])
    flexDiscountCodes = serializers.ListField(required=False, validators=[_empty])

    def validate(self, data):
        if not data.get("offerId") and not data.get("subscriptionId"):
            raise serializers.ValidationError(
                {"subscriptionId": [_("Name the subscription (subscriptionId) or its offerId.")]}, code="required"
            )
        return data


class PreviewRenewalLineItem(RenewalLineItem):
    #: A preview may leave the quantity out: the proposal's.
    quantity = serializers.IntegerField(required=False)


class RenewalOrderRequest(StrictInput, serializers.Serializer):
    orderType = serializers.CharField()
    externalReferenceId = serializers.CharField(required=False, allow_blank=True, max_length=35)
    currencyCode = serializers.CharField(required=False, max_length=3)
    # many=True hands the length limits to the ListSerializer, which the stubs do not see.
    lineItems = RenewalLineItem(many=True, min_length=1, max_length=499)  # type: ignore[call-arg]
    #: Returned by Adobe's answers; empty (or absent) on a request.
    referenceOrderId = serializers.CharField(required=False, allow_blank=True, validators=[_empty])
    orderId = serializers.CharField(required=False, allow_blank=True, validators=[_empty])

    def validate_lineItems(self, items):
        numbers = [item["extLineItemNumber"] for item in items]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError(_("Each extLineItemNumber once."), code=DUPLICATE_LINE_NUMBERS)
        return items


class PreviewRenewalRequest(RenewalOrderRequest):
    lineItems = PreviewRenewalLineItem(many=True, required=False, max_length=499)  # type: ignore[call-arg]


# ---------------------------------------------------------------------------
# Lines: Adobe's subscriptions and offers → our products
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    number: int
    product: Product
    quantity: int
    subscription: Subscription | None


def _invalid_line(index: int, name: str, message: str, code: str = errors.INVALID_FIELDS) -> errors.VipmpError:
    field = f"lineItems[{index}].{name}"
    return errors.VipmpError(code, f"{field}: {message}", details=[field])


def _lines(customer: Customer, items: list[dict], request: dict, proposal: dict[int, int]) -> list[Line]:
    """Each line item's product: its subscription's (this customer's holding), else the renewable product
    whose new-purchase or renewal SKU is the offerId; both given must agree."""
    subscriptions = {str(s.holding.pk): s for s in subscriptions_for(customer=customer)}
    by_product = {s.product.pk: s for s in subscriptions.values()}
    renewable = renewal_services.renewable_products(customer)
    by_offer = {sku.upper(): p for p in renewable.values() for sku in (p.sku_new, p.sku_renewal)}
    lines = []
    for index, item in enumerate(items):
        product = None
        if item.get("subscriptionId"):
            found = subscriptions.get(item["subscriptionId"]) if subscription_id(item["subscriptionId"]) else None
            if found is None or found.product.pk not in renewable:
                raise _invalid_line(index, "subscriptionId", _("Not a renewable subscription of this customer."))
            product = found.product
        offer = (item.get("offerId") or "").strip().upper()
        if offer:
            if by_offer.get(offer) is None or (product is not None and by_offer[offer] != product):
                message = _("Not the offer of a renewable subscription of this customer.")
                raise _invalid_line(index, "offerId", message, INVALID_OFFER)
            product = by_offer[offer]
        if product is None:  # the line item's validation asks for one of the two
            raise _invalid_line(index, "subscriptionId", _("Name the subscription (subscriptionId) or its offerId."))
        currency = item.get("currencyCode") or request.get("currencyCode")
        if currency and currency.upper() != product.currency:
            message = _("The offer is sold in %(currency)s.") % {"currency": product.currency}
            raise _invalid_line(index, "currencyCode", message, CURRENCY_NOT_VALID)
        quantity = item["quantity"] if item.get("quantity") is not None else proposal.get(product.pk, 0)
        lines.append(Line(item["extLineItemNumber"], product, quantity, by_product.get(product.pk)))
    return lines


def proposed_lines(customer: Customer) -> list[Line]:
    """The renewal proposed to the customer: every renewable product, at the auto-renewal's quantity where
    auto-renewal is on, else at the renewal overview's (the console's renewal order proposes the same)."""
    subscriptions = {s.product.pk: s for s in subscriptions_for(customer=customer)}
    proposal = _proposal(customer)
    products = renewal_services.renewable_products(customer)
    lines = []
    for number, (pid, product) in enumerate(sorted(products.items(), key=lambda item: item[1].name), start=1):
        subscription = subscriptions.get(pid)
        if subscription is not None and subscription.auto_renews and subscription.active:
            quantity = subscription.renews
        else:
            quantity = proposal[pid]
        lines.append(Line(number, product, quantity, subscription))
    return lines


def _proposal(customer: Customer) -> dict[int, int]:
    by_sku = {p.sku_renewal: pid for pid, p in renewal_services.renewable_products(customer).items()}
    return {by_sku[ln.sku]: ln.quantity for ln in renewal_services.proposed_renewal_lines(customer)}


# ---------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------
def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line_body(line: Line, *, status: str) -> dict:
    return {
        "extLineItemNumber": line.number,
        "offerId": line.product.sku_renewal,
        "quantity": line.quantity,
        "subscriptionId": str(line.subscription.holding.pk) if line.subscription else "",
        "status": status,
        "currencyCode": line.product.currency,
    }


def _priced(body: dict, line: Line, *, days: int) -> Decimal:
    """A renewal runs 12 months: the yearly unit price, prorated over the whole year (authorizations.pricing)."""
    unit = line.product.unit_price
    amount = prorated_amount(yearly_unit_price=unit, quantity=line.quantity, months=order_dates.MONTHS_PER_YEAR)
    body["proratedDays"] = days
    body["pricing"] = {
        "partnerPrice": unit,
        "discountedPartnerPrice": unit,
        "netPartnerPrice": unit,
        "lineItemPartnerPrice": amount,
    }
    return amount


def order_body(
    customer: Customer,
    *,
    kind: str,
    order_id: str,
    created: dt.datetime,
    status: str,
    lines: list[dict],
    request: dict,
    currency: str,
) -> dict:
    body = {
        "referenceOrderId": "",
        "orderType": kind,
        "externalReferenceId": request.get("externalReferenceId", ""),
        "orderId": order_id,
        "customerId": customer.vip_id,
        "currencyCode": currency,
        "creationDate": _utc(created),
        "status": status,
        "lineItems": lines,
    }
    if order_id:
        uri = f"/v3/customers/{customer.vip_id}/orders/{order_id}"
        body["links"] = {"self": {"uri": uri, "method": "GET", "headers": []}}
    return body


def _currency(lines: list[Line], request: dict) -> str:
    return request.get("currencyCode") or (lines[0].product.currency if lines else "")


# ---------------------------------------------------------------------------
# The handlers
# ---------------------------------------------------------------------------
@order_type("PREVIEW_RENEWAL")
def preview_renewal(view: VipmpView, actor, customer: Customer, body: dict) -> Response:
    """Changes nothing. 200 with the lines (status 1000 for a subscription held, 1004 for one no longer held)."""
    serializer = PreviewRenewalRequest(data=body)
    serializer.is_valid(raise_exception=True)
    request = serializer.validated_data
    if request.get("lineItems"):
        lines = _lines(customer, request["lineItems"], request, _proposal(customer))
    else:
        lines = proposed_lines(customer)
    try:
        renewal_services.renewal_lines_check(
            customer=customer,
            lines=[renewal_services.RenewalLineRequest(ln.product.sku_renewal, ln.quantity) for ln in lines],
        )
    except DomainError as error:
        raise refusal(error, fields=RENEWAL_FIELDS, codes=RENEWAL_CODES) from error
    items = [_line_body(ln, status=ACTIVE if ln.subscription and ln.subscription.active else INACTIVE) for ln in lines]
    answer = order_body(
        customer,
        kind="PREVIEW_RENEWAL",
        order_id="",
        created=timezone.now(),
        status="",
        lines=items,
        request=request,
        currency=_currency(lines, request),
    )
    if view.request.query_params.get("fetch-price", "").lower() == "true":
        anniversary = cast(dt.date, customer.anniversary_date)  # a renewable customer has ordered
        following = order_dates.next_anniversary(anniversary, original_day=customer.anniversary_day)
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for item, line in zip(items, lines, strict=True):
            totals[line.product.currency] += _priced(item, line, days=(following - anniversary).days)
        answer["pricingSummary"] = [
            {"totalLineItemPartnerPrice": total, "currencyCode": currency} for currency, total in sorted(totals.items())
        ]
    return Response(answer)


@order_type("RENEWAL")
def renewal(view: VipmpView, actor, customer: Customer, body: dict) -> Response:
    """The renewal order, placed at once (status 1000): 201 with the order; orderId is its order number."""
    serializer = RenewalOrderRequest(data=body)
    serializer.is_valid(raise_exception=True)
    request = serializer.validated_data
    lines = _lines(customer, request["lineItems"], request, {})
    order_lines = [OrderLine(ln.product.sku_renewal, ln.quantity) for ln in lines]

    def place(number: str):
        return order_receive(
            kind=OrderKind.RENEWAL,
            order_number=number,
            order_date=timezone.localdate(),
            reference=cast(str, customer.vip_id),  # a /v3 customer has its VIP ID from the start
            lines=order_lines,
            # The client's user at the customer's reseller, as every other /v3 write (NEW, RETURN, PATCH).
            actor=actor,
            through_marketplace=True,
        )

    with audit_source(Source.VIPMP, view.client.client_id):
        try:
            placed, _created = retry_on_taken(place)
        except DomainError as error:
            raise refusal(error, fields=RENEWAL_FIELDS, codes=RENEWAL_CODES) from error
    renewed = {ln.product_id: ln.quantity_after for ln in placed.lines.all()}
    subscriptions = {s.product.pk: s for s in subscriptions_for(customer=customer)}
    items = [
        _line_body(
            Line(ln.number, ln.product, renewed.get(ln.product.pk, ln.quantity), subscriptions.get(ln.product.pk)),
            status=COMPLETE,
        )
        for ln in lines
    ]
    answer = order_body(
        customer,
        kind="RENEWAL",
        order_id=placed.order_number,
        created=placed.created_at,
        status=COMPLETE,
        lines=items,
        request=request,
        currency=_currency(lines, request),
    )
    return Response(answer, status=201)
