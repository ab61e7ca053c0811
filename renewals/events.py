"""The renewals' kinds in the customer history: one function per kind, and how each reads.

Registered in `customers.events` at start-up (RenewalsConfig.ready imports this module). Removal of access and
reinstatement read as the VIP ID fallback does (nothing for them).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from catalogue.models import Product
from customers.events import by_hand_text, customer_event, customer_event_record, date_text, describes, lines_text
from customers.models import Customer, CustomerEvent
from resellerconsole.l10n import grouped

from .models import Renewal, RenewalLine

Kind = CustomerEvent.Kind


def renewal_quantity_chosen_record(
    *, customer: Customer, actor: User, product: Product, before: int, after: int, losing_access: list[str]
) -> CustomerEvent:
    return customer_event_record(
        customer,
        Kind.RENEWAL_QUANTITY_CHOSEN,
        actor,
        product=product.name,
        sku=product.sku_renewal,
        before=before,
        after=after,
        losing_access=losing_access,
    )


@describes(Kind.RENEWAL_QUANTITY_CHOSEN)
def _describe_quantity_chosen(parameters: dict) -> str:
    return f"{parameters.get('product', '')}: {parameters.get('before', '?')} → {parameters.get('after', '?')}"


def renewed_record(
    *, customer: Customer, actor: User | None, renewal: Renewal, lines: list[RenewalLine]
) -> CustomerEvent:
    """No actor for an auto-renewal (the job placed it on the anniversary); its row says so."""
    extra = {"automatic": True} if renewal.automatic else {}
    return customer_event_record(
        customer,
        Kind.RENEWED,
        actor,
        order_number=renewal.order_number,
        anniversary_before=renewal.anniversary_before.isoformat(),
        anniversary_after=renewal.anniversary_after.isoformat(),
        entered_by_hand=renewal.entered_by_hand,
        lines=[{"product": ln.product.name, "before": ln.quantity_before, "after": ln.quantity_after} for ln in lines],
        **extra,
    )


@describes(Kind.RENEWED)
def _describe_renewed(parameters: dict) -> str:
    automatic = f" ({_('auto-renewal')})" if parameters.get("automatic") else ""
    return (
        f"{date_text(parameters.get('anniversary_before'))} → {date_text(parameters.get('anniversary_after'))}: "
        f"{lines_text(parameters)}{by_hand_text(parameters)}{automatic}"
    )


def auto_renewal_changed_record(
    *, customer: Customer, actor: User | None, product: Product, before: dict, after: dict
) -> CustomerEvent:
    """A subscription's auto-renewal, before and after: {"enabled": bool, "renewal_quantity": int | None}."""
    return customer_event_record(
        customer,
        Kind.AUTO_RENEWAL_CHANGED,
        actor,
        product=product.name,
        sku=product.sku_renewal,
        before=before,
        after=after,
    )


def _auto_renewal_text(state: dict) -> str:
    if not state.get("enabled"):
        return _("off")
    quantity = state.get("renewal_quantity")
    if quantity is None:
        return _("on")
    return ngettext("on, %(quantity)s licence", "on, %(quantity)s licences", quantity) % {"quantity": grouped(quantity)}


@describes(Kind.AUTO_RENEWAL_CHANGED)
def _describe_auto_renewal_changed(parameters: dict) -> str:
    before, after = parameters.get("before") or {}, parameters.get("after") or {}
    return f"{parameters.get('product', '')}: {_auto_renewal_text(before)} → {_auto_renewal_text(after)}"


def access_removed_event(*, customer_id: int, anniversary: date, lines: list[dict], at: datetime) -> CustomerEvent:
    """Unsaved: the licences the removal of access ended (product, quantity), for the sweep's one INSERT."""
    return customer_event(
        customer_id=customer_id,
        kind=Kind.ACCESS_REMOVED,
        at=at,
        parameters={"anniversary": anniversary.isoformat(), "lines": lines},
    )


def reinstated_record(*, customer: Customer, actor: User) -> CustomerEvent:
    """The lapsed anniversary the reseller reinstated the account for."""
    anniversary = customer.anniversary_date
    return customer_event_record(
        customer, Kind.REINSTATED, actor, anniversary=anniversary.isoformat() if anniversary else None
    )
