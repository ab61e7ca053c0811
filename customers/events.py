"""The customer history: one table (`CustomerEvent`), one writer, and the registry of how each kind reads.

Every app records its own kinds in its `events.py`, one function per kind (and a bulk one where a sweep needs
it), and registers next to them how each kind reads in the history list (`describes`). `CustomerEvent.details`
only looks the kind up here; a kind nobody describes shows its VIP ID, if it has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from resellerconsole.bulk import insert_columns

from .models import Customer, CustomerEvent, CustomerStatus, VipAdmin
from .signals import events_recorded

Kind = CustomerEvent.Kind
#: How one kind reads in the history list, from its stored parameters.
Describer = Callable[[dict], str]
_describers: dict[str, Describer] = {}


def describes(*kinds: str) -> Callable[[Describer], Describer]:
    """Register the decorated function as the history text of these kinds (each kind has one)."""

    def register(describer: Describer) -> Describer:
        for kind in kinds:
            if _describers.get(kind, describer) is not describer:
                raise ValueError(f"The history kind {kind!r} is described twice")
            _describers[kind] = describer
        return describer

    return register


def describe(kind: str, parameters: dict) -> str:
    """A short, translated account of what an event changed, for history lists."""
    return _describers.get(kind, _vip_id)(parameters)


def _vip_id(parameters: dict) -> str:
    if parameters.get("vip_id"):
        return f"{_('VIP ID')} {parameters['vip_id']}"
    return ""


# ---------------------------------------------------------------------------
# Writing (every kind's function below and in the other apps' events.py ends here)
# ---------------------------------------------------------------------------
def customer_event_record(customer: Customer, kind: str, actor: User | None, **parameters) -> CustomerEvent:
    """The one way a change is written to a customer's history: who, when, what."""
    event = CustomerEvent.objects.create(customer=customer, kind=kind, actor=actor, parameters=parameters)
    events_recorded.send(sender=Customer, events=[event])
    return event


def customer_event(
    *, customer_id: int, kind: str, at: datetime, parameters: dict, actor: User | None = None
) -> CustomerEvent:
    """An unsaved history row, for a sweep that writes a batch's events in one `customer_events_write`."""
    return CustomerEvent(customer_id=customer_id, kind=kind, actor=actor, at=at, parameters=parameters)


def customer_events_write(events: Iterable[CustomerEvent]) -> list[CustomerEvent]:
    """Write a batch's events in one INSERT."""
    written = list(events)
    insert_columns(written)  # a sweep's 25,000 events: ~40 % of bulk_create's time on PostgreSQL (performance.md)
    if written:
        events_recorded.send(sender=Customer, events=written)
    return written


# ---------------------------------------------------------------------------
# Pieces of text several apps' kinds share
# ---------------------------------------------------------------------------
def lines_text(parameters: dict) -> str:
    """The product lines of an event: quantities (PAs, returns), or before → after (a renewal)."""
    return ", ".join(
        f"{line['product']} × {line['quantity']}"
        if "quantity" in line
        else f"{line.get('product', '')} {line.get('before', '?')} → {line.get('after', '?')}"
        for line in parameters.get("lines", [])
    )


def date_text(stored: str | None) -> str:
    """A date the parameters keep in ISO 8601, as the language writes it ("1 Dec 2026"); "" for none."""
    if not stored:
        return ""
    try:
        return date_format(date.fromisoformat(stored))
    except (TypeError, ValueError):
        return str(stored)


def by_hand_text(parameters: dict) -> str:
    """Orders recorded in the console rather than received from the licensing website say so."""
    return f" ({_('entered by hand')})" if parameters.get("entered_by_hand") else ""


# ---------------------------------------------------------------------------
# The customers' own kinds
# ---------------------------------------------------------------------------
def customer_created_record(*, customer: Customer, actor: User) -> CustomerEvent:
    return customer_event_record(customer, Kind.CREATED, actor, company_name=customer.company_name)


def customer_updated_record(
    *, customer: Customer, actor: User, changes: dict[str, list], invited: list[str]
) -> CustomerEvent:
    """The fields (and VIP admin list) that changed, before and after; admins e-mailed a link for the change."""
    extra = {"invited": invited} if invited else {}
    return customer_event_record(customer, Kind.UPDATED, actor, changes=changes, **extra)


@describes(Kind.UPDATED)
def _describe_updated(parameters: dict) -> str:
    names = {f.name: str(f.verbose_name) for f in Customer._meta.fields}
    names["vip_admins"] = str(VipAdmin._meta.verbose_name_plural)
    return ", ".join(names.get(name, name) for name in parameters.get("changes", {}))


def invitation_sent_record(*, customer: Customer, actor: User, resend: bool, recipients: list[str]) -> CustomerEvent:
    """The invitation went (again) to these admins; `sending` numbers it among the customer's invitations."""
    kind = Kind.INVITATION_RESENT if resend else Kind.INVITATION_SENT
    sending = 1 + customer.events.filter(kind__in=[Kind.INVITATION_SENT, Kind.INVITATION_RESENT]).count()
    return customer_event_record(customer, kind, actor, vip_id=customer.vip_id, recipients=recipients, sending=sending)


def invitation_accepted_record(*, customer: Customer) -> CustomerEvent:
    return customer_event_record(customer, Kind.INVITATION_ACCEPTED, None, vip_id=customer.vip_id)


def status_changed_record(
    *, customer: Customer, actor: User | None, previous: str, status: str, **details
) -> CustomerEvent:
    """A status change, with what caused it (`reason`, the `overdue` PAs …)."""
    return customer_event_record(customer, Kind.STATUS_CHANGED, actor, **_status_parameters(previous, status, details))


def status_changed_events(
    changes: Iterable[tuple[int, str, str]], *, at: datetime, details: dict[int, dict]
) -> list[CustomerEvent]:
    """Unsaved status changes of a batch, one per (customer id, previous, status); no actor (a sweep's job)."""
    return [
        customer_event(
            customer_id=pk,
            kind=Kind.STATUS_CHANGED,
            at=at,
            parameters=_status_parameters(previous, status, details.get(pk, {})),
        )
        for pk, previous, status in changes
    ]


def _status_parameters(previous: str, status: str, details: dict) -> dict:
    return {"from": previous, "to": status, **details}


@describes(Kind.STATUS_CHANGED)
def _describe_status_changed(parameters: dict) -> str:
    labels = dict(CustomerStatus.choices)
    return f"{labels.get(parameters.get('from'), '?')} → {labels.get(parameters.get('to'), '?')}"


def vip_admin_sign_in_created_record(*, customer: Customer, email: str) -> CustomerEvent:
    """A VIP admin set up their admin-console sign-in through their invitation link (no actor: they did)."""
    return customer_event_record(customer, Kind.VIP_ADMIN_SIGN_IN_CREATED, None, email=email)


def vip_admin_sign_in_revoked_record(*, customer: Customer, actor: User, email: str, user: User) -> CustomerEvent:
    return customer_event_record(customer, Kind.VIP_ADMIN_SIGN_IN_REVOKED, actor, email=email, user=user.pk)


@describes(Kind.VIP_ADMIN_SIGN_IN_CREATED, Kind.VIP_ADMIN_SIGN_IN_REVOKED)
def _describe_sign_in(parameters: dict) -> str:
    return parameters.get("email", "")
