"""Webhooks (issue 18): every event delivered once per change, signed, retried, isolated, refused when unsafe.

A real receiver on 127.0.0.1 (tests/webhook_receiver.py) answers the POSTs; the test settings allow it
(WEBHOOKS_ALLOW_PRIVATE_TARGETS) and the safety tests turn the refusal back on.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from authorizations import services as pa
from customers import services as customers
from customers.models import CustomerEvent
from notifications.tasks import send_pending_emails
from renewals import services as renewals
from tests.factories import ProductFactory, ResellerAdminFactory
from tests.webhook_receiver import Receiver
from webhooks import services
from webhooks.models import Delivery, Endpoint, WebhookEvent
from webhooks.tasks import send_due_webhooks
from webhooks.types import EVENT_TYPES, KIND_TYPES

pytestmark = pytest.mark.django_db

FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
LAPSED = ANNIVERSARY + timedelta(days=31)  # the day after the grace period ended


@pytest.fixture
def receiver():
    live = Receiver().start()
    yield live
    live.stop()


@pytest.fixture
def admin():
    return ResellerAdminFactory()


def endpoint_for(admin, url: str, types=None):
    return services.endpoint_create(
        reseller=admin.reseller, actor=admin, url=url, event_types=list(types or EVENT_TYPES)
    )


def new_customer(admin, name: str):
    customer = customers.customer_create(
        reseller=admin.reseller,
        actor=admin,
        company_name=name,
        address_line1="Storgatan 1",
        postal_code="111 22",
        city="Stockholm",
        country="SE",
        market_segment="commercial",
        vip_admins=[customers.VipAdminContact("Vera", f"vera@{name.split()[0].lower()}.example")],
    )
    customer = customers.customer_send_invitation(customer=customer, actor=admin)
    customers.customer_accept_invitation(token=customers.invitation_token(customer.vip_admins.first()))
    customer.refresh_from_db()
    return customer


def every_kind_of_change(admin, run) -> None:
    """One or more changes of every event type, each step's after-commit work run as a worker would."""
    photoshop, acrobat = ProductFactory(name="Photoshop"), ProductFactory(name="Acrobat")
    with time_machine.travel(FIRST_ORDER, tick=False):
        renewing = run(lambda: new_customer(admin, "Renewing AB"))
        lapsing = run(lambda: new_customer(admin, "Lapsing AB"))
        for customer in (renewing, lapsing):
            first = run(
                lambda customer=customer: pa.purchase_authorization_create(
                    customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 5)], actor=admin
                )
            )
            order, _created = run(
                lambda customer=customer, first=first: pa.order_place(
                    order_number=f"FIRST-{customer.pk}",
                    order_date=FIRST_ORDER,
                    pa_reference=first.reference,
                    lines=[pa.OrderLineRequest(photoshop.sku_new, 5)],
                    actor=admin,
                )
            )
        run(lambda: pa.order_set_duration(order=order, months=12, actor=admin))
        run(lambda: pa.return_request(order=order, order_line_ids=[order.lines.get().pk], actor=admin))
        two = run(
            lambda: pa.purchase_authorization_create(
                customer=renewing,
                license_type="team",
                lines=[pa.LineRequest(photoshop, 1), pa.LineRequest(acrobat, 1)],
                actor=admin,
            )
        )
        run(
            lambda: pa.purchase_authorization_remove_products(
                purchase_authorization=two, product_ids=[acrobat.pk], actor=admin
            )
        )
        run(lambda: pa.purchase_authorization_withdraw(purchase_authorization=two, actor=admin))
        overdue = run(
            lambda: pa.purchase_authorization_create(
                customer=renewing, license_type="team", lines=[pa.LineRequest(acrobat, 2)], actor=admin
            )
        )
    with time_machine.travel(FIRST_ORDER + timedelta(days=31), tick=False):
        run(lambda: pa.enforce_order_deadlines(on=timezone.localdate()))  # Delayed: deadline_passed, status_changed
        run(lambda: pa.purchase_authorization_withdraw(purchase_authorization=overdue, actor=admin))  # restored
    with time_machine.travel(ANNIVERSARY - timedelta(days=30), tick=False):
        run(lambda: renewals.refresh_renewal_overview(on=timezone.localdate()))
        run(lambda: notices_send(timezone.localdate()))
    with time_machine.travel(ANNIVERSARY - timedelta(days=5), tick=False):
        run(
            lambda: renewals.renewal_place(
                order_number="RENEWAL-1",
                order_date=timezone.localdate(),
                vip_id=renewing.vip_id,
                lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 5)],
                actor=admin,
            )
        )
    with time_machine.travel(LAPSED, tick=False):
        run(lambda: renewals.remove_expired_access(on=LAPSED))
        lapsing.refresh_from_db()
        run(lambda: renewals.customer_reinstate(customer=lapsing, actor=admin))


