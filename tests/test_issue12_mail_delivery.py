"""Issue 12, items 24 and 26: an e-mail for several people is one message to each (no one sees the others'
addresses), still once per customer, kind and anniversary; an SMTP server dropping the connection in the
middle of a batch costs the batch nothing: the sender connects again and every message is sent exactly once."""

from datetime import date, timedelta
from email import message_from_bytes, policy
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from authorizations import services as pa
from licences.models import Holding
from notifications import notices
from notifications.models import OutboundEmail
from notifications.sending import email_deliver
from notifications.tasks import send_pending_emails
from tests.conftest import MailServer, row_keys
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

pytestmark = pytest.mark.django_db
ANNIVERSARY = date(2026, 9, 15)
ADMINS = ("ada@c.example", "bo@c.example", "cy@c.example")


def deliver_all() -> None:
    while email_deliver().claimed:
        pass


def outbox_row(n: int, recipients=None) -> OutboundEmail:
    return OutboundEmail.objects.create(
        kind=OutboundEmail.Kind.INVITATION,
        dedupe_key=f"issue12:{n}",
        recipients=recipients or [f"admin{n}@customer.example"],
        language="en",
        subject=f"Message {n:02d}",
        body_text="Hello",
    )


# ---------------------------------------------------------------------------
# Item 24: recipients do not see each other
# ---------------------------------------------------------------------------
def test_a_renewal_notice_is_one_message_to_each_vip_admin_and_once_per_anniversary(smtp):
    customer = ActiveCustomerFactory(
        anniversary_date=ANNIVERSARY, anniversary_day=ANNIVERSARY.day, vip_admins=[(f"A {e}", e) for e in ADMINS]
    )
    Holding.objects.create(customer=customer, product=ProductFactory(name="Photoshop"), deployed=4)
    day = ANNIVERSARY - timedelta(days=30)

    with time_machine.travel(day, tick=False):
        for _run in range(2):  # a second job run and sweep send nothing more
            notices.send_renewal_notices(on=day)
            deliver_all()

    assert OutboundEmail.objects.get().state == "sent"
    assert sorted(recipients for recipients, _content in smtp.messages) == [[admin] for admin in ADMINS]
    for [recipient], content in smtp.messages:
        header = message_from_bytes(content.encode(), policy=policy.default)
        assert header["To"] == recipient and header["Cc"] is None and header["Bcc"] is None
        assert not [other for other in ADMINS if other != recipient and other in content]


def test_the_account_delayed_notice_is_one_message_to_each_staff_member():
    sales = SalesFactory(email="sales@reseller.example")
    SalesFactory(reseller=sales.reseller, email="colleague@reseller.example")
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    with time_machine.travel(date(2026, 1, 1), tick=False):
        pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(ProductFactory(), 1)], actor=sales
        )
    for day in (date(2026, 2, 1), date(2026, 2, 2)):
        pa.enforce_order_deadlines(on=day)
    send_pending_emails()

    assert OutboundEmail.objects.get(kind="account_delayed").state == "sent"
    assert sorted(message.to for message in mail.outbox) == [["colleague@reseller.example"], ["sales@reseller.example"]]
    assert all(message.cc == message.bcc == [] for message in mail.outbox)


def test_a_recipient_refused_once_is_retried_alone_and_the_others_get_the_message_once():
    row = outbox_row(0, recipients=list(ADMINS))
    real_send = mail.EmailMultiAlternatives.send
    refused = []

    def send(message, *args, **kwargs):
        if message.to == ["bo@c.example"] and not refused:
            refused.append(message.to)
            raise SMTPRecipientsRefused({"bo@c.example": (450, b"mailbox busy")})
        return real_send(message, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", send):
        email_deliver()
        row.refresh_from_db()
        assert (row.state, row.attempts, row.delivered_to) == ("pending", 1, ["ada@c.example"])
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            email_deliver()

    row.refresh_from_db()
    assert (row.state, row.attempts, row.delivered_to) == ("sent", 2, list(ADMINS))
    assert [message.to for message in mail.outbox] == [[admin] for admin in ADMINS]  # each exactly once


def test_the_sender_marks_a_batch_of_messages_in_one_update(django_assert_num_queries):
    for n in range(3):
        outbox_row(n, recipients=[f"a{n}@c.example", f"b{n}@c.example"])

    # The claim (select, update, and the savepoint pair) and one UPDATE for the 6 messages' marks (a group is
    # up to OUTBOX_MARK_EVERY messages: tests/test_issue15_sender.py).
    with django_assert_num_queries(4 + 1):
        assert email_deliver().sent == 3
    assert len(mail.outbox) == 6


# ---------------------------------------------------------------------------
# Item 26: a dropped connection in the middle of a batch
# ---------------------------------------------------------------------------
def each_row_accepted_once(server: MailServer) -> bool:
    """One message to each recipient of each row, none twice."""
    return server.counts() == row_keys()


@pytest.mark.parametrize("fault", ["accept_then_drop", "drop"])
@pytest.mark.parametrize("k", [1, 7, 19])
def test_a_drop_after_message_k_of_20_still_sends_all_20_exactly_once_in_that_run(mail_server, fault, k):
    for n in range(20):
        outbox_row(n)
    # "accept_then_drop" at k: the k-th is accepted, the (k+1)-th finds the connection gone.
    # "drop" at k: the k-th is lost unanswered and sent again over a new connection.
    mail_server.faults = ["accept"] * (k - 1) + [fault]

    result = email_deliver(limit=20)

    assert (result.claimed, result.sent) == (20, 20)
    assert each_row_accepted_once(mail_server)
    assert len(mail_server.accepted) == 20
    rows = OutboundEmail.objects.all()
    assert {(row.state, row.attempts, row.last_error) for row in rows} == {("sent", 1, "")}
    assert mail_server.connections == 2


def test_drops_in_the_middle_of_a_row_for_several_people_send_each_recipient_once(mail_server):
    outbox_row(0)
    outbox_row(1, recipients=list(ADMINS))
    outbox_row(2)
    # Row 1's second recipient is dropped unanswered, its third accepted before a drop.
    mail_server.faults = ["accept", "accept", "drop", "accept_then_drop"]

    assert email_deliver(limit=20).sent == 3

    assert each_row_accepted_once(mail_server) and len(mail_server.accepted) == 5
    assert set(OutboundEmail.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_message_dropped_again_on_the_new_connection_counts_one_attempt_and_the_batch_goes_on(mail_server):
    for n in range(20):
        outbox_row(n)
    mail_server.faults = ["accept"] * 4 + ["drop", "drop"]  # the fifth, and its one retry

    result = email_deliver(limit=20)

    assert (result.claimed, result.sent) == (20, 19)
    fifth = OutboundEmail.objects.get(subject="Message 04")
    assert (fifth.state, fifth.attempts) == ("pending", 1) and "SMTPServerDisconnected" in fifth.last_error
    assert OutboundEmail.objects.filter(state="sent").count() == 19 == len(mail_server.accepted)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert email_deliver(limit=20).sent == 1
    assert each_row_accepted_once(mail_server)
