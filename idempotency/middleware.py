"""`Idempotency-Key` on every API write: the same key and request replay the first response.

A middleware rather than a view mixin, so that every API view, present and future, gets it. It works in
`process_view`, once the URL names the view: the view's own method, authentication and permission checks run
first, so a request the view would refuse (405, 401, 403) gets that answer rather than one from the key store,
and leaves no key behind.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.utils.translation import gettext as _

from resellerconsole.api_errors import error_json_response
from resellerconsole.errors import Problem

from . import services

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


def _permitted_user(request, view_func, view_args, view_kwargs):
    """The signed-in user if the DRF view would take this request to its handler; None if it would refuse it
    (the view then gives the proper answer) or is no DRF view."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return None
    view = view_class(**getattr(view_func, "initkwargs", {}))
    method = request.method.lower()
    if method not in view.http_method_names or not hasattr(view, method):
        return None  # 405 from the view
    view.args, view.kwargs, view.headers = view_args, view_kwargs, {}
    drf_request = view.initialize_request(request, *view_args, **view_kwargs)
    view.request = drf_request
    try:
        view.format_kwarg = view.get_format_suffix(**view_kwargs)
        view.perform_authentication(drf_request)
        view.check_permissions(drf_request)
    except Exception:  # refused, a bad token, a failed CSRF check: the view answers the same again
        return None
    user = drf_request.user
    return user if user.is_authenticated else None


def _refusal(code: str, message: str, status: int):
    return error_json_response([Problem(None, code, message)], status=status)


def replay_response(record) -> HttpResponse:
    """The first answer to a key's request, again (marked as a replay)."""
    response = HttpResponse(record.response_body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def claim_finish(record, response) -> None:
    """Keep the answer for the key's replays; a 5xx (or a stream) forgets the key so that a retry runs again."""
    if response.status_code >= 500 or response.streaming:
        services.idempotency_key_release(record=record)
    else:
        services.idempotency_key_complete(
            record=record,
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content.decode(response.charset or "utf-8", errors="replace"),
        )


class IdempotencyKeyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            if (record := getattr(request, "idempotency_claim", None)) is not None:
                services.idempotency_key_release(record=record)
            raise
        record = getattr(request, "idempotency_claim", None)
        if record is not None:
            claim_finish(record, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return None
        user = _permitted_user(request, view_func, view_args, view_kwargs)
        if user is None:
            return None
        if not KEY_PATTERN.fullmatch(key):
            return _refusal(
                "invalid_idempotency_key", _("Use 1 to 255 visible ASCII characters, for example a UUID."), 400
            )
        claim = services.request_claim(request=request, user=user, key=key)
        if claim.outcome == "mismatch":
            return _refusal(
                "idempotency_key_reused",
                _("This key was already used for a different request. Use a new key for a new request."),
                422,
            )
        if claim.outcome == "in_progress":
            response = _refusal(
                "idempotency_key_in_progress",
                _("A request with this key is still being processed. Retry in a moment."),
                409,
            )
            response["Retry-After"] = "1"
            return response
        if claim.outcome == "replay":
            return replay_response(claim.record)
        request.idempotency_claim = claim.record
        return None
