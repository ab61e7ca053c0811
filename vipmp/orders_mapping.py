"""Our orders, returns and renewals as Adobe's Order resource, and a preview's priced lines
(docs/vip-marketplace-api.md, "Orders", lists the mapping)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from authorizations import pricing

from .orders_services import Preview

#: Adobe's status codes for orders and their lines: 1000 complete, 1008 cancelled (every licence returned).
COMPLETE, CANCELLED = "1000", "1008"


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def link(uri: str) -> dict:
    return {"uri": uri, "method": "GET", "headers": []}


def order_uri(customer_id: str, order_id: str) -> str:
    return reverse("vipmp-order", kwargs={"customer_id": customer_id, "order_id": order_id})


def _amount(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _pricing(line: pricing.PricedLine) -> dict:
    """Adobe's line pricing from our calculator: the yearly unit price (no discounts here, so discounted =
    partner price), the unit and the line prorated by the quote's months (netPartnerPrice: one licence)."""
    unit = pricing.prorated_amount(yearly_unit_price=line.unit_price, quantity=1, months=line.months)
    return {
        "partnerPrice": _amount(line.unit_price),
        "discountedPartnerPrice": _amount(line.unit_price),
        "netPartnerPrice": unit,
        "lineItemPartnerPrice": line.amount,
    }


def preview_body(*, customer_id: str, request: dict, preview: Preview, fetch_price: bool) -> dict:
    """A PREVIEW's answer: Adobe's order resource with no orderId and no status; with fetch-price=true each line's
    pricing and proratedDays, and the totals per currency."""
    quote = preview.quote
    items = []
    for line, priced in zip(preview.lines.lines, quote.lines, strict=True):
        item = {
            "extLineItemNumber": line.number,
            "offerId": line.product.sku_new,
            "quantity": line.quantity,
            "subscriptionId": "",
            "status": "",
            "currencyCode": line.product.currency,
        }
        if fetch_price:
            item["proratedDays"] = quote.prorated_days
            item["pricing"] = _pricing(priced)
        items.append(item)
    body = {
        "referenceOrderId": "",
        "externalReferenceId": request.get("externalReferenceId", ""),
        "orderId": "",
        "customerId": customer_id,
        "currencyCode": preview.lines.currency,
        "orderType": "PREVIEW",
        "creationDate": utc(timezone.now()),
        "status": "",
        "lineItems": items,
    }
    if fetch_price:
        body["pricingSummary"] = [
            {"totalLineItemPartnerPrice": total, "currencyCode": currency} for currency, total in quote.totals
        ]
    return body
