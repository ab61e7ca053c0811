"""The order intake: one door for every order, new or renewal, from the licensing website or entered by hand.

It owns order numbers. A number lands once across both kinds: the claim (an `OrderNumber` row with a unique
index) is written in the same transaction as the order or renewal, so a concurrent order and renewal with one
number cannot both land; the loser's whole transaction rolls back and it is refused as a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from accounts.models import User
from authorizations import services as orders
from authorizations.models import Order
from renewals import services as renewals
from renewals.models import Renewal
from resellerconsole.errors import DomainError

from .models import OrderKind, OrderNumber


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


def order_receive(
    *,
    kind: str,
    order_number: str,
    order_date: date,
    reference: str,
    lines: Sequence[OrderLine],
    actor: User,
) -> tuple[Order | Renewal, bool]:
    """Receive an order: `kind` new (`reference` is the PA reference) or renewal (`reference` is the VIP ID).

    Returns (order or renewal, created). The same number with the same content returns the first result; a
    number already used by the other kind is refused (order_number_conflict) — at once when the actor may see
    its holder, otherwise only after every other check, as an unknown number would be.
    """
    if kind not in OrderKind.values:
        raise DomainError(f"Unknown order type {kind!r}", code="invalid", field="order_type")
    number = (order_number or "").strip()
    # The other kind's holder, if any (its table, not only the claims: rows written before the claims existed).
    other_kind = Renewal if kind == OrderKind.NEW else Order
    holder = other_kind.objects.filter(order_number=number).first() if number else None
    taken_elsewhere = holder is not None
    if taken_elsewhere and orders.order_number_holder_visible(holder, actor=actor):
        raise orders.order_number_conflict(number)
    with transaction.atomic(durable=True):
        if kind == OrderKind.NEW:
            result, created = orders.order_place(
                order_number=number,
                order_date=order_date,
                pa_reference=reference,
                lines=[orders.OrderLineRequest(ln.sku, ln.quantity) for ln in lines],
                actor=actor,
                number_taken_elsewhere=taken_elsewhere,
            )
        else:
            result, created = renewals.renewal_place(
                order_number=number,
                order_date=order_date,
                vip_id=reference,
                lines=[renewals.RenewalLineRequest(ln.sku, ln.quantity) for ln in lines],
                actor=actor,
                number_taken_elsewhere=taken_elsewhere,
            )
        if created:
            _claim(number, kind=kind, holder=result)
    return result, created


def _claim(number: str, *, kind: str, holder: Order | Renewal) -> None:
    try:
        with transaction.atomic():
            OrderNumber.objects.create(
                number=number,
                kind=kind,
                order=holder if kind == OrderKind.NEW else None,
                renewal=holder if kind == OrderKind.RENEWAL else None,
            )
    except IntegrityError:
        # The other kind claimed the number after our look-up (a parallel request): this order rolls back.
        raise orders.order_number_conflict(number) from None
