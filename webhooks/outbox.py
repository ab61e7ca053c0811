"""Events into the outbox: one `WebhookEvent` per change and one `Delivery` per endpoint that wants it.

Written by the receivers (receivers.py) inside the transaction of the change, so there is no change without its
event and no event without its change; the deliveries are queued after commit. A change no active endpoint wants
costs one query (the endpoints), whatever the size of a sweep's batch.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Reseller
from customers.models import Customer

from .models import Delivery, Endpoint, WebhookEvent

logger = logging.getLogger(__name__)


@dataclass
class Change:
    """One change as an event will tell it: the type, whose customer, and what the history recorded."""

    type: str
    customer_id: int | None
    reseller_id: int | None = None  # the customer's, looked up by `changes_record`
    details: dict = field(default_factory=dict)
    occurred_at: datetime | None = None


def endpoints_wanting(types: set[str], customer_ids: set[int]) -> list[Endpoint]:
    """The active endpoints of these customers' resellers (and internal sales', for every reseller) that want any
    of the types: one query, the whole cost of a change no endpoint wants."""
    resellers = Customer.objects.filter(pk__in=customer_ids).values("reseller_id")
    endpoints = Endpoint.objects.filter(Q(reseller__in=resellers) | Q(reseller__isnull=True), active=True)
    # The JSON list is filtered here: SQLite has no JSON containment, and a reseller has a handful of endpoints.
    return [e for e in endpoints if types & set(e.event_types)]


def event_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


def body_of(*, event_id: str, type: str, occurred_at, reseller: str | None, data: dict) -> str:
    return json.dumps(
        {"id": event_id, "type": type, "timestamp": occurred_at, "reseller": reseller, "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def changes_record(changes: list[Change]) -> list[Delivery]:
    """Write the events the active endpoints want and their deliveries (a few INSERTs per batch)."""
    if not changes:
        return []
    customer_ids = {c.customer_id for c in changes if c.customer_id is not None}
    endpoints = endpoints_wanting({c.type for c in changes}, customer_ids)
    if not endpoints:
        return []
    resellers = reseller_ids_of(customer_ids)
    for change in changes:
        if change.customer_id is not None:
            change.reseller_id = resellers.get(change.customer_id, change.reseller_id)
    wanted = []
    for change in changes:
        targets = [e for e in endpoints if change.type in e.event_types and e.reseller_id in (None, change.reseller_id)]
        if targets:
            wanted.append((change, targets))
    if not wanted:
        return []
    # The API modules read the customer list's filter registry when imported, which is filled only once every app
    # is ready (authorizations.apps); the admin's autodiscovery imports this module before that.
    from .payloads import objects_for

    objects = objects_for([change for change, _targets in wanted])
    partner_ids = _partner_ids({change.reseller_id for change, _targets in wanted})
    now = timezone.now()
    retry_until = now + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)
    events, deliveries = [], []
    for index, (change, targets) in enumerate(wanted):
        event_id, occurred_at = event_id_new(), change.occurred_at or now
        data = {"customer": change.customer_id, **objects[index], "details": change.details}
        event = WebhookEvent(
            event_id=event_id,
            type=change.type,
            reseller_id=change.reseller_id,
            customer_id=change.customer_id,
            occurred_at=occurred_at,
            body=body_of(
                event_id=event_id,
                type=change.type,
                occurred_at=occurred_at,
                reseller=partner_ids.get(change.reseller_id) if change.reseller_id is not None else None,
                data=data,
            ),
        )
        events.append(event)
        deliveries += [
            Delivery(event=event, endpoint=endpoint, next_attempt_at=now, retry_until=retry_until)
            for endpoint in targets
        ]
    WebhookEvent.objects.bulk_create(events)
    for delivery in deliveries:
        delivery.event_id = delivery.event.pk
    Delivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: deliveries_queue(ids))
    return deliveries


def _partner_ids(reseller_ids: set[int | None]) -> dict[int, str]:
    return dict(Reseller.objects.filter(pk__in=[r for r in reseller_ids if r]).values_list("pk", "partner_id"))


def deliveries_queue(ids: list[int]) -> None:
    """One task per delivery, so a slow endpoint holds up only its own; a broker outage leaves them for the sweep."""
    from .tasks import deliver_webhook  # tasks.py imports delivery.py, which imports this module

    for pk in ids:
        try:
            deliver_webhook.delay(pk)
        except Exception:
            logger.warning("Broker unavailable; webhook delivery %s left for the sweep", pk, exc_info=True)
            return


def reseller_ids_of(customer_ids: set[int]) -> dict[int, int]:
    return dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "reseller_id"))
