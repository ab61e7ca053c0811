"""Races on PostgreSQL: two people (or workers) acting on the same rows at the same moment."""

import threading

import pytest
from django.db import connection, connections

from customers import services
from customers.models import Customer, CustomerEvent
from notifications import services as outbox
from notifications.models import OutboundEmail
from resellerconsole.errors import DomainError
from tests.factories import CustomerFactory, SalesFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*functions):
    """Start the functions at one barrier in their own threads (own connections); return results or errors."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # collected for the assertion
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_simultaneous_invitations_issue_one_vip_id():
    assert connection.vendor == "postgresql"
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller)

    results = run_together(
        *[lambda: services.customer_send_invitation(customer=customer, actor=sales) for _ in range(4)]
    )

    customer.refresh_from_db()
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert [w.vip_id for w in winners] == [customer.vip_id]
    assert [(type(e), e.code) for e in losers] == [(DomainError, "already_invited")] * 3
    assert customer.events.filter(kind=CustomerEvent.Kind.INVITATION_SENT).count() == 1
    # Four clicks at once: one invitation, one e-mail.
    assert OutboundEmail.objects.filter(customer=customer).count() == 1


def test_parallel_outbox_senders_send_each_email_once(mailoutbox):
    for n in range(40):
        OutboundEmail.objects.create(
            kind="invitation",
            dedupe_key=f"race:{n}",
            recipients=["a@b.example"],
            language="en",
            subject=f"n{n}",
            body_text="x",
        )

    results = run_together(*[lambda: outbox.email_deliver(limit=7) for _ in range(4)])
    while outbox.email_deliver(limit=100).claimed:
        pass

    assert not [r for r in results if isinstance(r, Exception)]
    subjects = [m.subject for m in mailoutbox]
    assert len(subjects) == len(set(subjects)) == 40
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_concurrent_edits_keep_both_changes():
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller)

    results = run_together(
        lambda: services.customer_update(customer=customer, actor=sales, city="Malmö"),
        lambda: services.customer_update(customer=customer, actor=sales, postal_code="211 20"),
    )

    assert not [r for r in results if isinstance(r, Exception)]
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.city, customer.postal_code) == ("Malmö", "211 20")
