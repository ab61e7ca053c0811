"""Orders."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import order_entered_by_hand
from customers.models import Customer
from customers.selectors import customers_visible_to
from resellerconsole.errors import DomainError

from .. import dates, selectors
from ..deadlines import (
    customer_refresh_delay,
)
from ..events import duration_set_record, order_placed_record
from ..models import (
    Order,
    OrderLine,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    PurchaseAuthorizationStatus,
)
from ..transitions import purchase_authorization_status_change
from .base import _lock_customer, fully_returned, today
from .withdraw import _active_lines


@dataclass(frozen=True)
class OrderLineRequest:
    sku: str
    quantity: int


def _fingerprint(*, order_date: date, pa_reference: str, lines: Sequence[OrderLineRequest]) -> str:
    content = {
        "order_date": order_date.isoformat(),
        "purchase_authorization": pa_reference.strip().upper(),
        "lines": sorted([ln.sku.strip().upper(), ln.quantity] for ln in lines),
    }
    return content_fingerprint(content)


def order_place(
    *,
    order_number: str,
    order_date: date,
    pa_reference: str,
    lines: Sequence[OrderLineRequest],
    actor: User,
    number_taken_elsewhere: bool = False,
    through_marketplace: bool = False,
) -> tuple[Order, bool]:
    """Record an order: from the licensing website, a VIP Marketplace API client (`through_marketplace`), or
    entered by hand in the console. Returns (order, created).

    The same order number with the same content returns the first result; with other content it is refused.
    A number held by an order the actor may not see, or by a renewal (`number_taken_elsewhere`: the order
    intake, which owns order numbers, says so) is answered as an unknown number would be until every other
    check has passed (order_number_holder_visible).
    """
    by_hand = order_entered_by_hand(actor, through_marketplace=through_marketplace)
    order_number = order_number.strip()
    if not order_number:
        raise DomainError(_("Enter the order number."), code="required", field="order_number")
    fingerprint = _fingerprint(order_date=order_date, pa_reference=pa_reference, lines=lines)
    existing = Order.objects.filter(order_number=order_number).first()
    if existing is not None and order_number_holder_visible(existing, actor=actor):
        return _replayed(existing, fingerprint), False
    taken = existing is not None or number_taken_elsewhere
    refuse_future_order_date(order_date)
    # By hand or through the VIP Marketplace API, only the actor's own customers' authorizations exist; the LWS
    # orders for every reseller.
    own_only = by_hand or through_marketplace
    authorizations = selectors.purchase_authorizations_visible_to(actor) if own_only else PurchaseAuthorization.objects
    pa = authorizations.filter(reference=pa_reference.strip().upper()).select_related("customer").first()
    if pa is None:
        raise DomainError(
            _("There is no purchase authorization %(reference)s.") % {"reference": pa_reference},
            code="unknown_purchase_authorization",
            field="purchase_authorization",
        )
    with transaction.atomic():
        customer = _lock_customer(pa.customer)
        pa = PurchaseAuthorization.objects.select_for_update().get(pk=pa.pk)
        # A concurrent retry of the same order may have won the lock first.
        existing = Order.objects.filter(order_number=order_number).first()
        if existing is not None and order_number_holder_visible(existing, actor=actor):
            return _replayed(existing, fingerprint), False
        taken = taken or existing is not None
        if pa.status == PurchaseAuthorizationStatus.WITHDRAWN:
            raise DomainError(
                _("Purchase authorization %(reference)s was withdrawn and cannot be ordered.")
                % {"reference": pa.reference},
                code="withdrawn",
                field="purchase_authorization",
            )
        if pa.status == PurchaseAuthorizationStatus.ORDERED:
            raise DomainError(
                _("Purchase authorization %(reference)s already has an order (%(order)s).")
                % {"reference": pa.reference, "order": pa.order.order_number},
                code="already_ordered",
                field="purchase_authorization",
            )
        refuse_order_date_before_authorization(order_date, pa)
        pa_lines = _active_lines(pa)
        _require_matching_lines(pa, pa_lines, lines)
        if taken:
            # Someone else's number: refused only now, with what the create below would have answered.
            raise order_number_conflict(order_number)
        proposed = _proposed_duration(customer, order_date)
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    order_number=order_number,
                    purchase_authorization=pa,
                    customer=customer,
                    order_date=order_date,
                    fingerprint=fingerprint,
                    duration_months_proposed=proposed,
                    placed_by=actor,
                    entered_by_hand=by_hand,
                )
        except IntegrityError:
            # The same number was just used for another customer's authorization (their lock is not ours).
            raise order_number_conflict(order_number) from None
        OrderLine.objects.bulk_create(
            [OrderLine(order=order, product=ln.product, quantity=ln.quantity) for ln in pa_lines]
        )
        purchase_authorization_status_change(
            purchase_authorization=pa, to=PurchaseAuthorizationStatus.ORDERED, actor=actor
        )
        first_anniversary = None
        if customer.anniversary_date is None:
            customer.anniversary_date = first_anniversary = dates.first_anniversary(order_date)
            customer.anniversary_day = order_date.day
            customer.save(update_fields=["anniversary_date", "anniversary_day", "updated_at"])
        order_placed_record(
            customer=customer, actor=actor, order=order, reference=pa.reference, first_anniversary=first_anniversary
        )
        customer_refresh_delay(customer=customer, on=today(), actor=actor)
    return order, True


def order_number_holder_visible(holder, *, actor: User) -> bool:
    """Whether `actor` may learn about the order or renewal `holder` that has an order number.

    The licensing website sees what it placed itself, console users their customers' orders. For anyone else
    the number is answered like an unknown one, so another reseller (or integration) cannot learn it exists.
    """
    if actor.is_licensing_website:
        return holder.placed_by_id == actor.pk and not holder.entered_by_hand
    return customers_visible_to(actor).filter(pk=holder.customer_id).exists()


def _proposed_duration(customer: Customer, order_date: date) -> int:
    """12 months for the first order, else co-termed to the next anniversary after the order date."""
    anniversary = customer.anniversary_date
    while anniversary is not None and anniversary <= order_date:
        # Not renewed yet (grace period): the order co-terms with the anniversary after this one.
        anniversary = dates.next_anniversary(anniversary, original_day=customer.anniversary_day)
    return dates.proposed_duration_months(order_date=order_date, anniversary=anniversary)


def refuse_future_order_date(order_date: date, *, on: date | None = None) -> None:
    """The one order-date rule every door asks (API, console forms, renewals): no order is dated after today."""
    if order_date > (on or today()):
        raise DomainError(_("The order date cannot be in the future."), code="future_date", field="order_date")


def refuse_order_date_before_authorization(order_date: date, pa: PurchaseAuthorization) -> None:
    """An order cannot predate the purchase authorization it references."""
    if order_date < timezone.localdate(pa.deployed_at):
        raise DomainError(
            _("The order date is before purchase authorization %(reference)s was created.")
            % {"reference": pa.reference},
            code="before_authorization",
            field="order_date",
        )


def order_number_conflict(order_number: str) -> DomainError:
    """The licensing website reused an order number for other content (new or renewal orders alike)."""
    return DomainError(
        _("Order number %(number)s was already received with other content.") % {"number": order_number},
        code="order_number_conflict",
        field="order_number",
    )


def content_fingerprint(content: dict) -> str:
    """A digest of an order's content: a retry must carry the same content as the first request."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(order: Order, fingerprint: str) -> Order:
    if order.fingerprint != fingerprint:
        raise order_number_conflict(order.order_number)
    return order


