"""The order intake: one door for every order, new or renewal, from the licensing website, the VIP Marketplace
API (which deploys and orders in one step: order_deploy_and_place) or entered by hand.

It owns order numbers. A number lands once across both kinds: the claim (an `OrderNumber` row with a unique
index) is written in the same transaction as the order or renewal, so a concurrent order and renewal with one
number cannot both land; the loser's whole transaction rolls back and it is refused as a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.db import IntegrityError, transaction

from accounts.models import User
from authorizations import services as orders
from authorizations.models import Order, PurchaseAuthorization
from authorizations.services import LineRequest
from catalogue.models import Product
from customers.models import Customer
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
    through_marketplace: bool = False,
) -> tuple[Order | Renewal, bool]:
    """Receive an order: `kind` new (`reference` is the PA reference) or renewal (`reference` is the VIP ID);
    `through_marketplace`: a VIP Marketplace API client's, placed as its user at the customer's reseller.

    Returns (order or renewal, created). The same number with the same content returns the first result; a
    number already used by the other kind is refused (order_number_conflict) — at once when the actor may see
    its holder, otherwise only after every other check, as an unknown number would be.
    """
    with transaction.atomic(durable=True):
        return _receive(
            kind=kind,
            order_number=order_number,
            order_date=order_date,
            reference=reference,
            lines=lines,
            actor=actor,
            through_marketplace=through_marketplace,
        )


def _receive(
    *,
    kind: str,
    order_number: str,
    order_date: date,
    reference: str,
    lines: Sequence[OrderLine],
    actor: User,
    through_marketplace: bool = False,
) -> tuple[Order | Renewal, bool]:
    """order_receive inside the caller's transaction (the claim and the order or renewal land together)."""
    if kind not in OrderKind.values:
        raise DomainError(f"Unknown order type {kind!r}", code="invalid", field="order_type")
    number = (order_number or "").strip()
    # The other kind's holder, if any (its table, not only the claims: rows written before the claims existed).
    other_kind = Renewal if kind == OrderKind.NEW else Order
    holder = other_kind.objects.filter(order_number=number).first() if number else None
    taken_elsewhere = holder is not None
    if taken_elsewhere and orders.order_number_holder_visible(holder, actor=actor):
        raise orders.order_number_conflict(number)
    result: Order | Renewal
    if kind == OrderKind.NEW:
        result, created = orders.order_place(
            order_number=number,
            order_date=order_date,
            pa_reference=reference,
            lines=[orders.OrderLineRequest(ln.sku, ln.quantity) for ln in lines],
            actor=actor,
            number_taken_elsewhere=taken_elsewhere,
            through_marketplace=through_marketplace,
        )
    else:
        result, created = renewals.renewal_place(
            order_number=number,
            order_date=order_date,
            vip_id=reference,
            lines=[renewals.RenewalLineRequest(ln.sku, ln.quantity) for ln in lines],
            actor=actor,
            number_taken_elsewhere=taken_elsewhere,
            through_marketplace=through_marketplace,
        )
    if created:
        _claim(number, kind=kind, holder=result)
    return result, created


#: The order numbers this intake gives the orders it places itself (the VIP Marketplace API's NEW orders):
#: the prefix and the purchase authorization's number, VM00000042 for PA00000042.
OWN_ORDER_NUMBER_PREFIX = "VM"


def own_order_number(pa: PurchaseAuthorization) -> str:
    """Unique as the purchase authorization is, which has at most one order."""
    return f"{OWN_ORDER_NUMBER_PREFIX}{pa.pk:08d}"


def order_deploy_and_place(
    *,
    customer: Customer,
    license_type: str,
    lines: Sequence[LineRequest],
    po_number: str = "",
    actor: User,
) -> Order:
    """Deploy and order in one step (the VIP Marketplace API's NEW order): a purchase authorization with every
    one of its rules (authorizations.services.purchase_authorization_create), then its order, dated today and
    numbered by this intake (own_order_number), received as any order is (_receive: the number's claim, the
    order's rules, the co-termed duration), all in one transaction. The caller may run it inside its own (the
    VIP Marketplace API keeps its details of the order in the same one)."""
    with transaction.atomic():
        pa = orders.purchase_authorization_create(
            customer=customer, license_type=license_type, lines=lines, po_number=po_number, actor=actor
        )
        order, _created = _receive(
            kind=OrderKind.NEW,
            order_number=own_order_number(pa),
            order_date=orders.today(),
            reference=pa.reference,
            # The lines were checked by purchase_authorization_create: each has its product and quantity.
            lines=[OrderLine(cast(Product, ln.product).sku_new, cast(int, ln.quantity)) for ln in lines],
            actor=actor,
            through_marketplace=True,
        )
    return cast(Order, order)  # kind NEW places an Order


def _claim(number: str, *, kind: str, holder: Order | Renewal) -> None:
    try:
        with transaction.atomic():
            OrderNumber.objects.create(
                number=number,
                kind=kind,
                order=holder if isinstance(holder, Order) else None,
                renewal=holder if isinstance(holder, Renewal) else None,
            )
    except IntegrityError:
        # The other kind claimed the number after our look-up (a parallel request): this order rolls back.
        raise orders.order_number_conflict(number) from None
