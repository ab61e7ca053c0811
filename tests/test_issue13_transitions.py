"""Issue 13: status changes go through one transition function per model, single and bulk; the domain tells the
apps above it through signals sent inside the transaction, and notifications writes the outbox rows there."""

import contextlib
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from authorizations import services as pa_services
from authorizations import signals as pa_signals
from authorizations.models import PurchaseAuthorization, PurchaseAuthorizationStatus
from authorizations.transitions import purchase_authorizations_status_change_bulk
from customers import events, services, signals
from customers.events import describes
from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.transitions import (
    customer_lock,
    customer_status_change,
    customers_lock,
    customers_status_change_bulk,
    restored_status,
)
from notifications.models import OutboundEmail
from tests.factories import (
    ActiveCustomerFactory,
    CustomerFactory,
    InvitedCustomerFactory,
    ProductFactory,
    SalesFactory,
)

DAY0 = date(2026, 3, 2)


@contextlib.contextmanager
def received(signal):
    """The keyword arguments of every sending of `signal` while the block runs."""
    calls = []

    def receiver(sender, **kwargs):
        kwargs.pop("signal")
        calls.append({"sender": sender, **kwargs})

    signal.connect(receiver, weak=False)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def overdue_customers(sales, count, **factory):
    """`count` customers of the sales user's reseller, each with a pending PA created on DAY0."""
    product = ProductFactory(name="Photoshop")
    customers = [ActiveCustomerFactory(reseller=sales.reseller, **factory) for _ in range(count)]
    with time_machine.travel(DAY0, tick=False):
        for customer in customers:
            pa_services.purchase_authorization_create(
                customer=customer, license_type="team", lines=[pa_services.LineRequest(product, 1)], actor=sales
            )
    return customers


# ---------------------------------------------------------------------------
# One customer
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_single_change_saves_its_fields_records_the_event_and_signals():
    customer = InvitedCustomerFactory()
    with received(signals.status_changed) as calls, transaction.atomic():
        locked = customer_lock(customer)
        customer_status_change(
            customer=locked, to=CustomerStatus.DELAYED, actor=None, fields={"delayed_for": DAY0}, overdue=["PA1"]
        )

    customer.refresh_from_db()
    assert (customer.status, customer.delayed_for) == (CustomerStatus.DELAYED, DAY0)
    event = customer.events.get(kind=CustomerEvent.Kind.STATUS_CHANGED)
    assert event.parameters == {"from": "invitation_sent", "to": "delayed", "overdue": ["PA1"]}
    if connection.vendor == "sqlite":  # stored as written (PostgreSQL's jsonb keeps no key order)
        assert list(event.parameters) == ["from", "to", "overdue"]
    assert len(calls) == 1
    assert calls[0]["sender"] is Customer and calls[0]["customer"].pk == customer.pk
    assert (calls[0]["previous"], calls[0]["status"], calls[0]["details"]) == (
        "invitation_sent",
        "delayed",
        {"overdue": ["PA1"]},
    )


@pytest.mark.django_db(transaction=True)
def test_a_single_change_needs_the_transaction_that_holds_the_lock():
    customer = InvitedCustomerFactory()
    with pytest.raises(RuntimeError):
        customer_status_change(customer=customer, to=CustomerStatus.ACTIVE, actor=None)
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.INVITATION_SENT and not customer.events.exists()


def test_where_an_account_returns_to():
    assert restored_status(None) == CustomerStatus.INVITATION_SENT
    assert restored_status(DAY0) == CustomerStatus.ACTIVE


# ---------------------------------------------------------------------------
# A batch
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_batch_changes_the_rows_the_map_allows_in_one_update_one_insert_and_one_signal(django_assert_num_queries):
    not_invited, active, invited = CustomerFactory(), ActiveCustomerFactory(), InvitedCustomerFactory()
    with transaction.atomic():
        rows = customers_lock(Customer.objects.filter(pk__in=[not_invited.pk, active.pk, invited.pk]))
        # The UPDATE, the INSERT of the events, and the webhook endpoints that might want them (webhooks.outbox).
        with received(signals.statuses_changed) as calls, django_assert_num_queries(3):
            changes = customers_status_change_bulk(
                rows=rows, to=CustomerStatus.DELAYED, fields={"delayed_for": DAY0}, reason="test"
            )

    assert [(c.customer_id, c.previous, c.status) for c in changes] == [
        (active.pk, "active", "delayed"),
        (invited.pk, "invitation_sent", "delayed"),
    ]
    assert dict(Customer.objects.values_list("pk", "status")) == {
        not_invited.pk: "not_invited",
        active.pk: "delayed",
        invited.pk: "delayed",
    }
    assert Customer.objects.get(pk=not_invited.pk).delayed_for is None
    assert [e.parameters for e in CustomerEvent.objects.filter(kind="status_changed").order_by("customer_id")] == [
        {"from": "active", "to": "delayed", "reason": "test"},
        {"from": "invitation_sent", "to": "delayed", "reason": "test"},
    ]
    assert len(calls) == 1 and calls[0]["changes"] == changes


