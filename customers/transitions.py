"""A customer's status changes here only, one customer at a time or a sweep's batch at once.

Both check the transition map (`CUSTOMER_STATUS_TRANSITIONS`; a batch keeps the rows it allows), save the status
with `update_fields` (a batch: one UPDATE), write the STATUS_CHANGED event (a batch: one INSERT) and send a
domain signal inside the transaction (`customers.signals`; a batch: one signal with its ids).

Locking: a change to a customer locks the customer first, through `customer_lock` (one customer) or
`customers_lock` (a batch, in primary-key order), then the customer's own rows. SELECT … FOR UPDATE where the
database has it (PostgreSQL); SQLite runs one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Case, CharField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from resellerconsole.errors import DomainError

from .events import customer_events_write, status_changed_events, status_changed_record
from .models import CUSTOMER_STATUS_TRANSITIONS, Customer, CustomerEvent, CustomerStatus
from .signals import status_changed, statuses_changed

#: What a batch's lock reads of each customer: enough to check the map and to say where a Delayed one returns.
LOCK_FIELDS = ("pk", "status", "invitation_accepted_at")


@dataclass(frozen=True)
class StatusChange:
    customer_id: int
    previous: str
    status: str


# ---------------------------------------------------------------------------
# The lock
# ---------------------------------------------------------------------------
def customer_lock(customer: Customer, *, related: Sequence[str] = ()) -> Customer:
    """The customer's row, fresh and locked until the caller's transaction ends (take it before its other rows)."""
    customers = Customer.objects.select_for_update()
    if related:
        customers = customers.select_related(*related)
    return customers.get(pk=customer.pk)


def customers_lock(customers: QuerySet, *, fields: Sequence[str] = LOCK_FIELDS) -> list[dict]:
    """A batch of customers' rows (dicts of `fields`), locked in primary-key order, only those still matching.

    Asked under the lock, the query's own conditions see what committed while it waited for the rows.
    """
    return list(customers.select_for_update(of=("self",)).order_by("pk").values(*fields))


# ---------------------------------------------------------------------------
# The rules the map does not say
# ---------------------------------------------------------------------------
def restored_status(invitation_accepted_at: datetime | None) -> str:
    """Where an account returns from Delayed, or when reinstated from Inactive: Active once the invitation was
    accepted, else Invitation sent (an invited customer can order, and so lapse, before accepting)."""
    return CustomerStatus.ACTIVE if invitation_accepted_at is not None else CustomerStatus.INVITATION_SENT


def _refusal(previous: str, status: str) -> DomainError:
    return DomainError(
        _("A customer cannot go from %(from)s to %(to)s.")
        % {"from": CustomerStatus(previous).label, "to": CustomerStatus(status).label},
        code="invalid_transition",
    )


# ---------------------------------------------------------------------------
# One customer
# ---------------------------------------------------------------------------
def customer_status_change(
    *, customer: Customer, to: str, actor: User | None, fields: Mapping | None = None, **details
) -> Customer:
    """Change one customer's status, with `fields` saved alongside; `details` go into the event (reason …).

    `customer` is locked (`customer_lock`) in the caller's transaction, which checked what the change depends on.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("customer_status_change runs inside the transaction that holds the customer's lock")
    previous = customer.status
    if to not in CUSTOMER_STATUS_TRANSITIONS[previous]:
        raise _refusal(previous, to)
    fields = dict(fields or {})
    customer.status = to
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.save(update_fields=["status", *fields, "updated_at"])
    status_changed_record(customer=customer, actor=actor, previous=previous, status=to, **details)
    status_changed.send(sender=Customer, customer=customer, previous=previous, status=to, actor=actor, details=details)
    return customer


# ---------------------------------------------------------------------------
# A sweep's batch
# ---------------------------------------------------------------------------
def customers_status_change_bulk(
    *,
    rows: Sequence[Mapping],
    to: str | Callable[[Mapping], str],
    at: datetime | None = None,
    fields: Mapping | None = None,
    details: Mapping[int, dict] | None = None,
    events: Sequence[CustomerEvent] = (),
    **common,
) -> list[StatusChange]:
    """Change the status of the batch's rows the map allows; the others are left as they are. No actor: the
    channel is the running job.

    `rows`: the batch's customers, locked by the caller (`customers_lock`, or a locked keyset batch), with "pk",
    "status" and what `to` reads when it is a function of the row. `fields` are set alongside in the one UPDATE;
    the event records `common` and the customer's `details`. The caller's own `events` of the same change are
    written in the same INSERT, before the status changes. Returns the changes, in primary-key order.
    """
    at = at or timezone.now()
    details = details or {}
    changes = []
    for row in sorted(rows, key=lambda row: row["pk"]):
        status = to(row) if callable(to) else to
        if status in CUSTOMER_STATUS_TRANSITIONS[row["status"]]:
            changes.append(StatusChange(row["pk"], row["status"], status))
    if changes:
        Customer.objects.filter(pk__in=[change.customer_id for change in changes]).update(
            status=_status_expression(changes), updated_at=at, **(fields or {})
        )
    recorded = status_changed_events(
        [(change.customer_id, change.previous, change.status) for change in changes],
        at=at,
        details={change.customer_id: {**common, **details.get(change.customer_id, {})} for change in changes},
    )
    if events or recorded:
        customer_events_write([*events, *recorded])
    if changes:
        statuses_changed.send(sender=Customer, changes=changes)
    return changes


def _status_expression(changes: list[StatusChange]):
    targets: dict[str, list[int]] = {}
    for change in changes:
        targets.setdefault(change.status, []).append(change.customer_id)
    if len(targets) == 1:
        return Value(changes[0].status)
    return Case(
        *(When(pk__in=ids, then=Value(status)) for status, ids in targets.items()),
        output_field=CharField(),
    )
