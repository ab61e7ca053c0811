"""Sending the outbox's deliveries: one POST per delivery, retried with backoff for about three days.

Robust as the e-mail outbox (notifications.sending): a delivery is claimed (`sending`) in a short transaction
that skips rows another worker holds, sent outside any transaction, and its result recorded; a worker that dies
mid-send leaves the row `sending`, and the sweep sends it again once `WEBHOOKS_SENDING_TIMEOUT_SECONDS` passed.
At least once: a receiver may see an event twice (same `webhook-id`), never zero times while it answers.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import safety, signing
from .models import Delivery, DeliveryAttempt
from .outbox import deliveries_queue

logger = logging.getLogger(__name__)

#: The first bytes of an answer kept in the delivery log.
EXCERPT_CHARACTERS = 500


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4 … minutes, at most 12 hours, each ±20 % at random so that a
    receiver coming back is not met by every retry at once."""
    base = min(60 * 2 ** (attempts - 1), 12 * 3600)
    factor = jitter if jitter is not None else random.uniform(0.8, 1.2)  # noqa: S311  (spreading, not secrecy)
    return timedelta(seconds=base * factor)


def _deliverable(now) -> Q:
    stale = now - timedelta(seconds=settings.WEBHOOKS_SENDING_TIMEOUT_SECONDS)
    return Q(state=Delivery.State.PENDING, next_attempt_at__lte=now) | Q(
        state=Delivery.State.SENDING, claimed_at__lte=stale
    )


def _claim(delivery_id: int, now) -> Delivery | None:
    with transaction.atomic():
        candidates = Delivery.objects.filter(_deliverable(now), pk=delivery_id)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        delivery = candidates.select_related("event", "endpoint").first()
        if delivery is None:
            return None
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENDING, claimed_at=now)
    return delivery


def headers_for(delivery: Delivery, *, timestamp: int) -> dict[str, str]:
    event = delivery.event
    return {
        "Content-Type": "application/json",
        "User-Agent": "ResellerConsole-Webhooks/1",
        "webhook-id": event.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(
            secrets_=delivery.endpoint.signing_secrets(),
            event_id=event.event_id,
            timestamp=timestamp,
            body=event.body,
        ),
        "webhook-event-type": event.type,
    }


def delivery_send(*, delivery_id: int) -> bool | None:
    """Send one delivery if it is due; True delivered, False failed this time, None not due (or held elsewhere)."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    status, excerpt, latency, error = None, "", None, ""
    if not endpoint.active:
        error = _("The endpoint is not active.")
    else:
        timestamp = int(time.time())
        try:
            target = safety.target_resolve(endpoint.url)  # again at each send: against DNS rebinding
            answer = safety.post(
                target,
                body=delivery.event.body.encode(),
                headers=headers_for(delivery, timestamp=timestamp),
                timeout=settings.WEBHOOKS_TIMEOUT_SECONDS,
                max_bytes=settings.WEBHOOKS_RESPONSE_MAX_BYTES,
            )
        except safety.TargetRefused as refused:
            error = str(refused)
        except Exception as failure:  # a dead receiver fails in many ways (refused, reset, TLS, timeout …)
            error = f"{type(failure).__name__}: {failure}"
        else:
            status, latency = answer.status, answer.latency_ms
            excerpt = answer.body[:EXCERPT_CHARACTERS].decode("utf-8", "replace")
    return _record(delivery, status=status, excerpt=excerpt, latency=latency, error=error)


def _record(delivery: Delivery, *, status, excerpt: str, latency, error: str) -> bool:
    now = timezone.now()
    delivered = status is not None and 200 <= status < 300
    attempts = delivery.attempts + 1
    if not delivered and not error:
        error = _("The endpoint answered %(status)s.") % {"status": status}
    fields = {"attempts": attempts, "claimed_at": None, "last_status_code": status, "last_error": error[:500]}
    if delivered:
        fields.update(state=Delivery.State.DELIVERED, delivered_at=now, last_error="")
    else:
        next_at = now + retry_delay(attempts)
        until = delivery.retry_until or delivery.created_at + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)
        gives_up = next_at > until
        fields.update(state=Delivery.State.FAILED if gives_up else Delivery.State.PENDING, next_attempt_at=next_at)
        logger.info("Webhook delivery %s attempt %s failed: %s", delivery.pk, attempts, error)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(**fields)
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=status,
            latency_ms=latency,
            response_excerpt=excerpt[:EXCERPT_CHARACTERS],
            error=error[:500],
        )
    return delivered


def due_deliveries(*, limit: int = 500) -> list[int]:
    """The deliveries a sweep queues: pending and due, or left `sending` by a worker that died."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(_deliverable(now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep() -> int:
    """Queue every due delivery as its own task (never sent here: one slow endpoint must not hold up the sweep)."""
    ids = due_deliveries()
    deliveries_queue(ids)
    return len(ids)


def delivery_send_again(*, delivery: Delivery) -> Delivery:
    """Queue a failed (or delivered) delivery once more, with the same event id; a new three-day period starts."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).exclude(state=Delivery.State.SENDING).update(
        state=Delivery.State.PENDING,
        next_attempt_at=now,
        retry_until=now + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS),
        claimed_at=None,
    )
    transaction.on_commit(lambda: deliveries_queue([delivery.pk]))
    delivery.refresh_from_db()
    return delivery
