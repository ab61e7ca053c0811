"""Writes to the outbox and delivery of its rows."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import bulk
from .bulk import StencilledEmail
from .models import OutboundEmail
from .signals import email_sent
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
    if connection.vendor == "postgresql":
        bulk.insert_columns(emails)
    else:
        OutboundEmail.objects.bulk_create(emails, ignore_conflicts=True)
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
    inserted = bulk.insert_stencilled(
        kind=kind, emails=emails, bodies=bodies, subject=email_subject, unless_sent=unless_sent
    )
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


def _deliverable(now) -> Q:
    stale = now - timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    return Q(state=OutboundEmail.State.PENDING, next_attempt_at__lte=now) | Q(
        state=OutboundEmail.State.SENDING, claimed_at__lte=stale
    )


def _claim(*, now, ids: list[int] | None = None, limit: int) -> list[OutboundEmail]:
    """Mark up to `limit` deliverable rows `sending` and return them; rows another worker holds are skipped."""
    with transaction.atomic():
        candidates = OutboundEmail.objects.filter(_deliverable(now))
        if ids is not None:
            candidates = candidates.filter(pk__in=ids)
        if connection_supports_skip_locked():
            candidates = candidates.select_for_update(skip_locked=True)
        claimed = list(candidates.order_by("next_attempt_at", "pk")[:limit])
        if claimed:
            OutboundEmail.objects.filter(pk__in=[e.pk for e in claimed]).update(
                state=OutboundEmail.State.SENDING, claimed_at=now
            )
    return claimed


def connection_supports_skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


@dataclass(frozen=True)
class DeliveryResult:
    claimed: int
    sent: int


def email_deliver(*, email_ids: list[int] | None = None, limit: int = 20) -> DeliveryResult:
    """Send up to `limit` deliverable outbox rows over one SMTP connection, one message per recipient.

    Recipients do not see each other's addresses: a row for several people is one message to each, and each
    accepted recipient is recorded on the row as it goes, so a retry sends only to the rest and a crash re-sends
    at most the message in flight. A connection the server drops is opened again and the message in flight
    sent once more; the rest of the batch goes on over the new connection.
    """
    now = timezone.now()
    claimed = _claim(now=now, ids=email_ids, limit=limit)
    if not claimed:
        return DeliveryResult(claimed=0, sent=0)
    sender = _Sender()
    try:
        sender.open()
    except Exception as error:  # the server refused us: every claimed row gets its retry and backoff
        for email in claimed:
            _mark_failed_attempt(email, error)
        return DeliveryResult(claimed=len(claimed), sent=0)
    sent = 0
    try:
        for index, email in enumerate(claimed):
            try:
                _deliver_row(email, sender)
            except _ServerGone as gone:  # no new connection either: the rest waits for its retry
                for rest in claimed[index:]:
                    _mark_failed_attempt(rest, gone.error)
                break
            except Exception as error:  # SMTP errors come in many types; each is recorded on the row.
                _mark_failed_attempt(email, error)
                continue
            sent += 1
    finally:
        sender.close()
    return DeliveryResult(claimed=len(claimed), sent=sent)


#: What a dropped connection raises (smtplib turns most socket errors into SMTPServerDisconnected).
DISCONNECTED = (smtplib.SMTPServerDisconnected, ConnectionError)


class _ServerGone(Exception):
    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _Sender:
    """The batch's connection: opened again when the server drops it, so one drop does not fail the batch."""

    def __init__(self):
        self.connection = get_connection()

    def open(self) -> None:
        self.connection.open()

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # already gone; nothing is left to tell the server
            logger.debug("Closing the SMTP connection failed", exc_info=True)

    def send(self, message: EmailMultiAlternatives) -> None:
        try:
            message.send()
        except DISCONNECTED as error:
            # Dropped before the server answered: not accepted, so sent once more on a fresh connection. A second
            # failure is the row's attempt; the next message opens a connection again.
            logger.info("SMTP connection dropped (%s); connecting again", error)
            self.close()
            try:
                self.open()
            except Exception as refused:
                raise _ServerGone(refused) from refused
            message.send()


def _deliver_row(email: OutboundEmail, sender: _Sender) -> None:
    """Send the row to each recipient not yet served; record each acceptance, the last one marks the row sent."""
    delivered = list(email.delivered_to)
    remaining = [recipient for recipient in email.recipients if recipient not in delivered]
    for recipient in remaining:
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            connection=sender.connection,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        sender.send(message)
        delivered.append(recipient)
        if len(delivered) < len(email.recipients):
            OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.SENDING).update(delivered_to=delivered)
    sent_at = timezone.now()
    # The apps above hear of it in the transaction that records it (no savepoint: nothing else is in it).
    with transaction.atomic(savepoint=False):
        marked = OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.SENDING).update(
            state=OutboundEmail.State.SENT,
            sent_at=sent_at,
            attempts=email.attempts + 1,
            last_error="",
            delivered_to=delivered,
        )
        if marked:
            email.state, email.sent_at = OutboundEmail.State.SENT, sent_at
            email_sent.send(sender=OutboundEmail, email=email)


def _mark_failed_attempt(email: OutboundEmail, error: Exception) -> None:
    attempts = email.attempts + 1
    final = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    logger.warning("E-mail %s attempt %s failed: %s", email.pk, attempts, error)
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=OutboundEmail.State.FAILED if final else OutboundEmail.State.PENDING,
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        # Exponential backoff: 1, 2, 4, 8 … minutes.
        next_attempt_at=timezone.now() + timedelta(minutes=2 ** (attempts - 1)),
        claimed_at=None,
    )


def email_retry(*, email_ids: list[int]) -> int:
    """Put failed e-mails back in the queue (the admin's "send again")."""
    return OutboundEmail.objects.filter(pk__in=email_ids, state=OutboundEmail.State.FAILED).update(
        state=OutboundEmail.State.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
