"""Issue 15, the outbox sender: what the mail server accepted is recorded in groups of at most
`OUTBOX_MARK_EVERY` messages (or `OUTBOX_MARK_SECONDS`), one statement each, and still exactly once; a crash
between acceptance and the group's mark sends those messages again and loses none (docs/reliability.md)."""

import math
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import OutboundEmail
from notifications.sending import email_deliver
from notifications.signals import emails_sent
from tests.conftest import MailServer, mail_key, row_keys, run_together, send_mail_to
from tests.factories import CustomerFactory, ResellerAdminFactory
from tests.test_worker import database_url
from webhooks import services as webhooks
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
# The claim: its SELECT … FOR UPDATE and UPDATE, and the savepoint pair around them inside the test's transaction.
CLAIM = 4


def outbox_rows(n: int, recipients: int = 1, **fields) -> list[OutboundEmail]:
    return OutboundEmail.objects.bulk_create(
        OutboundEmail(
            kind=fields.get("kind", OutboundEmail.Kind.INVITATION),
            customer=fields.get("customer"),
            # A notice exists once per (customer, kind, anniversary): one anniversary a day apart per row.
            anniversary=fields["anniversary"] + timedelta(days=i) if "anniversary" in fields else None,
            dedupe_key=f"issue15:{i}",
            recipients=[f"admin{i}-{r}@customer.example" for r in range(recipients)],
            language="en",
            subject=f"Message {i:03d}",
            body_text="Hello",
            body_html="<p>Hello</p>",
        )
        for i in range(n)
    )


def mark_statements(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("WITH v(id, delivered_to")]


def accepted_by_row(server: MailServer) -> dict[str, list[str]]:
    """Subject → the recipients the server accepted that row's messages for."""
    accepted: dict[str, list[str]] = {}
    for (recipient,), subject in server.accepted:
        accepted.setdefault(subject, []).append(recipient)
    return accepted


# ---------------------------------------------------------------------------
# Groups: at most OUTBOX_MARK_EVERY messages per statement, or OUTBOX_MARK_SECONDS
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("rows", "recipients"), [(7, 1), (45, 1), (25, 2)])
def test_the_marks_cost_one_statement_per_20_messages(django_assert_num_queries, rows, recipients):
    outbox_rows(rows, recipients)
    messages = rows * recipients

    with django_assert_num_queries(CLAIM + math.ceil(messages / 20)) as queries:
        assert email_deliver(limit=rows).sent == rows

    assert len(mark_statements(queries.captured_queries)) == math.ceil(messages / 20)
    assert len(mail.outbox) == messages
    assert set(OutboundEmail.objects.values_list("state", "attempts", "last_error")) == {("sent", 1, "")}
    assert all(row.delivered_to == row.recipients and row.sent_at for row in OutboundEmail.objects.all())


def test_outbox_mark_every_1_writes_one_mark_per_message(settings, django_assert_num_queries):
    settings.OUTBOX_MARK_EVERY = 1
    outbox_rows(3, recipients=2)

    with django_assert_num_queries(CLAIM + 6):
        assert email_deliver().sent == 3


def test_a_slow_server_gets_its_marks_written_every_2_seconds(settings):
    """0.75 s per message: the marks are written after the 3rd and 6th message (2.25 s each) and at the end."""
    assert django_settings.OUTBOX_MARK_SECONDS == 2 and django_settings.OUTBOX_MARK_EVERY == 20  # the defaults
    outbox_rows(7)
    clock = [0.0]
    sent_rows_seen = []
    real_send = mail.EmailMultiAlternatives.send

    def slow_send(message, *args, **kwargs):
        sent_rows_seen.append(OutboundEmail.objects.filter(state="sent").count())
        clock[0] += 0.75
        return real_send(message, *args, **kwargs)

    with (
        mock.patch("notifications.sending.monotonic", lambda: clock[0]),
        mock.patch("django.core.mail.EmailMultiAlternatives.send", slow_send),
        CaptureQueriesContext(connection) as queries,
    ):
        assert email_deliver().sent == 7

    assert sent_rows_seen == [0, 0, 0, 3, 3, 3, 6]
    assert len(mark_statements(queries.captured_queries)) == 3
    assert OutboundEmail.objects.filter(state="sent").count() == 7


