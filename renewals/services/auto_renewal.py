"""Auto-renewal: each subscription (a Holding) renews by itself on the customer's anniversary — on or off, and
the quantity — and the daily job that places those renewals, exactly once per anniversary.

As Adobe's VIP Marketplace does it: on the anniversary every subscription with auto-renewal on renews for its
quantity, the others are not renewed (they renew 0 in the one renewal order, which names every product). A
customer none of whose subscriptions has auto-renewal on is left to the renewal order as before.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from authorizations import selectors as pa_selectors
from authorizations.models import Order
from authorizations.services import refuse_future_order_date
from catalogue.models import Product
from customers.models import Customer
from customers.transitions import customer_lock
from licences.models import Holding
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.errors import DomainError

from ..events import auto_renewal_changed_record
from ..models import AutoRenewal, AutoRenewalDefault, Renewal
from ..selectors import auto_renewing_holdings, subscriptions_for
from .base import BATCH_FIELDS, LIVE_STATUSES
from .orders import (
    RenewalLineRequest,
    refuse_renewal_quantity_out_of_range,
    renewable_products,
    renewal_fingerprint,
    renewal_process,
    renewal_replayed,
)

logger = logging.getLogger(__name__)

#: "Leave it as it is" for auto_renewal_set's optional arguments (None clears the chosen quantity).
KEEP = object()


def auto_renewal_default_set(*, customer: Customer, enabled: bool) -> None:
    """Whether the customer's subscriptions renew automatically unless one is set otherwise (/v3's customers
    start with it on, as Adobe's do; the console's have no row: off)."""
    AutoRenewalDefault.objects.update_or_create(customer=customer, defaults={"enabled": enabled})


def _state(row: AutoRenewal | None, default: bool) -> dict:
    if row is None:
        return {"enabled": default, "renewal_quantity": None}
    return {"enabled": row.enabled, "renewal_quantity": row.renewal_quantity}


def auto_renewal_set(
    *, customer: Customer, product: Product, actor: User | None, enabled=KEEP, renewal_quantity=KEEP
) -> AutoRenewal:
    """Turn a subscription's auto-renewal on or off and choose the quantity it renews (None: the renewal
    proposal's quantity, which is the quantity held unless someone chose another). Only a subscription with
    licences held may be changed (Adobe: only an active one); the quantity is asked of the renewal rule."""
    if enabled is not KEEP and not isinstance(enabled, bool):
        raise DomainError(_("Say whether the subscription renews automatically."), code="invalid", field="enabled")
    if renewal_quantity is not KEEP and renewal_quantity is not None:
        refuse_renewal_quantity_out_of_range(product, renewal_quantity, field="renewal_quantity")
    with transaction.atomic():
        customer = customer_lock(customer)
        holding = Holding.objects.filter(customer=customer, product=product, deployed__gt=0).first()
        if holding is None:
            raise DomainError(
                _("%(product)s: the customer holds no licences of it, so it has no auto-renewal to change.")
                % {"product": product.name},
                code="subscription_inactive",
                field="product",
            )
        row = AutoRenewal.objects.select_for_update().filter(holding=holding).first()
        default = AutoRenewalDefault.objects.filter(customer=customer, enabled=True).exists()
        before = _state(row, default)
        after = {
            "enabled": before["enabled"] if enabled is KEEP else enabled,
            "renewal_quantity": before["renewal_quantity"] if renewal_quantity is KEEP else renewal_quantity,
        }
        if row is None:
            # Nothing chosen yet: a row only once something is (until then the customer's default applies).
            row = AutoRenewal(holding=holding, enabled=before["enabled"])
        if after != before:
            row.enabled, row.renewal_quantity = after["enabled"], after["renewal_quantity"]
            row.changed_by, row.changed_at = actor, timezone.now()
            row.save()
            auto_renewal_changed_record(customer=customer, actor=actor, product=product, before=before, after=after)
    return row


def auto_renewal_lines(customer: Customer) -> list[RenewalLineRequest]:
    """The renewal order the auto-renewal places on the anniversary (and /v3's PREVIEW_RENEWAL shows): every
    renewable product — at its auto-renewal quantity where auto-renewal is on and licences are held, else 0;
    never below the licences pending purchase authorizations deploy (they await their order: the renewal rule)."""
    renews = {s.product.pk: s.renews for s in subscriptions_for(customer=customer)}
    pending = {pid: sum(by_pa.values()) for pid, by_pa in pa_selectors.pending_quantities(customer=customer).items()}
    return [
        RenewalLineRequest(product.sku_renewal, max(renews.get(pid, 0), pending.get(pid, 0)))
        for pid, product in sorted(renewable_products(customer).items(), key=lambda item: item[1].name)
    ]


def auto_renewal_order_number(customer: Customer) -> str:
    """The order number of the auto-renewal of the customer's current anniversary: one per anniversary, so a
    second run finds the first one's renewal. Numbers the licensing website sends never start with AUTO-…; the
    order intake refuses a new order with a renewal's number (docs/vip-marketplace-api.md, "Auto-renewal")."""
    return f"AUTO-{customer.vip_id or customer.pk}-{customer.anniversary_date:%Y%m%d}"


def _due_window(on: date) -> tuple[date, date]:
    """Anniversaries the auto-renewal renews on `on`: today's, and any passed one still in its grace period (a
    day the job did not run is caught up)."""
    return on - timedelta(days=settings.RENEWAL_GRACE_DAYS), on


def auto_renewal_candidates(*, on: date):
    """Live customers whose anniversary is due (`_due_window`) and that have a subscription with auto-renewal
    on: set-based, one query per batch."""
    first, last = _due_window(on)
    renewing = Holding.objects.filter(auto_renewing_holdings(), customer=OuterRef("pk"))
    return Customer.objects.filter(
        status__in=LIVE_STATUSES, anniversary_date__gte=first, anniversary_date__lte=last
    ).filter(Exists(renewing))


def auto_renewal_place(*, customer: Customer, on: date) -> tuple[Renewal, bool] | None:
    """Renew the customer's auto-renewing subscriptions for its due anniversary, as a renewal order dated the
    anniversary (every product named: the others at 0) through the renewal's own rules. The customer row is
    locked and read again first, so a second run — in parallel or later — finds the anniversary moved on and
    does nothing (None). (renewal, created)."""
    with transaction.atomic():
        customer = customer_lock(customer)
        if not auto_renewal_candidates(on=on).filter(pk=customer.pk).exists():
            return None
        anniversary = cast(date, customer.anniversary_date)  # a candidate has an anniversary
        number = auto_renewal_order_number(customer)
        lines = auto_renewal_lines(customer)
        fingerprint = renewal_fingerprint(order_date=anniversary, vip_id=customer.vip_id or "", lines=lines)
        existing = Renewal.objects.filter(order_number=number).first()
        if existing is not None:
            return renewal_replayed(existing, fingerprint), False
        refuse_future_order_date(anniversary)
        renewal = renewal_process(
            customer=customer,
            order_number=number,
            order_date=anniversary,
            lines=lines,
            fingerprint=fingerprint,
            actor=None,
            by_hand=False,
            number_taken=Order.objects.filter(order_number=number).exists(),
            automatic=True,
        )
    return renewal, True


@dataclass
class AutoRenewalRun:
    renewed: list[int] = field(default_factory=list)
    #: Customer id → the refusal's code (a rule of the renewal refused it; logged, tried again the next day).
    refused: dict[int, str] = field(default_factory=dict)
    due: list[int] = field(default_factory=list)


def auto_renew(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> AutoRenewalRun:
    """The daily job: every due customer with auto-renewing subscriptions renewed, a locked batch at a time.

    Idempotent: a renewed customer's anniversary has moved a year on, so it is no longer due; two runs at once
    queue on the batch's row locks and the second finds nothing left to do. A refusal (a rule of the renewal)
    leaves that customer as it was, for the reseller or the next day's run."""
    result = AutoRenewalRun()
    for batch in keyset_batches(
        auto_renewal_candidates(on=on),
        batch_size=batch_size or settings.SWEEP_BATCH_SIZE,
        lock=not dry_run,
        fields=BATCH_FIELDS,
        key_range=key_range,
    ):
        ids = [row["pk"] for row in batch]
        result.due.extend(ids)
        if dry_run:
            continue
        for customer in Customer.objects.filter(pk__in=ids).order_by("pk"):
            try:
                with transaction.atomic():
                    placed = auto_renewal_place(customer=customer, on=on)
            except DomainError as error:
                result.refused[customer.pk] = error.code
                logger.warning("auto-renewal refused customer=%s code=%s: %s", customer.pk, error.code, error.message)
                continue
            if placed is not None and placed[1]:
                result.renewed.append(customer.pk)
    return result
