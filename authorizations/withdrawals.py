"""Withdrawing customers' pending purchase authorizations set-wise, when their access is removed."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from customers.models import CustomerEvent

from .events import event_line, pa_withdrawn_events
from .models import (
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    PurchaseAuthorizationStatus,
)
from .transitions import purchase_authorizations_status_change_bulk

PENDING, WITHDRAWN = PurchaseAuthorizationStatus.PENDING, PurchaseAuthorizationStatus.WITHDRAWN


def pending_withdraw_all(
    *, customer_ids: list[int], reason: str, at: datetime
) -> tuple[list[CustomerEvent], dict[tuple[int, int], int]]:
    """Withdraw every pending PA of these customers (the caller holds their locks), three queries whatever N.

    The same transition as a reseller's withdrawal (`purchase_authorizations_status_change_bulk`), without the
    assigned-users check: the caller ends the deployments and the assignments in the same transaction. Returns the
    PA_WITHDRAWN events, one per PA (actor none: the channel is the running job), for the caller to write before
    its own, and the licences released per (customer, product) so it records what was still held after them.
    """
    pending = list(
        PurchaseAuthorization.objects.filter(customer_id__in=customer_ids, status=PENDING)
        .order_by("pk")
        .values_list("pk", "customer_id", "reference")
    )
    if not pending:
        return [], {}
    owner = {pk: customer_id for pk, customer_id, _reference in pending}
    lines: dict[int, list[dict]] = defaultdict(list)
    released: dict[tuple[int, int], int] = defaultdict(int)
    for pa_id, product_id, sku, name, quantity in (
        PurchaseAuthorizationLine.objects.filter(purchase_authorization_id__in=owner, removed_at__isnull=True)
        .order_by("pk")
        .values_list("purchase_authorization_id", "product_id", "product__sku_new", "product__name", "quantity")
    ):
        lines[pa_id].append(event_line(sku=sku, product=name, quantity=quantity))
        released[(owner[pa_id], product_id)] += quantity
    purchase_authorizations_status_change_bulk(
        rows=[{"pk": pk, "status": PENDING} for pk in owner], to=WITHDRAWN, fields={"withdrawn_at": at}
    )
    events = pa_withdrawn_events(
        ((customer_id, reference, lines[pk]) for pk, customer_id, reference in pending), reason=reason, at=at
    )
    return events, dict(released)
