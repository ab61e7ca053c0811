"""The token URL (/ims/token/v3, where Adobe's IMS has it): OAuth 2.0 client credentials.

POST application/x-www-form-urlencoded `grant_type=client_credentials&client_id=…&client_secret=…&scope=…` →
`{"access_token": "…", "token_type": "bearer", "expires_in": 86400}`. Refusals as an OAuth server gives them
(RFC 6749 §5.2): `{"error": "…", "error_description": "…"}`, 400 invalid_request / unsupported_grant_type, 401
invalid_client. The scope is accepted and not used (a client reaches what its resellers allow).
"""

from __future__ import annotations

import math

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from resellerconsole.throttling import SignInRateThrottle

from . import selectors, services

FORM = "application/x-www-form-urlencoded"


def _answer(body: dict, *, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(body, status=status)
    # RFC 6749 §5.1: token answers are never cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    for header, value in (headers or {}).items():
        response[header] = value
    return response


def _refusal(error: str, description: str, *, status: int = 400, headers: dict[str, str] | None = None):
    return _answer({"error": error, "error_description": str(description)}, status=status, headers=headers)


@csrf_exempt
def token(request):
    if request.method != "POST":
        return _refusal("invalid_request", _("Use POST."), status=405, headers={"Allow": "POST"})
    throttle = SignInRateThrottle()
    if not throttle.allow_request(request, None):
        wait = {"Retry-After": str(max(1, math.ceil(throttle.wait() or 1)))}
        return _refusal("slow_down", _("Too many requests; try again later."), status=429, headers=wait)
    if request.content_type != FORM:
        return _refusal("invalid_request", _("Send the parameters as %(type)s.") % {"type": FORM})
    grant_type = request.POST.get("grant_type", "")
    if not grant_type:
        return _refusal("invalid_request", _("The grant_type parameter is missing."))
    if grant_type != "client_credentials":
        return _refusal("unsupported_grant_type", _("Only grant_type=client_credentials is supported."))
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    if not client_id or not secret:
        return _refusal("invalid_request", _("The client_id and client_secret parameters are required."))
    client = selectors.client_authenticate(client_id=client_id, secret=secret)
    if client is None:
        return _refusal("invalid_client", _("Unknown client, wrong secret or inactive client."), status=401)
    issued = services.access_token_issue(client=client)
    return _answer({"access_token": issued.token, "token_type": "bearer", "expires_in": issued.expires_in})
