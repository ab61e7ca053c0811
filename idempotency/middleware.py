"""`Idempotency-Key` on every API write: the same key and request replay the first response.

A middleware rather than a view mixin, so that every API view, present and future, gets it. Authentication
is DRF's own (token or session), asked once here; an unauthenticated request passes through to the view,
which refuses it as usual.
"""

from __future__ import annotations

import re

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.settings import api_settings

from . import services

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


def _api_user(request):
    drf_request = Request(request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES])
    try:
        user = drf_request.user
    except Exception:  # a bad token or a failed CSRF check: the view gives the proper answer
        return None
    return user if user.is_authenticated else None


class IdempotencyKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not KEY_PATTERN.fullmatch(key):
            return JsonResponse({HEADER: [_("Use 1 to 255 visible ASCII characters, for example a UUID.")]}, status=400)
        user = _api_user(request)
        if user is None:
            return self.get_response(request)
        claim = services.idempotency_key_claim(
            user=user,
            key=key,
            method=request.method,
            path=request.path,
            fingerprint=services.request_fingerprint(
                method=request.method, path=request.path, query=request.META.get("QUERY_STRING", ""), body=request.body
            ),
        )
        if claim.outcome == "mismatch":
            return JsonResponse(
                {HEADER: [_("This key was already used for a different request. Use a new key for a new request.")]},
                status=422,
            )
        if claim.outcome == "in_progress":
            response = JsonResponse(
                {HEADER: [_("A request with this key is still being processed. Retry in a moment.")]}, status=409
            )
            response["Retry-After"] = "1"
            return response
        if claim.outcome == "replay":
            record = claim.record
            response = HttpResponse(record.response_body, status=record.status_code, content_type=record.content_type)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = self.get_response(request)
        except BaseException:
            services.idempotency_key_release(record=claim.record)
            raise
        if response.status_code >= 500 or response.streaming:
            services.idempotency_key_release(record=claim.record)
        else:
            services.idempotency_key_complete(
                record=claim.record,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content.decode(response.charset or "utf-8", errors="replace"),
            )
        return response
