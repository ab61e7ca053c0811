"""Writes to the outbox (its delivery: sending.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from resellerconsole.bulk import insert_columns

from . import bulk
from .bulk import StencilledEmail
from .models import OutboundEmail
from .stencils import Stencil

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_subject(rendered: str) -> str:
    """A rendered subject as sent: on one line, its whitespace runs made single spaces."""
    return " ".join(rendered.split())


def email_rendered(*, subject: str, body_text: str, body_html: str) -> RenderedEmail:
    """The three rendered parts as an e-mail (the subject as `email_subject` makes it)."""
    return RenderedEmail(subject=email_subject(subject), body_text=body_text, body_html=body_html)


def email_render(*, template: str, context: dict, language: str) -> RenderedEmail:
    """Render `notifications/<template>_{subject.txt,body.txt,body.html}` in `language`."""
    with translation.override(language):
        return email_rendered(
            subject=render_to_string(f"notifications/{template}_subject.txt", context),
            body_text=render_to_string(f"notifications/{template}_body.txt", context),
            body_html=render_to_string(f"notifications/{template}_body.html", context),
        )


def email_queue(
    *,
    kind: str,
    dedupe_key: str,
    recipients: list[str],
    template: str,
    context: dict,
    language: str,
    customer=None,
) -> OutboundEmail:
    """Record an e-mail in the caller's transaction; deliver it after commit.

    The same `dedupe_key` twice yields the existing row: the e-mail exists once.
    """
    built = email_build(
        kind=kind,
        dedupe_key=dedupe_key,
        recipients=recipients,
        template=template,
        context=context,
        language=language,
        customer=customer,
    )
    email, created = OutboundEmail.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={f.name: getattr(built, f.name) for f in OutboundEmail._meta.concrete_fields if not f.primary_key},
    )
    if created:
        transaction.on_commit(lambda: _enqueue_delivery(email.pk))
    return email


def email_build(
    *,
    kind: str,
    dedupe_key: str,
    recipients: list[str],
    template: str,
    context: dict,
    language: str,
    customer=None,
    anniversary=None,
) -> OutboundEmail:
    """An unsaved outbox row, rendered in `language`, for callers that insert many at once."""
    return email_row(
        kind=kind,
        dedupe_key=dedupe_key,
        recipients=recipients,
        rendered=email_render(template=template, context=context, language=language),
        language=language,
        customer=customer,
        anniversary=anniversary,
    )


def email_row(
    *,
    kind: str,
    dedupe_key: str,
    recipients: list[str],
    rendered: RenderedEmail,
    language: str,
    customer=None,
    customer_id: int | None = None,
    anniversary=None,
) -> OutboundEmail:
    """An unsaved outbox row of an e-mail already rendered (`email_render`, or stencils: notifications/stencils.py)."""
    email = OutboundEmail(
        kind=kind,
        dedupe_key=dedupe_key,
        anniversary=anniversary,
        recipients=sorted(set(recipients)),
        language=language,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
    )
    if customer is not None:
        email.customer = customer
    elif customer_id is not None:
        email.customer_id = customer_id
    return email


def emails_insert(emails: list[OutboundEmail]) -> None:
    """Insert rows that do not exist yet (the unique keys make a second run a no-op); send after commit."""
    if not emails:
        return
    insert_columns(emails, ignore_conflicts=True)
    transaction.on_commit(_enqueue_sweep)


def emails_insert_stencilled(
    *, kind: str, emails: list[StencilledEmail], bodies: list[tuple[Stencil, Stencil]], unless_sent: Sequence[str] = ()
) -> int:
    """`emails_insert` of many e-mails of one kind whose (text, HTML) bodies are stencils, filled in by the database
    (PostgreSQL, notifications/bulk.py); each row's `bodies` names its pair, `values` are its printed slot values.
    Rows whose customer has an e-mail of a kind in `unless_sent` for the same anniversary are left out; returns how
    many were inserted."""
    if not emails:
        return 0
    inserted = bulk.insert_stencilled(kind=kind, emails=emails, bodies=bodies, unless_sent=unless_sent)
    transaction.on_commit(_enqueue_sweep)
    return inserted


def _enqueue_sweep() -> None:
    from .tasks import send_pending_emails  # tasks.py imports this module: looked up when first needed

    try:
        send_pending_emails.delay()
    except Exception:
        logger.warning("Broker unavailable; the outbox sweep will send the new e-mails", exc_info=True)


def _enqueue_delivery(email_id: int) -> None:
    from .tasks import deliver_email  # as above: tasks.py imports this module

    try:
        deliver_email.delay(email_id)
    except Exception:
        # The row is committed; the periodic sweep will deliver it once the broker is back.
        logger.warning("Broker unavailable; e-mail %s left for the outbox sweep", email_id, exc_info=True)


def email_retry(*, email_ids: list[int]) -> int:
    """Put failed e-mails back in the queue (the admin's "send again")."""
    return OutboundEmail.objects.filter(pk__in=email_ids, state=OutboundEmail.State.FAILED).update(
        state=OutboundEmail.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
