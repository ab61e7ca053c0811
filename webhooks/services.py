"""Writes to the endpoints: create, change, rotate the secret, delete, send a test event, send a delivery again.

Every change is recorded (EndpointEvent: who, when, the channel, what). A URL is refused, at its field, unless it
passes `safety.target_resolve` (https in production, public addresses only).
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Reseller, User
from resellerconsole.errors import DomainError

from . import delivery as sending
from . import safety, signing
from .models import Delivery, Endpoint, EndpointEvent, WebhookEvent
from .outbox import body_of, deliveries_queue, event_id_new
from .types import EVENT_TYPES, TEST_EVENT


def refuse_bad_input(*, url: str, event_types: list[str], description: str) -> None:
    try:
        safety.target_resolve(url)
    except safety.TargetRefused as refused:
        raise DomainError(str(refused), code="webhook_url_refused", field="url") from refused
    if len(url) > cast(int, Endpoint._meta.get_field("url").max_length):
        raise DomainError(_("The URL is too long."), code="webhook_url_refused", field="url")
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown or not event_types:
        raise DomainError(_("Choose at least one event type."), code="webhook_event_types", field="event_types")
    if len(description) > cast(int, Endpoint._meta.get_field("description").max_length):
        raise DomainError(_("The description is too long."), code="too_long", field="description")


def _record(endpoint: Endpoint, kind: str, actor: User | None, **parameters) -> EndpointEvent:
    return EndpointEvent.objects.create(
        reseller=endpoint.reseller, endpoint=endpoint, kind=kind, actor=actor, parameters=parameters
    )


def endpoint_create(
    *,
    reseller: Reseller | None,
    actor: User | None,
    url: str,
    description: str = "",
    event_types: list[str],
    active: bool = True,
) -> Endpoint:
    """A new endpoint with a new secret (the caller shows it once)."""
    refuse_bad_input(url=url, event_types=event_types, description=description)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            reseller=reseller,
            url=url,
            description=description,
            event_types=sorted(set(event_types)),
            active=active,
            secret=signing.secret_new(),
            created_by=actor,
        )
        _record(endpoint, EndpointEvent.Kind.CREATED, actor, url=url, event_types=endpoint.event_types)
    return endpoint


def endpoint_update(
    *, endpoint: Endpoint, actor: User | None, url: str, description: str, event_types: list[str], active: bool
) -> Endpoint:
    refuse_bad_input(url=url, event_types=event_types, description=description)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        wanted = {"url": url, "description": description, "event_types": sorted(set(event_types)), "active": active}
        changes = {
            name: [getattr(endpoint, name), value] for name, value in wanted.items() if getattr(endpoint, name) != value
        }
        if not changes:
            return endpoint  # a second save changes and records nothing
        for name, (_before, after) in changes.items():
            setattr(endpoint, name, after)
        endpoint.save()
        _record(endpoint, EndpointEvent.Kind.UPDATED, actor, changes=changes)
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint, actor: User | None, overlap_hours: int | None = None) -> Endpoint:
    """A new secret signs from now on; the old one still signs (a second signature) for `overlap_hours`."""
    hours = settings.WEBHOOKS_SECRET_OVERLAP_HOURS if overlap_hours is None else overlap_hours
    if not 0 <= hours <= 24 * 7:
        raise DomainError(_("The overlap is 0 to 168 hours."), code="invalid", field="overlap_hours")
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret if hours else ""
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(hours=hours) if hours else None
        endpoint.secret = signing.secret_new()
        endpoint.save()
        _record(endpoint, EndpointEvent.Kind.SECRET_ROTATED, actor, overlap_hours=hours)
    return endpoint


def endpoint_delete(*, endpoint: Endpoint, actor: User | None) -> None:
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        _record(endpoint, EndpointEvent.Kind.DELETED, actor, url=endpoint.url)
        endpoint.delete()


def endpoint_send_test(*, endpoint: Endpoint, actor: User | None) -> Delivery:
    """A `webhook.test` event to this endpoint alone, signed and logged like any other."""
    now = timezone.now()
    with transaction.atomic():
        event_id = event_id_new()
        reseller = endpoint.reseller
        event = WebhookEvent.objects.create(
            event_id=event_id,
            type=TEST_EVENT,
            reseller=reseller,
            occurred_at=now,
            body=body_of(
                event_id=event_id,
                type=TEST_EVENT,
                occurred_at=now,
                reseller=reseller.partner_id if reseller else None,
                data={"endpoint": endpoint.pk, "message": "This is a test event from the Reseller Console."},
            ),
        )
        delivery = Delivery.objects.create(
            event=event,
            endpoint=endpoint,
            next_attempt_at=now,
            retry_until=now + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS),
        )
        _record(endpoint, EndpointEvent.Kind.TEST_SENT, actor, event_id=event_id)
        transaction.on_commit(lambda: deliveries_queue([delivery.pk]))
    return delivery


def delivery_send_again(*, delivery: Delivery, actor: User | None) -> Delivery:
    """The same event (same id) once more; refused while it is being sent."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("endpoint", "event").get(pk=delivery.pk)
        if delivery.state == Delivery.State.SENDING:
            raise DomainError(_("This delivery is being sent right now."), code="invalid_transition")
        delivery = sending.delivery_send_again(delivery=delivery)
        _record(
            delivery.endpoint,
            EndpointEvent.Kind.DELIVERY_SENT_AGAIN,
            actor,
            event_id=delivery.event.event_id,
            delivery=delivery.pk,
        )
    return delivery
