"""The order deadline: an account is Delayed exactly while it has an overdue pending purchase authorization.

A run for a date earlier than one already decided may add what that day missed but never undoes a later day's
decision: a Delayed account keeps the latest business date it was found Delayed for (`Customer.delayed_for`), and
"nothing is overdue any more" is judged as of that date whenever it is later than the run's (or today's) date.
Deadlines only pass, never come back, so an account Delayed for day L stays so for every earlier day's run until
its overdue PAs are ordered or withdrawn (the live path restores it then, judged as of L too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, DateField, Exists, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from customers.models import Customer, CustomerStatus
from customers.transitions import (
    customer_status_change,
    customers_lock,
    customers_status_change_bulk,
    restored_status,
)
from resellerconsole.batching import KeyRange, keyset_batches

from .models import PurchaseAuthorization, PurchaseAuthorizationStatus
from .signals import accounts_delayed

#: Statuses in which an account can receive purchase authorizations.
OPEN_ACCOUNT_STATUSES = (CustomerStatus.INVITATION_SENT, CustomerStatus.ACTIVE)
RESTORED_REASON = "no overdue purchase authorization"


def overdue_pending(*, on: date):
    """Pending purchase authorizations whose order deadline has passed on `on` (day 31 of 30)."""
    return PurchaseAuthorization.objects.filter(status=PurchaseAuthorizationStatus.PENDING, order_deadline__lt=on)


def judged_on(customer: Customer, on: date) -> date:
    """The day a Delayed account's overdue PAs are judged on: `on`, or the later day it was found Delayed for."""
    return max(on, customer.delayed_for or on)


def _overdue_as_judged(on: date) -> Exists:
    """For a customer row: a pending PA overdue on the later of `on` and the customer's `delayed_for` (in SQL)."""
    day = Value(on, output_field=DateField())
    return Exists(
        PurchaseAuthorization.objects.filter(
            status=PurchaseAuthorizationStatus.PENDING,
            customer=OuterRef("pk"),
            order_deadline__lt=Greatest(day, Coalesce(OuterRef("delayed_for"), day)),
        )
    )


def overdue_references(customer: Customer, *, on: date) -> list[str]:
    """The purchase authorizations that make the account Delayed (or will tonight), earliest deadline first.

    Judged as the status was, so a refusal names them even when a run for a later date made the account Delayed.
    A Delayed account with none of them (its status was set some other way) names its pending PAs with the
    earliest deadline, never "?" while any is pending.
    """
    overdue = overdue_pending(on=judged_on(customer, on)).filter(customer=customer).order_by("order_deadline", "pk")
    references = list(overdue.values_list("reference", flat=True))
    if references or customer.status != CustomerStatus.DELAYED:
        return references
    pending = PurchaseAuthorization.objects.filter(customer=customer, status=PurchaseAuthorizationStatus.PENDING)
    earliest = pending.order_by("order_deadline").values_list("order_deadline", flat=True).first()
    return list(pending.filter(order_deadline=earliest).order_by("pk").values_list("reference", flat=True))


def customer_refresh_delay(*, customer: Customer, on: date, actor: User | None) -> Customer:
    """Delayed exactly while an overdue pending PA exists. The caller holds the customer's lock.

    An order or a withdrawal that clears the overdue PAs restores the account at once; one that leaves a PA
    overdue as of the day the account was found Delayed for (a run for a later date) does not.
    """
    overdue = list(overdue_pending(on=on).filter(customer=customer).order_by("pk").values_list("reference", flat=True))
    if overdue and customer.status in OPEN_ACCOUNT_STATUSES:
        customer_status_change(
            customer=customer, to=CustomerStatus.DELAYED, actor=actor, fields={"delayed_for": on}, overdue=overdue
        )
        accounts_delayed.send(sender=PurchaseAuthorization, overdue={customer.pk: overdue})
    elif customer.status == CustomerStatus.DELAYED and not (
        overdue or overdue_pending(on=judged_on(customer, on)).filter(customer=customer).exists()
    ):
        customer_status_change(
            customer=customer,
            to=restored_status(customer.invitation_accepted_at),
            actor=actor,
            fields={"delayed_for": None},
            reason=RESTORED_REASON,
        )
    return customer


@dataclass
class DeadlineSweep:
    delayed: list[int] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)
    #: Delayed accounts this day alone would have restored, left Delayed because a run for a later date decided
    #: them; `decided_for` is the latest such date (for the command's and the log's "restore skipped" line).
    kept: int = 0
    decided_for: date | None = None


