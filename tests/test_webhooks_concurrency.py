"""Webhooks on PostgreSQL (issue 18): a slow endpoint holds up only its own delivery, and two workers given the
same delivery send it once (the claim skips the row the other holds)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from tests.conftest import run_together
from tests.factories import ResellerAdminFactory
from tests.webhook_receiver import Receiver
from webhooks import delivery as sending
from webhooks import services
from webhooks.models import Delivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued_nowhere(monkeypatch):
    """Deliveries stay in the outbox (the test sends them itself, in the threads it chooses)."""
    monkeypatch.setattr("webhooks.services.deliveries_queue", lambda ids: None)


def test_a_slow_endpoint_does_not_delay_a_live_one(queued_nowhere):
    admin = ResellerAdminFactory()
    slow = Receiver(hold=threading.Event()).start()
    live = Receiver().start()
    try:
        slow_delivery = services.endpoint_send_test(
            endpoint=services.endpoint_create(
                reseller=admin.reseller, actor=admin, url=slow.url, event_types=["order.placed"]
            ),
            actor=admin,
        )
        live_delivery = services.endpoint_send_test(
            endpoint=services.endpoint_create(
                reseller=admin.reseller, actor=admin, url=live.url, event_types=["order.placed"]
            ),
            actor=admin,
        )

        def send_slow():
            try:
                return sending.delivery_send(delivery_id=slow_delivery.pk)
            finally:
                connections.close_all()

        worker = threading.Thread(target=send_slow)
        worker.start()
        assert slow.arrived.wait(10)  # the slow endpoint has the request and does not answer

        assert sending.delivery_send(delivery_id=live_delivery.pk) is True  # meanwhile, the live one is served
        assert Delivery.objects.get(pk=live_delivery.pk).state == "delivered"
        assert Delivery.objects.get(pk=slow_delivery.pk).state == "sending"
        # And the sweep does not wait for it either: the slow delivery is held, nothing else is due.
        assert sending.due_deliveries() == []

        slow.hold.set()
        worker.join(30)
        assert Delivery.objects.get(pk=slow_delivery.pk).state == "delivered"
    finally:
        slow.stop()
        live.stop()


def test_two_workers_given_the_same_delivery_send_it_once(queued_nowhere):
    admin = ResellerAdminFactory()
    receiver = Receiver().start()
    try:
        endpoint = services.endpoint_create(
            reseller=admin.reseller, actor=admin, url=receiver.url, event_types=["order.placed"]
        )
        delivery = services.endpoint_send_test(endpoint=endpoint, actor=admin)
        # Whichever claims it first sends it; the other finds it locked, `sending` or delivered, and leaves it.
        results = run_together(*[lambda: sending.delivery_send(delivery_id=delivery.pk)] * 2)
        assert sorted(results, key=str) == [None, True]
        assert len(receiver.received) == 1
        assert Delivery.objects.get(pk=delivery.pk).attempts == 1
    finally:
        receiver.stop()
