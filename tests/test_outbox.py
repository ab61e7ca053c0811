"""The outbox: recorded with the change, delivered once, retried with backoff, visible when failed."""

import importlib
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import sending, services, tasks
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db


def pending_email(**overrides) -> OutboundEmail:
    fields = {
        "kind": OutboundEmail.Kind.INVITATION,
        "dedupe_key": f"test:{OutboundEmail.objects.count()}",
        "recipients": ["vip@customer.example"],
        "language": "en",
        "subject": "Hello",
        "body_text": "Body",
        "body_html": "<p>Body</p>",
    }
    fields.update(overrides)
    return OutboundEmail.objects.create(**fields)


def test_the_sweep_delivers_what_was_never_queued_exactly_once():
    rows = [pending_email() for _ in range(3)]

    first = tasks.send_pending_emails()
    second = tasks.send_pending_emails()

    assert (first, second) == (3, 0)
    assert len(mail.outbox) == 3
    assert {r.state for r in OutboundEmail.objects.filter(pk__in=[r.pk for r in rows])} == {"sent"}


def test_queueing_the_same_key_twice_keeps_one_email(django_capture_on_commit_callbacks):
    kwargs = {
        "kind": OutboundEmail.Kind.INVITATION,
        "dedupe_key": "invitation:1:1",
        "recipients": ["a@b.example"],
        "template": "invitation",
        "context": {
            "customer": {"company_name": "X", "vip_id": "A" * 20},
            "reseller": {"name": "R"},
            "accept_url": "http://x",
            "valid_days": 30,
        },
        "language": "en",
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.email_queue(**kwargs)
        services.email_queue(**kwargs)
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_smtp_failure_retries_with_backoff_then_fails_visibly(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    email = pending_email()
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=SMTPServerDisconnected("gone")):
        sending.email_deliver()
        email.refresh_from_db()
        assert (email.state, email.attempts) == ("pending", 1)
        assert "SMTPServerDisconnected" in email.last_error
        assert sending.email_deliver().claimed == 0  # not due before its backoff
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            sending.email_deliver()
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("failed", 2)
    assert mail.outbox == []


def test_one_failing_message_does_not_stop_the_batch():
    bad, good = pending_email(), pending_email()
    real_send = mail.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.subject == "boom":
            raise ConnectionRefusedError("refused")
        return real_send(message, *args, **kwargs)

    OutboundEmail.objects.filter(pk=bad.pk).update(subject="boom")
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", send):
        result = sending.email_deliver()
    assert (result.claimed, result.sent) == (2, 1)
    assert OutboundEmail.objects.get(pk=good.pk).state == "sent"
    assert OutboundEmail.objects.get(pk=bad.pk).state == "pending"


def test_a_row_left_sending_by_a_crash_is_retried_after_the_timeout(settings):
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 600
    email = pending_email(state="sending", claimed_at=timezone.now())

    assert sending.email_deliver().claimed == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=601)):
        assert sending.email_deliver().sent == 1
    email.refresh_from_db()
    assert email.state == "sent"


def test_admin_send_again_requeues_failed_emails(admin_client):
    email = pending_email(state="failed", attempts=5, last_error="boom")
    response = admin_client.post(
        reverse("admin:notifications_outboundemail_changelist"),
        {"action": "send_again", "_selected_action": [email.pk]},
        follow=True,
    )
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("pending", 0)
    assert "queued again" in response.content.decode()


def test_a_broker_outage_does_not_fail_the_request(sales_client, sales, django_capture_on_commit_callbacks):
    from customers.models import Customer
    from tests.factories import CustomerFactory

    customer = CustomerFactory(reseller=sales.reseller)
    with (
        mock.patch("notifications.tasks.deliver_email.delay", side_effect=OSError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = sales_client.post(reverse("customer-send-invitation", args=[customer.pk]))

    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).vip_id
    assert OutboundEmail.objects.get(customer=customer).state == "pending"  # the sweep will send it
    tasks.send_pending_emails()
    assert OutboundEmail.objects.get(customer=customer).state == "sent"


def test_the_data_migration_puts_the_outbox_sweep_in_the_beat_schedule_once():
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("notifications.migrations.0002_outbox_sweep_schedule")
    PeriodicTask.objects.filter(task="notifications.send_pending_emails").delete()
    migration.add_schedule(apps, None)
    PeriodicTask.objects.filter(task="notifications.send_pending_emails").update(enabled=False)  # an admin edit
    migration.add_schedule(apps, None)

    sweep = PeriodicTask.objects.get(task="notifications.send_pending_emails")
    assert sweep.interval.every == 1 and sweep.expire_seconds < 60
    assert sweep.enabled is False  # re-running kept the admin's edit


def test_an_smtp_server_refusing_connections_counts_as_a_failed_attempt(settings):
    rows = [pending_email() for _ in range(2)]
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.open", side_effect=ConnectionRefusedError("no")):
        result = sending.email_deliver()
    assert (result.claimed, result.sent) == (2, 0)
    for row in rows:
        row.refresh_from_db()
        assert (row.state, row.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in row.last_error