def _require_matching_lines(
    pa: PurchaseAuthorization, pa_lines: list[PurchaseAuthorizationLine], lines: Sequence[OrderLineRequest]
) -> None:
    wanted = {ln.product.sku_new.upper(): ln.quantity for ln in pa_lines}
    given: dict[str, int] = {}
    for line in lines:
        sku = line.sku.strip().upper()
        if sku in given:
            raise DomainError(
                _("SKU %(sku)s appears twice in the order.") % {"sku": sku}, code="repeated_product", field="lines"
            )
        given[sku] = line.quantity
    problems = []
    for sku, quantity in sorted(wanted.items()):
        if sku not in given:
            problems.append(_("%(sku)s × %(quantity)s is missing") % {"sku": sku, "quantity": quantity})
        elif given[sku] != quantity:
            problems.append(
                ngettext(
                    "%(sku)s has %(given)s licence, the purchase authorization %(wanted)s",
                    "%(sku)s has %(given)s licences, the purchase authorization %(wanted)s",
                    given[sku],
                )
                % {"sku": sku, "given": given[sku], "wanted": quantity}
            )
    problems += [
        _("%(sku)s is not on the purchase authorization") % {"sku": sku} for sku in sorted(set(given) - set(wanted))
    ]
    if problems:
        raise DomainError(
            _("The order does not match purchase authorization %(reference)s: %(problems)s.")
            % {"reference": pa.reference, "problems": "; ".join(problems)},
            code="lines_mismatch",
            field="lines",
        )


def duration_refusal(*, order: Order) -> str | None:
    """Why the order's duration cannot be confirmed or changed (every line was returned: nothing runs), or None."""
    if fully_returned(order):
        return _("Every line of order %(number)s was returned: it has no duration to confirm.") % {
            "number": order.order_number
        }
    return None


def order_set_duration(*, order: Order, months: int, actor: User) -> Order:
    """The reseller confirms or changes the proposed duration (1–12 months); both are kept. Refused once every
    line of the order was returned."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
        raise DomainError(_("Enter a duration from 1 to 12 months."), code="invalid", field="duration_months")
    with transaction.atomic():
        customer = _lock_customer(order.customer)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if refusal := duration_refusal(order=order):
            raise DomainError(refusal, code="already_returned", field="duration_months")
        previous = order.duration_months
        order.duration_months, order.duration_set_by, order.duration_set_at = months, actor, timezone.now()
        order.save(update_fields=["duration_months", "duration_set_by", "duration_set_at"])
        duration_set_record(customer=customer, actor=actor, order=order, previous=previous)
    return order