def test_the_time_bound_holds_while_the_next_message_waits():
    """A mark older than 2 s is written before the next message is sent, not after it."""
    outbox_rows(2)
    clock = [0.0]
    sent_rows_seen = []
    real_send = mail.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        sent_rows_seen.append(OutboundEmail.objects.filter(state="sent").count())
        result = real_send(message, *args, **kwargs)
        clock[0] += 5  # the first acceptance took long to come back
        return result

    with (
        mock.patch("notifications.sending.monotonic", lambda: clock[0]),
        mock.patch("django.core.mail.EmailMultiAlternatives.send", send),
    ):
        email_deliver()

    assert sent_rows_seen == [0, 1]


# ---------------------------------------------------------------------------
# Failures are marked as before; every accepted message has its mark
# ---------------------------------------------------------------------------
def test_a_refused_row_is_marked_failed_and_keeps_the_recipients_accepted_before_it():
    rows = outbox_rows(5, recipients=3)
    real_send = mail.EmailMultiAlternatives.send
    refused = {"admin1-1@customer.example", "admin3-0@customer.example"}

    def send(message, *args, **kwargs):
        if message.to[0] in refused:
            raise SMTPRecipientsRefused({message.to[0]: (450, b"mailbox busy")})
        return real_send(message, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", send):
        result = email_deliver()

    assert (result.claimed, result.sent) == (5, 3)
    by_subject = {row.subject: row for row in OutboundEmail.objects.all()}
    second, fourth = by_subject[rows[1].subject], by_subject[rows[3].subject]
    assert (second.state, second.attempts, second.delivered_to) == ("pending", 1, ["admin1-0@customer.example"])
    assert (fourth.state, fourth.attempts, fourth.delivered_to) == ("pending", 1, [])
    assert "SMTPRecipientsRefused" in second.last_error and second.claimed_at is None
    assert second.next_attempt_at > timezone.now()
    others = [by_subject[row.subject] for row in (rows[0], rows[2], rows[4])]
    assert {(row.state, row.attempts) for row in others} == {("sent", 1)}

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):  # the retry: only the rest
        assert email_deliver().sent == 2
    assert Counter(tuple(m.to) for m in mail.outbox) == Counter((r,) for row in rows for r in row.recipients)


def test_a_server_gone_mid_batch_keeps_what_it_accepted_and_fails_the_rest_for_a_retry(mail_server):
    outbox_rows(30)
    mail_server.faults = ["accept"] * 24 + ["drop"]  # the 25th is dropped unanswered, and the server is gone
    real_open = mail.get_connection().__class__.open
    opened = []

    def open_once(backend):  # Django's backend calls open() before each message; it connects only the first time
        if backend.connection is None:
            if opened:
                raise ConnectionRefusedError("server gone")
            opened.append(backend)
        return real_open(backend)

    with mock.patch("django.core.mail.backends.smtp.EmailBackend.open", open_once):
        result = email_deliver(limit=30)

    assert (result.claimed, result.sent) == (30, 24)
    rows = OutboundEmail.objects.order_by("subject")
    assert [row.state for row in rows] == ["sent"] * 24 + ["pending"] * 6
    assert {row.subject for row in rows if row.state == "sent"} == set(accepted_by_row(mail_server))
    assert all("server gone" in row.last_error for row in rows if row.state == "pending")


def test_every_message_the_server_accepted_has_its_mark(mail_server):
    outbox_rows(15, recipients=3)
    # Drops unanswered (sent again on a new connection), accepted-then-dropped, and a 421 that fails a row.
    mail_server.faults = ["accept"] * 5 + ["drop"] + ["accept"] * 12 + ["accept_then_drop", "421"] + ["accept"] * 9

    email_deliver(limit=15)

    accepted = accepted_by_row(mail_server)
    for row in OutboundEmail.objects.all():
        assert row.delivered_to == accepted.get(row.subject, []), row.subject
        assert row.state == ("sent" if row.delivered_to == row.recipients else "pending"), row.subject
    assert sum(map(len, accepted.values())) == len(mail_server.accepted)  # none accepted twice
    assert OutboundEmail.objects.filter(state="pending").count() == 1


