"""Reads of the endpoints and their delivery log, each limited to what the user may see."""

from __future__ import annotations

import json

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from .models import Delivery, DeliveryAttempt, Endpoint

#: The delivery log shows this many of an endpoint's latest deliveries.
LOG_SIZE = 50


def endpoints_of(user):
    """A reseller admin's own reseller's endpoints (internal sales' are kept in the Django admin)."""
    if not (user.is_authenticated and user.is_reseller_admin and user.reseller_id):
        return Endpoint.objects.none()
    return Endpoint.objects.filter(reseller_id=user.reseller_id)


def endpoint_list(*, user):
    """With each endpoint's failed deliveries counted: one query whatever their number."""
    return endpoints_of(user).annotate(failed=Count("deliveries", filter=Q(deliveries__state=Delivery.State.FAILED)))


def endpoint_get(*, user, pk: int) -> Endpoint:
    endpoint = endpoints_of(user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404
    return endpoint


def delivery_log(*, endpoint: Endpoint, limit: int = LOG_SIZE):
    """The endpoint's latest deliveries, newest first, with their event: one query."""
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")[:limit]


def delivery_get(*, user, pk: int) -> Delivery:
    delivery = (
        Delivery.objects.filter(pk=pk, endpoint__in=endpoints_of(user))
        .select_related("event", "endpoint")
        .prefetch_related(Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("-at", "-pk")))
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery


def body_pretty(body: str) -> str:
    """An event's body, indented, for the delivery page."""
    try:
        return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        return body
