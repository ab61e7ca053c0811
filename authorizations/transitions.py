"""A purchase authorization's status changes here only, one PA or a sweep's batch at once.

Both check the transition map (`PURCHASE_AUTHORIZATION_TRANSITIONS`; a batch keeps the rows it allows), save with
`update_fields` (a batch: one UPDATE) and send a domain signal inside the transaction (`authorizations.signals`;
a batch: one signal with its ids). The history event of the change is the caller's, who knows what it means
(withdrawn, ordered …): see `authorizations.events`.

Locking: the customer first (`customers.transitions.customer_lock`), then the purchase authorization.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from customers.models import Customer
from customers.transitions import customer_lock
from resellerconsole.errors import DomainError

from .models import PURCHASE_AUTHORIZATION_TRANSITIONS, PurchaseAuthorization
from .signals import status_changed, statuses_changed


def purchase_authorization_lock(pa: PurchaseAuthorization) -> tuple[Customer, PurchaseAuthorization]:
    """Its customer (with the reseller), then the purchase authorization, fresh and locked for the transaction."""
    customer = customer_lock(pa.customer, related=("reseller",))
    return customer, PurchaseAuthorization.objects.select_for_update().get(pk=pa.pk)


def purchase_authorization_status_change(
    *, purchase_authorization: PurchaseAuthorization, to: str, actor: User | None, fields: Mapping | None = None
) -> PurchaseAuthorization:
    """Change one PA's status, with `fields` saved alongside (withdrawn_at …).

    The PA and its customer are locked (`purchase_authorization_lock`) in the caller's transaction.
    """
    pa = purchase_authorization
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("purchase_authorization_status_change runs inside the transaction that holds the lock")
    previous = pa.status
    if to not in PURCHASE_AUTHORIZATION_TRANSITIONS[previous]:
        raise DomainError(
            _("Purchase authorization %(reference)s is %(status)s and cannot change any more.")
            % {"reference": pa.reference, "status": pa.get_status_display().lower()},
            code="invalid_transition",
        )
    fields = dict(fields or {})
    pa.status = to
    for name, value in fields.items():
        setattr(pa, name, value)
    pa.save(update_fields=["status", *fields])
    status_changed.send(
        sender=PurchaseAuthorization, purchase_authorization=pa, previous=previous, status=to, actor=actor
    )
    return pa


def purchase_authorizations_status_change_bulk(
    *, rows: Sequence[Mapping], to: str, fields: Mapping | None = None
) -> list[int]:
    """Change the batch's PAs the map allows to `to`, in one UPDATE and one signal; the others are left as they are.

    `rows`: the PAs, with "pk" and "status", read while the caller holds their customers' locks (it writes the
    events). Returns the ids changed, in primary-key order.
    """
    allowed = [row for row in rows if to in PURCHASE_AUTHORIZATION_TRANSITIONS[row["status"]]]
    ids = sorted(row["pk"] for row in allowed)
    if ids:
        # Asking for the statuses read as well: a PA changed meanwhile (it should not: its customer is locked) stays.
        PurchaseAuthorization.objects.filter(pk__in=ids, status__in={row["status"] for row in allowed}).update(
            status=to, **(fields or {})
        )
        statuses_changed.send(sender=PurchaseAuthorization, ids=ids, status=to)
    return ids
