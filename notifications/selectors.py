"""Reads of the outbox for the pages: what became of a customer's renewal notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

from customers.models import Customer

from .models import OutboundEmail
from .notices import RENEWAL_NOTICES, notice_span


@dataclass(frozen=True)
class RenewalNoticeDate:
    """One renewal notice of the customer's current anniversary."""

    kind: str
    #: The first day it goes out.
    day: date
    #: What became of it: sent on …, queued, failed, or (not in the outbox) due or not sent.
    status: str


def notice_status(row: tuple[str, datetime | None] | None, *, day: date, on: date) -> str:
    """The words for a notice's (state, sent_at) in the outbox, or for one not there (None) due on ``day``."""
    if row is None:
        return pgettext("renewal notice", "due") if day >= on else pgettext("renewal notice", "not sent")
    state, sent_at = row
    if state == OutboundEmail.State.SENT and sent_at is not None:
        return pgettext("renewal notice", "sent on %(date)s") % {"date": date_format(timezone.localdate(sent_at))}
    if state == OutboundEmail.State.FAILED:
        return pgettext("renewal notice", "failed: see the outbox")
    return pgettext("renewal notice", "queued")


def renewal_notice_dates(*, customer: Customer, on: date) -> list[RenewalNoticeDate]:
    """The renewal notices of the customer's anniversary in the order they go out, each with what became of it
    (one query; none without an anniversary)."""
    anniversary = customer.anniversary_date
    if anniversary is None:
        return []
    outbox = {
        kind: (state, sent_at)
        for kind, state, sent_at in OutboundEmail.objects.filter(
            customer=customer, anniversary=anniversary, kind__in=RENEWAL_NOTICES
        ).values_list("kind", "state", "sent_at")
    }
    notices = []
    for kind in RENEWAL_NOTICES:
        day = anniversary + timedelta(days=notice_span(kind)[0])
        notices.append(RenewalNoticeDate(kind, day, notice_status(outbox.get(kind), day=day, on=on)))
    return notices


#: The outbox's states the metrics count: what is still to be sent, and what gave up (sent rows only grow).
UNSENT_STATES = (OutboundEmail.State.PENDING, OutboundEmail.State.SENDING, OutboundEmail.State.FAILED)


def outbox_depth() -> dict[str, int]:
    """Rows of the outbox in each unsent state (the partial index outbox_unsent_idx keeps this cheap)."""
    counts = dict.fromkeys((str(state) for state in UNSENT_STATES), 0)
    rows = OutboundEmail.objects.filter(state__in=UNSENT_STATES).values_list("state").annotate(n=Count("pk"))
    counts.update(dict(rows.order_by()))
    return counts


def oldest_pending_created_at() -> datetime | None:
    """When the oldest e-mail still waiting to be sent (pending) was written, or None when none waits."""
    return (
        OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