@pytest.mark.django_db
def test_the_sweep_restores_each_account_to_where_its_invitation_allows_in_one_batch():
    sales = SalesFactory()
    accepted, invited = overdue_customers(sales, 1) + overdue_customers(sales, 1, invitation_accepted_at=None)
    pa_services.enforce_order_deadlines(on=DAY0 + timedelta(days=31))
    PurchaseAuthorization.objects.update(order_deadline=DAY0 + timedelta(days=60))  # extended

    with received(signals.statuses_changed) as calls:
        result = pa_services.enforce_order_deadlines(on=DAY0 + timedelta(days=31))

    assert sorted(result.restored) == sorted([accepted.pk, invited.pk])
    assert dict(Customer.objects.values_list("pk", "status")) == {accepted.pk: "active", invited.pk: "invitation_sent"}
    assert not Customer.objects.exclude(delayed_for=None).exists()
    restored = CustomerEvent.objects.filter(kind="status_changed", parameters__from="delayed")
    assert {e.customer_id: e.parameters["to"] for e in restored} == {
        accepted.pk: "active",
        invited.pk: "invitation_sent",
    }
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_deadline_sweep_sends_one_signal_per_batch_and_the_delayed_emails():
    sales = SalesFactory()
    customers = overdue_customers(sales, 3)
    references = dict(PurchaseAuthorization.objects.values_list("customer_id", "reference"))

    with received(pa_signals.accounts_delayed) as calls:
        result = pa_services.enforce_order_deadlines(on=DAY0 + timedelta(days=31), batch_size=2)

    assert sorted(result.delayed) == sorted(c.pk for c in customers)
    assert [call["overdue"] for call in calls] == [
        {customers[0].pk: [references[customers[0].pk]], customers[1].pk: [references[customers[1].pk]]},
        {customers[2].pk: [references[customers[2].pk]]},
    ]
    emails = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACCOUNT_DELAYED)
    assert sorted(emails.values_list("dedupe_key", flat=True)) == sorted(
        f"account_delayed:{c.pk}:{references[c.pk]}" for c in customers
    )
    assert all(email.recipients == [sales.email] for email in emails)


@pytest.mark.django_db
def test_the_deadline_sweep_costs_the_same_queries_for_one_account_as_for_four():
    sales = SalesFactory()

    def queries(count: int) -> tuple[int, int]:
        PurchaseAuthorization.objects.update(status=PurchaseAuthorizationStatus.WITHDRAWN)
        customers = overdue_customers(sales, count)
        with CaptureQueriesContext(connection) as delaying:
            assert len(pa_services.enforce_order_deadlines(on=DAY0 + timedelta(days=31)).delayed) == count
        PurchaseAuthorization.objects.filter(customer__in=customers).update(order_deadline=DAY0 + timedelta(days=90))
        with CaptureQueriesContext(connection) as restoring:
            assert len(pa_services.enforce_order_deadlines(on=DAY0 + timedelta(days=31)).restored) == count
        return len(delaying), len(restoring)

    assert queries(1) == queries(4)


@pytest.mark.django_db
def test_a_batch_of_purchase_authorizations_changes_the_rows_the_map_allows_in_one_update_and_one_signal():
    sales = SalesFactory()
    overdue_customers(sales, 3)
    ordered, *pending = PurchaseAuthorization.objects.order_by("pk")
    PurchaseAuthorization.objects.filter(pk=ordered.pk).update(status=PurchaseAuthorizationStatus.ORDERED)
    rows = [{"pk": ordered.pk, "status": "ordered"}] + [{"pk": pa.pk, "status": "pending"} for pa in pending]
    with transaction.atomic(), received(pa_signals.statuses_changed) as calls:
        changed = purchase_authorizations_status_change_bulk(rows=rows, to=PurchaseAuthorizationStatus.WITHDRAWN)
    assert changed == [pa.pk for pa in pending]
    assert dict(PurchaseAuthorization.objects.values_list("pk", "status")) == {
        ordered.pk: "ordered",
        **{pa.pk: "withdrawn" for pa in pending},
    }
    assert calls == [{"sender": PurchaseAuthorization, "ids": changed, "status": "withdrawn"}]


# ---------------------------------------------------------------------------
# Notifications react, in the transaction of the change
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_invitation_emails_are_written_by_the_receiver_in_the_transaction_of_the_change():
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller, vip_admins=[("A", "a@x.example"), ("B", "b@x.example")])

    with received(signals.invitation_links_issued) as calls, pytest.raises(RuntimeError), transaction.atomic():
        services.customer_send_invitation(customer=customer, actor=sales)
        assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.INVITATION).count() == 2
        raise RuntimeError("the change rolls back: so do its e-mails")
    assert len(calls) == 1 and [a.email for a in calls[0]["vip_admins"]] == ["a@x.example", "b@x.example"]
    assert not OutboundEmail.objects.exists()
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.NOT_INVITED


def test_each_kind_reads_one_way_only():
    try:
        describes("test_kind")(lambda parameters: "one")
        with pytest.raises(ValueError):
            describes("test_kind")(lambda parameters: "two")
        assert CustomerEvent(kind="test_kind").details == "one"
    finally:
        events._describers.pop("test_kind", None)