def notices_send(on):
    from notifications.notices import send_renewal_notices

    send_renewal_notices(on=on)
    send_pending_emails()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a change and then what it queued after commit (the deliveries), as a worker would."""

    def call(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return call


def test_every_event_type_is_delivered_once_per_change_with_a_valid_signature(admin, receiver, run):
    endpoint = endpoint_for(admin, receiver.url)

    every_kind_of_change(admin, run)

    assert set(receiver.types()) == set(EVENT_TYPES), set(EVENT_TYPES) - set(receiver.types())
    # Once per change: one event per history row of the kinds that have a type, per passed deadline, per notice.
    history = Counter(
        KIND_TYPES[kind]
        for kind in CustomerEvent.objects.filter(customer__reseller=admin.reseller).values_list("kind", flat=True)
        if kind in KIND_TYPES
    )
    sent_notices = endpoint.deliveries.filter(event__type="notice.sent").count()
    expected = history + Counter({"purchase_authorization.deadline_passed": 1, "notice.sent": sent_notices})
    assert Counter(receiver.types()) == expected
    assert sent_notices >= 2  # both customers' "time to renew"
    assert len({r.event_id for r in receiver.received}) == len(receiver.received)
    assert all(r.signed_by(endpoint.secret) for r in receiver.received)
    assert not any(r.signed_by(services.signing.secret_new()) for r in receiver.received)
    assert set(Delivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_an_event_carries_the_object_as_the_api_shows_it(admin, receiver, run, client):
    endpoint_for(admin, receiver.url, ["customer.created", "order.placed"])
    customer = run(lambda: new_customer(admin, "Shown AB"))

    (created,) = [r.event for r in receiver.received]
    client.force_login(admin)
    api = client.get(f"/api/v1/customers/{customer.pk}/").json()
    assert created["type"] == "customer.created"
    assert created["id"] == receiver.received[0].event_id
    assert created["reseller"] == admin.reseller.partner_id
    assert created["data"]["object_type"] == "customer"
    # As the API shows it at the time of the change (before the invitation), with the same fields.
    assert set(created["data"]["object"]) == set(api)
    assert created["data"]["object"]["company_name"] == api["company_name"] == "Shown AB"


def test_a_receiver_answering_500_twice_then_200_gets_the_same_event_three_times(admin, receiver, run):
    receiver.statuses = [500, 500]
    endpoint = endpoint_for(admin, receiver.url, ["customer.created"])
    run(
        lambda: customers.customer_create(
            reseller=admin.reseller,
            actor=admin,
            company_name="Retried AB",
            address_line1="Gatan 1",
            postal_code="111 22",
            city="Stockholm",
            country="SE",
            market_segment="commercial",
            vip_admins=[customers.VipAdminContact("Vera", "vera@retried.example")],
        )
    )
    delivery = endpoint.deliveries.get()
    assert delivery.state == "pending" and delivery.attempts == 1
    for minutes in (2, 5):  # the backoff: about 1 minute, then about 2 (±20 %)
        assert send_due_webhooks() == 0  # not due yet
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            assert send_due_webhooks() == 1

    delivery.refresh_from_db()
    assert [r.event_id for r in receiver.received] == [delivery.event.event_id] * 3
    assert len({r.body for r in receiver.received}) == 1
    assert delivery.state == "delivered" and delivery.attempts == 3
    log = list(delivery.attempt_log.order_by("at", "pk").values_list("status_code", "response_excerpt"))
    assert log == [(500, "ok"), (500, "ok"), (200, "ok")]
    assert all(a.latency_ms is not None for a in delivery.attempt_log.all())


def test_a_failed_delivery_can_be_sent_again_from_the_console(admin, receiver, run, client, settings):
    settings.WEBHOOKS_RETRY_HOURS = 0  # the first failure is the last
    receiver.then = 503
    endpoint = endpoint_for(admin, receiver.url, ["customer.created"])
    run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
    delivery = endpoint.deliveries.get()
    assert delivery.state == "failed" and delivery.last_status_code == 503

    receiver.then = 204
    client.force_login(admin)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        response = run(lambda: client.post(f"/webhooks/deliveries/{delivery.pk}/send-again/"))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 2
    assert [r.event_id for r in receiver.received] == [delivery.event.event_id] * 2
    page = client.get(f"/webhooks/deliveries/{delivery.pk}/").content.decode()
    assert "503" in page and "204" in page and delivery.event.event_id in page


def test_a_dead_endpoint_does_not_keep_a_live_one_from_its_events(admin, receiver, run):
    dead = Receiver().start()
    dead_url = dead.url
    dead.stop()  # nothing listens there any more: connection refused
    endpoint_for(admin, dead_url, ["customer.created"])
    live = endpoint_for(admin, receiver.url, ["customer.created"])

    run(lambda: new_customer(admin, "Isolated AB"))

    assert receiver.types() == ["customer.created"]
    assert live.deliveries.get().state == "delivered"
    failing = Delivery.objects.exclude(endpoint=live).get()
    assert failing.state == "pending" and failing.attempts == 1 and "Connection" in failing.last_error


def test_a_change_that_rolls_back_sends_no_event(admin, receiver, run):
    """The customer is created (its event written), then the transaction fails: neither is left."""
    endpoint_for(admin, receiver.url)

    def create_then_fail():
        with transaction.atomic():
            new_customer(admin, "Rolled AB")
            raise RuntimeError("after the event")

    with pytest.raises(RuntimeError):
        run(create_then_fail)
    assert WebhookEvent.objects.count() == 0 and Delivery.objects.count() == 0
    assert receiver.received == []


def test_nothing_is_written_for_a_change_no_endpoint_wants(admin, receiver, run):
    endpoint_for(admin, receiver.url, ["renewal.processed"])
    services.endpoint_create(
        reseller=ResellerAdminFactory().reseller, actor=None, url=receiver.url, event_types=["customer.created"]
    )
    run(lambda: new_customer(admin, "Quiet AB"))
    assert WebhookEvent.objects.count() == 0 and receiver.received == []


def test_internal_sales_endpoints_hear_every_reseller(admin, receiver, run):
    services.endpoint_create(reseller=None, actor=None, url=receiver.url, event_types=["customer.created"])
    other = ResellerAdminFactory()
    run(lambda: new_customer(admin, "First AB"))
    run(lambda: new_customer(other, "Second AB"))
    assert [r.event["reseller"] for r in receiver.received] == [admin.reseller.partner_id, other.reseller.partner_id]


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(admin, receiver, run):
    endpoint = endpoint_for(admin, receiver.url, ["customer.created"])
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint, actor=admin, overlap_hours=2)
    assert endpoint.secret != old

    run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))

    during, after = receiver.received
    assert during.signed_by(endpoint.secret) and during.signed_by(old)
    assert len(during.headers["webhook-signature"].split()) == 2
    assert after.signed_by(endpoint.secret) and not after.signed_by(old)
    assert endpoint.events.filter(kind="secret_rotated").get().parameters == {"overlap_hours": 2}


def test_redirects_are_not_followed_and_answers_are_capped(admin, receiver, run, settings):
    target = Receiver().start()
    try:
        receiver.then = 302
        receiver.extra_headers = {"Location": target.url}
        receiver.body = b"x" * 200_000
        settings.WEBHOOKS_RESPONSE_MAX_BYTES = 1000
        endpoint = endpoint_for(admin, receiver.url, ["customer.created"])
        run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
        delivery = endpoint.deliveries.get()
        assert delivery.state == "pending" and delivery.last_status_code == 302
        assert target.received == []
        assert delivery.attempt_log.get().response_excerpt == "x" * 500
    finally:
        target.stop()


def test_the_sweep_sends_again_what_a_dead_worker_left_sending(admin, receiver, run, settings):
    endpoint = endpoint_for(admin, receiver.url, ["customer.created"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("webhooks.services.deliveries_queue", lambda ids: None)  # the broker is down
        delivery = run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
    Delivery.objects.filter(pk=delivery.pk).update(state="sending", claimed_at=timezone.now())
    assert send_due_webhooks() == 0  # still held by its worker
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.WEBHOOKS_SENDING_TIMEOUT_SECONDS + 1)):
        assert send_due_webhooks() == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and len(receiver.received) == 1


def test_the_receiver_in_the_docs_accepts_a_delivery_and_refuses_a_forged_one(admin, run):
    """docs/webhooks.md's ten-line receiver, run as written (its secret and port filled in)."""
    import re
    import threading
    from http.server import HTTPServer
    from pathlib import Path

    from django.conf import settings as django_settings

    docs = Path(django_settings.BASE_DIR, "docs", "webhooks.md").read_text()
    code = re.search(r"```python\n(.*?)```", docs, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) <= 16
    endpoint = endpoint_for(admin, "http://127.0.0.1:9/", ["customer.created"])
    code = code.replace('"whsec_…"', repr(endpoint.secret)).replace(
        'HTTPServer(("", 8080), Receiver).serve_forever()', ""
    )
    namespace: dict = {}
    exec(compile(code, "docs/webhooks.md", "exec"), namespace)  # noqa: S102  (the project's own documentation)
    server = HTTPServer(("127.0.0.1", 0), namespace["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        Endpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{server.server_address[1]}/")
        run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
        assert endpoint.deliveries.get().last_status_code == 204
        Endpoint.objects.filter(pk=endpoint.pk).update(secret=services.signing.secret_new())  # a forger's secret
        run(lambda: services.endpoint_send_test(endpoint=endpoint, actor=admin))
        assert sorted(endpoint.deliveries.values_list("last_status_code", flat=True)) == [204, 400]
    finally:
        server.shutdown()
        server.server_close()
