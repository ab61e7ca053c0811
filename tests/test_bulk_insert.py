"""resellerconsole.bulk.insert_columns writes what bulk_create writes (PostgreSQL): every column of every row,
the primary keys set on the objects in their order, JSON as JSON, and nothing twice when conflicts are ignored."""

from datetime import UTC, datetime

import pytest

from customers.events import customer_event, customer_events_write
from customers.models import CustomerEvent
from notifications.models import OutboundEmail
from resellerconsole.bulk import insert_columns
from tests.factories import CustomerFactory, SalesFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

COLUMNS = ("customer_id", "kind", "actor_id", "at", "parameters", "source", "source_detail")


def test_events_written_by_columns_equal_those_bulk_create_writes():
    customers, actor = CustomerFactory.create_batch(3), SalesFactory()
    at = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)

    def batch():
        return [
            customer_event(
                customer_id=c.pk,
                kind=kind,
                at=at,
                actor=actor if n % 2 else None,
                parameters={"anniversary": "2026-10-01", "lines": [{"product": "Acrobat “Pro”", "quantity": n}]},
            )
            for n, (c, kind) in enumerate((c, k) for c in customers for k in ("access_removed", "status_changed"))
        ]

    written = customer_events_write(batch())
    expected = CustomerEvent.objects.bulk_create(batch())
    assert [e.pk for e in written] == sorted(e.pk for e in written) and all(not e._state.adding for e in written)
    rows = {e.pk: e for e in CustomerEvent.objects.all()}
    assert [[getattr(rows[e.pk], c) for c in COLUMNS] for e in written] == [
        [getattr(rows[e.pk], c) for c in COLUMNS] for e in expected
    ]


def test_conflicts_ignored_write_nothing_twice():
    customer = CustomerFactory()

    def email():
        return OutboundEmail(
            dedupe_key="notice:1",
            customer=customer,
            kind=OutboundEmail.Kind.INVITATION,
            recipients=["a@b.example"],
            language="en",
            subject="Hello",
            body_text="Hi",
        )

    insert_columns([email()], ignore_conflicts=True)
    insert_columns([email(), email()], ignore_conflicts=True)
    assert OutboundEmail.objects.filter(dedupe_key="notice:1").count() == 1