# ---------------------------------------------------------------------------
# The apps above: one signal per group, one webhook per e-mail as before
# ---------------------------------------------------------------------------
def test_one_signal_per_group_and_one_webhook_event_per_notice():
    admin = ResellerAdminFactory()
    webhooks.endpoint_create(
        reseller=admin.reseller, actor=admin, url="http://127.0.0.1:9/hook", event_types=["notice.sent"]
    )
    customer = CustomerFactory(reseller=admin.reseller)
    anniversary = timezone.localdate() + timedelta(days=30)
    outbox_rows(25, kind=OutboundEmail.Kind.RENEWAL_DUE, customer=customer, anniversary=anniversary)
    groups = []

    def heard(sender, *, emails, **kwargs):
        groups.append([email.pk for email in emails])

    emails_sent.connect(heard)
    try:
        assert email_deliver(limit=25).sent == 25
    finally:
        emails_sent.disconnect(heard)

    assert [len(group) for group in groups] == [20, 5]
    events = WebhookEvent.objects.filter(type="notice.sent")
    assert events.count() == 25
    sent = {row.sent_at for row in OutboundEmail.objects.all()}
    assert {event.occurred_at for event in events} == sent
    anniversaries = {f'"anniversary":"{row.anniversary.isoformat()}"' for row in OutboundEmail.objects.all()}
    assert {next(a for a in anniversaries if a in event.body) for event in events} == anniversaries


# ---------------------------------------------------------------------------
# PostgreSQL: two senders at once, and a sender killed after the server accepted
# ---------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_each_message_once(mail_server):
    outbox_rows(90, recipients=2)

    def sender():
        sent = 0
        while (result := email_deliver(limit=15)).claimed:
            sent += result.sent
        return sent

    results = run_together(sender, sender)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 90, results
    assert mail_server.counts() == row_keys()  # every message exactly once
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {("sent", 1)}


#: The sender process of the crash test: Django with the base settings, the test database and the test's server.
SENDER = """
import django
django.setup()
from notifications.sending import email_deliver
email_deliver(limit=100)
"""


class KillingMailServer(MailServer):
    """The scripted server that SIGKILLs the sender when it asks to send the message after the `kill_after`-th:
    the sender has then had the server's "250" for every message before it."""

    kill_after = 0
    victim: subprocess.Popen | None = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd's hook
        if self.victim is not None and len(self.accepted) == self.kill_after:
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait(timeout=10)
            self.victim = None  # once: the sweep that follows goes through
            server.transport.close()
            return "421 4.3.2 Gone"
        return await super().handle_MAIL(server, session, envelope, address, mail_options)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_after_acceptance_sends_the_unmarked_messages_again_and_loses_none(settings):
    server = KillingMailServer()
    server.kill_after = 30  # the first group of 20 is marked, the next 10 accepted and not yet marked
    send_mail_to(settings, server.port)
    server.start()
    try:
        outbox_rows(35)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
            "DJANGO_SECRET_KEY": "sender-crash-test",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DJANGO_ENV_FILE": "",
            "DATABASE_URL": database_url(),
            "EMAIL_URL": f"smtp://127.0.0.1:{server.port}",
        }
        env.pop("DJANGO_DEBUG", None)
        process = subprocess.Popen([sys.executable, "-c", SENDER], cwd=ROOT, env=env)
        server.victim = process
        assert process.wait(timeout=60) == -signal.SIGKILL

        states = Counter(OutboundEmail.objects.values_list("state", flat=True))
        assert states == {"sent": 20, "sending": 15}
        first_run = Counter(server.accepted)
        assert len(first_run) == 30 and set(first_run.values()) == {1}

        # The sweep takes the killed sender's rows back once they are stale.
        stale = timezone.now() + timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS + 1)
        with time_machine.travel(stale):
            assert email_deliver(limit=100).sent == 15
    finally:
        server.stop()

    rows = list(OutboundEmail.objects.order_by("subject"))
    assert {row.state for row in rows} == {"sent"}
    counts = server.counts()
    assert set(counts) == set(row_keys())  # none lost
    again = [key for key, count in counts.items() if count > 1]
    assert sorted(again) == [mail_key(row.recipients, row.subject) for row in rows[20:30]]  # the unmarked group
    assert len(again) <= django_settings.OUTBOX_MARK_EVERY and set(counts.values()) == {1, 2}
