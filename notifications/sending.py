"""Delivery of the outbox: claim due rows, send them over one SMTP connection, record what the server accepted.

The "accepted" marks are written in groups (`OUTBOX_MARK_EVERY` messages or `OUTBOX_MARK_SECONDS` since the last
write, whichever comes first), each group in one UPDATE: one statement per message was most of the sender's cost
over a bare smtplib loop. A crash between the server's acceptance and its group's mark sends those messages again
(at most `OUTBOX_MARK_EVERY`; at least once, never lost: docs/reliability.md).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboundEmail
from .signals import emails_sent

logger = logging.getLogger(__name__)


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
    accepted recipient is recorded on the row (in groups, `_Marks`), so a retry sends only to the rest and a crash
    re-sends at most the group not yet written. A connection the server drops is opened again and the message in
    flight sent once more; the rest of the batch goes on over the new connection.
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
    marks = _Marks()
    sent = 0
    try:
        for index, email in enumerate(claimed):
            try:
                _deliver_row(email, sender, marks)
            except _ServerGone as gone:  # no new connection either: the rest waits for its retry
                marks.flush()  # what was accepted first, so the failure marks below keep it
                for rest in claimed[index:]:
                    _mark_failed_attempt(rest, gone.error)
                break
            except Exception as error:  # SMTP errors come in many types; each is recorded on the row.
                marks.flush()
                _mark_failed_attempt(email, error)
                continue
            sent += 1
    finally:
        try:
            marks.flush()  # the batch's last group, or on an exception (a time limit, the database) what was accepted
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


def _deliver_row(email: OutboundEmail, sender: _Sender, marks: _Marks) -> None:
    """Send the row to each recipient not yet served; each acceptance goes into the marks, the last one as sent."""
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
        marks.flush_if_due()  # the time bound holds while a slow server keeps us waiting
        sender.send(message)
        delivered.append(recipient)
        if len(delivered) < len(email.recipients):
            marks.add(email, delivered=list(delivered), sent=False)
    marks.add(email, delivered=delivered, sent=True, messages=1 if remaining else 0)


@dataclass
class _Mark:
    email: OutboundEmail
    delivered: list[str]
    sent_at: datetime | None  # None: accepted for some recipients, still sending to the rest


class _Marks:
    """The accepted messages not yet recorded, written in one statement per group (`OUTBOX_MARK_EVERY` messages or
    `OUTBOX_MARK_SECONDS` since the last write); the apps above hear of a group's sent rows in its transaction."""

    def __init__(self):
        self.every = max(1, settings.OUTBOX_MARK_EVERY)
        self.seconds = settings.OUTBOX_MARK_SECONDS
        self.pending: dict[int, _Mark] = {}
        self.messages = 0  # accepted messages in `pending`
        self.written_at = monotonic()

    def add(self, email: OutboundEmail, *, delivered: list[str], sent: bool, messages: int = 1) -> None:
        # A row's later mark replaces its earlier one: it holds every recipient accepted so far.
        self.pending[email.pk] = _Mark(email, delivered, timezone.now() if sent else None)
        self.messages += messages
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self.pending and (self.messages >= self.every or monotonic() - self.written_at >= self.seconds):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        marks = list(self.pending.values())
        with transaction.atomic(savepoint=False):  # nothing else is in it
            marked = _marks_write(marks)
            sent = []
            for mark in marks:
                if mark.sent_at is not None and mark.email.pk in marked:
                    mark.email.state, mark.email.sent_at = OutboundEmail.State.SENT, mark.sent_at
                    mark.email.attempts, mark.email.last_error = mark.email.attempts + 1, ""
                    mark.email.delivered_to = mark.delivered
                    sent.append(mark.email)
            if sent:
                emails_sent.send(sender=OutboundEmail, emails=sent)
        self.pending.clear()
        self.messages = 0
        self.written_at = monotonic()


def _marks_write(marks: list[_Mark]) -> set[int]:
    """One UPDATE over a VALUES list (PostgreSQL and SQLite ≥ 3.35 alike): each row still `sending` gets its
    recipients accepted so far and, when done, its sent state. Returns the ids it changed."""
    meta = OutboundEmail._meta
    quote = connection.ops.quote_name
    delivered_field, sent_at_field = meta.get_field("delivered_to"), meta.get_field("sent_at")
    postgres = connection.vendor == "postgresql"
    row = "(%s::bigint, %s::jsonb, %s::timestamptz, %s::integer)" if postgres else "(%s, %s, %s, %s)"
    params: list = []
    for mark in marks:
        params += [
            mark.email.pk,
            delivered_field.get_db_prep_value(mark.delivered, connection),
            sent_at_field.get_db_prep_value(mark.sent_at, connection),
            None if mark.sent_at is None else mark.email.attempts + 1,
        ]
    returning = "o.id" if postgres else "id"  # SQLite's RETURNING names the target's columns unqualified
    sql = (
        f"WITH v(id, delivered_to, sent_at, attempts) AS (VALUES {', '.join([row] * len(marks))}) "  # noqa: S608
        f"UPDATE {quote(meta.db_table)} AS o SET delivered_to = v.delivered_to, "
        "state = CASE WHEN v.sent_at IS NULL THEN o.state ELSE %s END, "
        "sent_at = COALESCE(v.sent_at, o.sent_at), attempts = COALESCE(v.attempts, o.attempts), "
        "last_error = CASE WHEN v.sent_at IS NULL THEN o.last_error ELSE '' END "
        f"FROM v WHERE o.id = v.id AND o.state = %s RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, OutboundEmail.State.SENT.value, OutboundEmail.State.SENDING.value])
        return {pk for (pk,) in cursor.fetchall()}


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
