"""The purchase authorizations' kinds in the customer history: one function per kind, and how each reads.

Registered in `customers.events` at start-up (AuthorizationsConfig.ready imports this module).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from accounts.models import User
from customers.events import by_hand_text, customer_event, customer_event_record, describes, lines_text
from customers.models import Customer, CustomerEvent

from .models import Order, PurchaseAuthorization, ReturnAuthorization

Kind = CustomerEvent.Kind


def event_line(*, sku: str, product: str, quantity: int) -> dict:
    """A product line as the customer's history records it (PA created, withdrawn, products removed, a return)."""
    return {"sku": sku, "product": product, "quantity": quantity}


def event_lines(lines) -> list[dict]:
    """`event_line` of each row that has a product and a quantity (PA lines, order lines)."""
    return [event_line(sku=line.product.sku_new, product=line.product.name, quantity=line.quantity) for line in lines]


# ---------------------------------------------------------------------------
# Purchase authorizations
# ---------------------------------------------------------------------------
def pa_created_record(*, customer: Customer, actor: User, pa: PurchaseAuthorization, lines) -> CustomerEvent:
    return customer_event_record(
        customer,
        Kind.PA_CREATED,
        actor,
        reference=pa.reference,
        license_type=pa.license_type,
        po_number=pa.po_number,
        deadline=pa.order_deadline.isoformat(),
        lines=event_lines(lines),
    )


def pa_withdrawn_record(*, customer: Customer, actor: User, pa: PurchaseAuthorization, lines) -> CustomerEvent:
    return customer_event_record(customer, Kind.PA_WITHDRAWN, actor, reference=pa.reference, lines=event_lines(lines))


def pa_withdrawn_events(
    withdrawn: Iterable[tuple[int, str, list[dict]]], *, reason: str, at: datetime
) -> list[CustomerEvent]:
    """Unsaved PA_WITHDRAWN events of a sweep, one per (customer id, reference, event lines); no actor."""
    return [
        customer_event(
            customer_id=customer_id,
            kind=Kind.PA_WITHDRAWN,
            at=at,
            parameters={"reference": reference, "lines": lines, "reason": reason},
        )
        for customer_id, reference, lines in withdrawn
    ]


def pa_products_removed_record(*, customer: Customer, actor: User, pa: PurchaseAuthorization, lines) -> CustomerEvent:
    return customer_event_record(
        customer, Kind.PA_PRODUCTS_REMOVED, actor, reference=pa.reference, lines=event_lines(lines)
    )


@describes(Kind.PA_CREATED, Kind.PA_WITHDRAWN, Kind.PA_PRODUCTS_REMOVED)
def _describe_pa(parameters: dict) -> str:
    return f"{parameters.get('reference', '')}: {lines_text(parameters)}"


# ---------------------------------------------------------------------------
# Orders and returns
# ---------------------------------------------------------------------------
def order_placed_record(
    *, customer: Customer, actor: User, order: Order, reference: str, first_anniversary: date | None
) -> CustomerEvent:
    """The order, the PA it orders, and the anniversary it set when it was the customer's first."""
    parameters = {
        "order_number": order.order_number,
        "reference": reference,
        "order_date": order.order_date.isoformat(),
        "proposed_duration_months": order.duration_months_proposed,
        "entered_by_hand": order.entered_by_hand,
    }
    if first_anniversary is not None:
        parameters["anniversary_date"] = first_anniversary.isoformat()
    return customer_event_record(customer, Kind.ORDER_PLACED, actor, **parameters)


@describes(Kind.ORDER_PLACED)
def _describe_order_placed(parameters: dict) -> str:
    return f"{parameters.get('order_number', '')} → {parameters.get('reference', '')}{by_hand_text(parameters)}"


def duration_set_record(*, customer: Customer, actor: User, order: Order, previous: int | None) -> CustomerEvent:
    return customer_event_record(
        customer,
        Kind.DURATION_SET,
        actor,
        order_number=order.order_number,
        proposed=order.duration_months_proposed,
        previous=previous,
        months=order.duration_months,
    )


@describes(Kind.DURATION_SET)
def _describe_duration_set(parameters: dict) -> str:
    before = parameters.get("previous") or parameters.get("proposed")
    return f"{parameters.get('order_number', '')}: {before} → {parameters.get('months')}"


def return_requested_record(
    *, customer: Customer, actor: User, order: Order, authorization: ReturnAuthorization, lines
) -> CustomerEvent:
    """The return and its lines; `return_id` lets the history's card of that return find its channel."""
    return customer_event_record(
        customer,
        Kind.RETURN_REQUESTED,
        actor,
        order_number=order.order_number,
        return_id=authorization.pk,
        lines=event_lines(lines),
    )


@describes(Kind.RETURN_REQUESTED)
def _describe_return(parameters: dict) -> str:
    return f"{parameters.get('order_number', '')}: {lines_text(parameters)}"


# ---------------------------------------------------------------------------
# Licence assignments
# ---------------------------------------------------------------------------
def license_assigned_record(*, customer: Customer, actor: User, email: str, product: str) -> CustomerEvent:
    return customer_event_record(customer, Kind.LICENSE_ASSIGNED, actor, email=email, product=product)


def license_released_record(*, customer: Customer, actor: User, email: str, product: str) -> CustomerEvent:
    return customer_event_record(customer, Kind.LICENSE_RELEASED, actor, email=email, product=product)


@describes(Kind.LICENSE_ASSIGNED, Kind.LICENSE_RELEASED)
def _describe_license(parameters: dict) -> str:
    return f"{parameters.get('email', '')}: {parameters.get('product', '')}"