def enforce_order_deadlines(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> DeadlineSweep:
    """Mark Delayed the accounts with an overdue pending PA and restore the others, in primary-key batches.

    Idempotent and safe to run in parallel: each batch locks its rows and updates them with the same
    condition it selected them by, so a row changed meanwhile is skipped, and each change is recorded once.
    Safe to run for an earlier date than one already run: see the module's docstring.
    """
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    overdue = Exists(overdue_pending(on=on).filter(customer=OuterRef("pk")))
    # A Delayed account found Delayed for an earlier day only: this day confirms it (its date moves on).
    stale = Q(status=CustomerStatus.DELAYED) & (Q(delayed_for__lt=on) | Q(delayed_for__isnull=True))
    sweep = DeadlineSweep()
    # Both walks start from a small indexed set: customers with an overdue pending PA (pa_pending_deadline_idx)
    # and Delayed accounts (customer_delayed_idx), never from all customers.
    plans = (
        (
            Customer.objects.filter(overdue).filter(Q(status__in=OPEN_ACCOUNT_STATUSES) | stale),
            overdue_pending(on=on).values_list("customer_id", flat=True),
            sweep.delayed,
            "delay",
        ),
        (
            Customer.objects.filter(~_overdue_as_judged(on), status=CustomerStatus.DELAYED),
            None,
            sweep.restored,
            "restore",
        ),
    )
    for candidates, keys, changed, action in plans:
        for rows in keyset_batches(
            candidates,
            batch_size=batch_size,
            lock=not dry_run,
            fields=("pk", "status"),
            key_range=key_range,
            keys=keys,
        ):
            if dry_run:
                ids = [row["pk"] for row in rows if action == "restore" or row["status"] in OPEN_ACCOUNT_STATUSES]
            else:
                ids = _apply_deadline_batch([row["pk"] for row in rows], candidates, action=action, on=on)
            changed.extend(ids)
    kept = Customer.objects.filter(~overdue, _overdue_as_judged(on), status=CustomerStatus.DELAYED)
    if key_range is not None:
        kept = kept.filter(pk__gte=key_range.first, pk__lte=key_range.last)
    report = kept.aggregate(kept=Count("pk"), decided_for=Max("delayed_for"))
    sweep.kept, sweep.decided_for = report["kept"], report["decided_for"]
    return sweep


def _apply_deadline_batch(ids: list[int], candidates, *, action: str, on: date) -> list[int]:
    """Change the locked customers that still match; returns the keys of those whose status changed.

    The batch's SELECT … FOR UPDATE may have waited for a customer's lock while an order or a withdrawal for it
    committed; PostgreSQL then rechecks the customer's own row but not the subquery on its PAs. Asking again now
    that the rows are locked (`customers_lock`) sees those commits, and nothing can change the customers' PAs
    before ours commits.
    """
    rows = customers_lock(candidates.filter(pk__in=ids))
    now = timezone.now()
    if action == "restore":
        changes = customers_status_change_bulk(
            rows=rows,
            to=lambda row: restored_status(row["invitation_accepted_at"]),
            at=now,
            fields={"delayed_for": None},
            reason=RESTORED_REASON,
        )
        return [change.customer_id for change in changes]
    # Delayed already (the map has no Delayed → Delayed): this day confirms it, its date moves on.
    confirmed = [row["pk"] for row in rows if row["status"] == CustomerStatus.DELAYED]
    opening = [row["pk"] for row in rows if row["status"] != CustomerStatus.DELAYED]
    references: dict[int, list[str]] = {pk: [] for pk in opening}
    if opening:
        overdue = overdue_pending(on=on).filter(customer_id__in=opening).order_by("pk")
        for customer_id, reference in overdue.values_list("customer_id", "reference"):
            references[customer_id].append(reference)
    changes = customers_status_change_bulk(
        rows=rows,
        to=CustomerStatus.DELAYED,
        at=now,
        fields={"delayed_for": on},
        details={pk: {"overdue": overdue} for pk, overdue in references.items()},
    )
    delayed = [change.customer_id for change in changes]
    if confirmed:
        Customer.objects.filter(pk__in=confirmed).update(delayed_for=on)
    if delayed:
        # The reseller's staff hear of it in the same transaction (the outbox sends after commit).
        accounts_delayed.send(sender=PurchaseAuthorization, overdue={pk: references[pk] for pk in delayed})
    return delayed
