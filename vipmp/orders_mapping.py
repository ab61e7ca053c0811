"""Our orders, returns and renewals as Adobe's Order resource, and a preview's priced lines
(docs/vip-marketplace-api.md, "Orders", lists the mapping)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from authorizations import pricing

from . import orders_selectors
from .orders_input import OrderSearch
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


# ---------------------------------------------------------------------------
# Orders, returns and renewals as Adobe's Order resource
# ---------------------------------------------------------------------------
def _resource(
    *, kind: str, order_id: str, customer_id: str, reference: str, external: str, created, items: list[dict]
) -> dict:
    return {
        "referenceOrderId": reference,
        "orderType": kind,
        "externalReferenceId": external,
        "orderId": order_id,
        "customerId": customer_id,
        "currencyCode": next((item["currencyCode"] for item in items), ""),
        "creationDate": utc(created),
        "status": COMPLETE,
        "lineItems": items,
        "links": {"self": link(order_uri(customer_id, order_id))},
    }


def new_order_body(order, *, customer_id: str) -> dict:
    """A NEW order (ours, the licensing website's or one placed through /v3): complete (1000) until every
    licence on it is returned (1008); each line with remainingQuantity (what may still be returned)."""
    numbers = orders_selectors.line_numbers(order)
    items = []
    for line in order.lines.all():
        remaining = line.quantity - line.returned_quantity
        items.append(
            {
                "extLineItemNumber": numbers[line.pk],
                "offerId": line.product.sku_new,
                "quantity": line.quantity,
                "subscriptionId": "",
                "status": COMPLETE if remaining else CANCELLED,
                "currencyCode": line.product.currency,
                "remainingQuantity": remaining,
            }
        )
    body = _resource(
        kind=orders_selectors.NEW,
        order_id=order.order_number,
        customer_id=customer_id,
        reference="",
        external=order.purchase_authorization.po_number,
        created=order.created_at,
        items=items,
    )
    if items and all(item["status"] == CANCELLED for item in items):
        body["status"] = CANCELLED
    return body


def return_body(authorization, *, customer_id: str) -> dict:
    """A RETURN: the licences given back of each line, under the original order's line numbers."""
    numbers = orders_selectors.line_numbers(authorization.order)
    kept = orders_selectors.details(authorization)
    items = [
        {
            "extLineItemNumber": numbers[line.order_line_id],
            "offerId": line.order_line.product.sku_new,
            "quantity": line.quantity,
            "subscriptionId": "",
            "status": COMPLETE,
            "currencyCode": line.order_line.product.currency,
        }
        for line in authorization.lines.all()
    ]
    return _resource(
        kind=orders_selectors.RETURN,
        order_id=orders_selectors.return_order_id(authorization),
        customer_id=customer_id,
        reference=authorization.order.order_number,
        external=kept.external_reference_id if kept else "",
        created=authorization.created_at,
        items=items,
    )


def renewal_body(renewal, *, customer_id: str) -> dict:
    """A RENEWAL: each product renewed (renewal SKU, quantity renewed); a product renewed with 0 is left out."""
    renewed = [line for line in renewal.lines.all() if line.quantity_after > 0]
    items = [
        {
            "extLineItemNumber": position,
            "offerId": line.product.sku_renewal,
            "quantity": line.quantity_after,
            "subscriptionId": "",
            "status": COMPLETE,
            "currencyCode": line.product.currency,
        }
        for position, line in enumerate(renewed, start=1)
    ]
    return _resource(
        kind=orders_selectors.RENEWAL,
        order_id=renewal.order_number,
        customer_id=customer_id,
        reference="",
        external="",
        created=renewal.created_at,
        items=items,
    )


BODIES = {
    orders_selectors.NEW: new_order_body,
    orders_selectors.RETURN: return_body,
    orders_selectors.RENEWAL: renewal_body,
}


def order_body(kind: str, row, *, customer_id: str) -> dict:
    return BODIES[kind](row, customer_id=customer_id)


def _query(values: dict, **changes) -> str:
    """The search again as Adobe's query parameters (repeatable ones repeated), with `changes`."""
    values = {**values, **changes}
    pairs = []
    for name, field in OrderSearch.NAMES.items():
        value = values.get(field)
        if value is None or value == [] or value == ():
            continue
        for each in value if isinstance(value, list | tuple) else [value]:
            pairs.append((name, utc(each) if isinstance(each, dt.datetime) else each))
    return urlencode(pairs)


def history_body(*, customer_id: str, page, query: dict, shown: dict) -> dict:
    """Adobe's order history: totalCount, count, offset, limit, items and links (self; next while more rows
    follow, with the keyset cursor; prev when not on the first page). `query` is the search as asked (links
    repeat it), `shown` the offset and limit this page answers for."""
    uri = reverse("vipmp-orders", kwargs={"customer_id": customer_id})
    offset, limit = shown["offset"], shown["limit"]
    items = [order_body(kind, row, customer_id=customer_id) for kind, row in page.rows]
    links = {"self": link(f"{uri}?{_query(query)}")}
    if page.next is not None:
        links["next"] = link(
            f"{uri}?{_query(query, offset=offset + len(items), limit=limit, cursor=page.next.encode())}"
        )
    if offset > 0:
        links["prev"] = link(f"{uri}?{_query(query, offset=max(0, offset - limit), limit=limit, cursor=None)}")
    return {
        "totalCount": page.total,
        "count": len(items),
        "offset": offset,
        "limit": limit,
        "items": items,
        "links": links,
    }
