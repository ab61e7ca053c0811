"""Removal of access and reinstatement."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from authorizations.services import (
    customer_refresh_delay,
)
from authorizations.withdrawals import pending_withdraw_all
from customers.models import Customer, CustomerStatus
from customers.transitions import customer_lock, customer_status_change, customers_status_change_bulk, restored_status
from licences import selectors as licence_selectors
from licences import services as licences
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.errors import DomainError

from ..dates import WindowState, anniversaries_in
from ..events import access_removed_event, reinstated_record
from .base import BATCH_FIELDS, LIVE_STATUSES


def expired_candidates(*, on: date):
    """Customers whose grace period ended before `on` without a renewal (the anniversary did not move)."""
    _first, last = anniversaries_in(WindowState.LAPSED, on)
    return Customer.objects.filter(status__in=LIVE_STATUSES, anniversary_date__lte=last).exclude(
        reinstated_for=F("anniversary_date")
    )


def remove_expired_access(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> list[int]:
    """End the deployments and assignments of lapsed customers and make them Inactive; nothing is deleted.

    Their pending purchase authorizations are withdrawn first (their licences are no longer deployed, and a
    pending PA left behind could never be withdrawn or ordered after a reinstatement), one event each.
    """
    removed: list[int] = []
    for batch in keyset_batches(
        expired_candidates(on=on),
        batch_size=batch_size or settings.SWEEP_BATCH_SIZE,
        lock=not dry_run,
        fields=BATCH_FIELDS,
        key_range=key_range,
    ):
        ids = [row["pk"] for row in batch]
        removed.extend(ids)
        if dry_run:
            continue
        now = timezone.now()
        events, released = pending_withdraw_all(customer_ids=ids, reason="access removed", at=now)
        held: dict[int, list[dict]] = {}
        for customer_id, product_id, name, deployed in licence_selectors.deployed_rows(customer_ids=ids):
            # What the removal itself ends: the licences left once the pending PAs have released theirs.
            quantity = deployed - released.get((customer_id, product_id), 0)
            if quantity > 0:
                held.setdefault(customer_id, []).append({"product": name, "quantity": quantity})
        licences.holdings_end(customer_ids=ids)
        licences.assignments_release(customer_ids=ids, actor=None, at=now)
        for row in batch:
            events.append(
                access_removed_event(
                    customer_id=row["pk"], anniversary=row["anniversary_date"], lines=held.get(row["pk"], []), at=now
                )
            )
        # The batch's rows are locked (keyset_batches); one INSERT writes the withdrawals, removals and changes.
        customers_status_change_bulk(
            rows=batch,
            to=CustomerStatus.INACTIVE,
            at=now,
            fields={"delayed_for": None},
            events=events,
            reason="grace period ended",
        )
    return removed


def customer_reinstate(*, customer: Customer, actor: User) -> Customer:
    """The reseller reinstates an Inactive account so a late renewal can be processed; recorded.

    It returns to Active if its invitation was accepted, else to Invitation sent.
    """
    with transaction.atomic():
        customer = customer_lock(customer)
        if customer.status != CustomerStatus.INACTIVE:
            raise DomainError(_("Only an inactive account can be reinstated."), code="invalid_transition")
        customer_status_change(
            customer=customer, to=restored_status(customer.invitation_accepted_at), actor=actor, reason="reinstated"
        )
        # The lapsed anniversary may still be renewed late; the removal job leaves the account alone meanwhile.
        customer.reinstated_for = customer.anniversary_date
        customer.save(update_fields=["reinstated_for", "updated_at"])
        reinstated_record(customer=customer, actor=actor)
        # The removal withdrew the pending PAs; one left from before it did (older data) makes it Delayed at once.
        customer_refresh_delay(customer=customer, on=timezone.localdate(), actor=actor)
    return customer
