"""Renewal notices to VIP admins and Delayed notices to reseller staff, created set-wise in the outbox.

Each notice kind has a span of days around the anniversary. The job creates, for every customer inside a
span, the one row (customer, kind, anniversary) that may exist; a missed day is caught up, but a notice whose
span has passed is never sent late, and a renewal moves the anniversary so nothing more is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch

from accounts.models import User
from customers.models import Customer, CustomerStatus
from licences.models import Holding
from resellerconsole.batching import KeyRange, keyset_batches

from .models import OutboundEmail
from .services import email_build, emails_insert

LIVE_STATUSES = CustomerStatus.live()
RENEWAL_NOTICES = (
    OutboundEmail.Kind.RENEWAL_DUE,
    OutboundEmail.Kind.RENEWAL_OVERDUE,
    OutboundEmail.Kind.ACCESS_REMOVAL,
)


def notice_span(kind: str) -> tuple[int, int]:
    """First and last day of a notice, in days relative to the anniversary (both inclusive)."""
    before = settings.RENEWAL_WINDOW_OPENS_DAYS
    grace = settings.RENEWAL_GRACE_DAYS
    warning = grace - settings.ACCESS_REMOVAL_NOTICE_DAYS
    return {
        OutboundEmail.Kind.RENEWAL_DUE: (-before, -1),
        OutboundEmail.Kind.RENEWAL_OVERDUE: (0, warning - 1),
        OutboundEmail.Kind.ACCESS_REMOVAL: (warning, grace),
    }[kind]


def due_customers(kind: str, *, on: date):
    first, last = notice_span(kind)
    # Sent already, or overtaken: a run for a later date sent a later notice for this anniversary, so a run for
    # an earlier date (a catch-up afterwards) never sends "time to renew" after "should have been made".
    later = RENEWAL_NOTICES[RENEWAL_NOTICES.index(kind) :]
    already = OutboundEmail.objects.filter(
        customer=OuterRef("pk"), kind__in=later, anniversary=OuterRef("anniversary_date")
    )
    return Customer.objects.filter(
        status__in=LIVE_STATUSES,
        anniversary_date__gte=on - timedelta(days=last),
        anniversary_date__lte=on - timedelta(days=first),
    ).filter(~Exists(already))


@dataclass
class NoticeRun:
    created: dict[str, int] = field(default_factory=dict)


def send_renewal_notices(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> NoticeRun:
    """Create the due renewal notices (delivery follows after commit through the outbox sender)."""
    # Rendering dominates this job, so small batches cost nothing and keep memory flat.
    batch_size = batch_size or min(settings.SWEEP_BATCH_SIZE, 500)
    run = NoticeRun()
    for kind in RENEWAL_NOTICES:
        run.created[kind] = 0
        for rows in keyset_batches(
            due_customers(kind, on=on), batch_size=batch_size, lock=not dry_run, fields=("pk",), key_range=key_range
        ):
            # Asked again under the batch's lock: a run in parallel (a second beat) may have created these
            # notices and committed while this batch waited for the lock, after the candidates were read.
            customers = list(
                due_customers(kind, on=on)
                .filter(pk__in=[row["pk"] for row in rows])
                .order_by("pk")
                .select_related("reseller")
                .prefetch_related(
                    "vip_admins",
                    Prefetch(
                        "holdings",
                        queryset=Holding.objects.filter(deployed__gt=0)
                        .select_related("product")
                        .order_by("product__name"),
                        to_attr="held",
                    ),
                )
            )
            emails = [_renewal_notice(kind, customer) for customer in customers if customer.vip_admins.all()]
            run.created[kind] += len(emails)
            if not dry_run:
                emails_insert(emails)
    return run


def _renewal_notice(kind: str, customer: Customer) -> OutboundEmail:
    anniversary = customer.anniversary_date
    grace_end = anniversary + timedelta(days=settings.RENEWAL_GRACE_DAYS)
    return email_build(
        kind=kind,
        dedupe_key=f"{kind}:{customer.pk}:{anniversary.isoformat()}",
        recipients=[admin.email for admin in customer.vip_admins.all()],
        template=kind,
        context={
            "customer": customer,
            "reseller": customer.reseller,
            "anniversary": anniversary,
            "grace_end": grace_end,
            "removal_date": grace_end + timedelta(days=1),
            "lines": [(h.product.name, h.deployed) for h in customer.held],
        },
        language=customer.preferred_language,
        customer=customer,
        anniversary=anniversary,
    )


def delayed_notices(customer_ids: list[int], overdue: dict[int, list[str]]) -> list[OutboundEmail]:
    """One e-mail per account that became Delayed, to its reseller's active staff (once per overdue PA)."""
    customers = list(Customer.objects.filter(pk__in=customer_ids).select_related("reseller"))
    staff: dict[int, list[str]] = {}
    for reseller_id, email in (
        User.objects.filter(
            reseller_id__in={c.reseller_id for c in customers}, is_active=True, role__in=User.RESELLER_ROLES
        )
        .exclude(email="")
        .values_list("reseller_id", "email")
    ):
        staff.setdefault(reseller_id, []).append(email)
    return [
        email_build(
            kind=OutboundEmail.Kind.ACCOUNT_DELAYED,
            dedupe_key=f"account_delayed:{customer.pk}:{(overdue.get(customer.pk) or ['?'])[0]}",
            recipients=staff[customer.reseller_id],
            template="account_delayed",
            context={"customer": customer, "reseller": customer.reseller, "overdue": overdue.get(customer.pk, [])},
            language=settings.LANGUAGE_CODE,
            customer=customer,
        )
        for customer in customers
        if staff.get(customer.reseller_id)
    ]
