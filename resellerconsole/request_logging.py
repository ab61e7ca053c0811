"""Each request's id and address in its log lines, and the id in the response's X-Request-Id header.

django-structlog's RequestMiddleware (right after this one) binds the id and the user and writes the
request_started/request_finished lines (audit.AuditSourceMiddleware binds the channel); this middleware first
makes sure the id it takes is one worth trusting.
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from django.dispatch import receiver
from django_structlog import signals

from .throttling import client_ip

REQUEST_ID_HEADER = "X-Request-Id"
_META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy sends (a UUID, a hex trace id, "req-1234"): short, no spaces, nothing a log line or header can trip on.
_SANE_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")


def request_id_of(request) -> str:
    """The id this request is logged under (set by RequestContextMiddleware)."""
    return request.META.get(_META_KEY, "")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get(_META_KEY, "")
        # Any other value (missing, too long, odd characters) gets an id of our own instead.
        request.META[_META_KEY] = offered if _SANE_ID.fullmatch(offered) else str(uuid.uuid4())
        request._console_started = time.perf_counter()
        # django-structlog reads request.headers, which an earlier middleware may have built from the old META.
        request.__dict__.pop("headers", None)
        # The client's address as the throttles count it (trusted proxies only), not X-Forwarded-For's first value.
        structlog.contextvars.bind_contextvars(ip=client_ip(request))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.META[_META_KEY]
        return response


@receiver(signals.bind_extra_request_finished_metadata)
def add_duration(sender, request, logger, response, log_kwargs, **kwargs) -> None:
    """request_finished says how long the request took, as an access log would."""
    started = getattr(request, "_console_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
