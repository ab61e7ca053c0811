"""Under /api/ every answer is JSON, also those Django gives before or after DRF's views run: a body over
DATA_UPLOAD_MAX_MEMORY_SIZE or with more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields (400), a refused CSRF
check or permission (403), an unhandled error (500). They take the shape the API's exception handler gives
every other error; the console's pages keep Django's HTML answers.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import csrf, defaults
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings

from .errors import DomainError

logger = logging.getLogger(__name__)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def api_error_response(request, error: Exception, *, status: int, code: str) -> HttpResponse:
    """`error` answered by the API's exception handler, as JSON with `status`."""
    try:
        answer = api_settings.EXCEPTION_HANDLER(error, {"request": request, "view": None, "args": (), "kwargs": {}})
        response = HttpResponse(JSONRenderer().render(answer.data), status=status, content_type="application/json")
        for header, value in answer.items():
            if header.lower() != "content-type":
                response[header] = value
        return response
    except Exception:  # the answer to an error must not fail in turn
        logger.exception("API error answer failed; answering a bare one")
        return JsonResponse({"code": code, "message": str(error)}, status=status)


def bad_request(request, exception):
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        error = DomainError(_("The request body is too large."), code="request_too_large")
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        error = DomainError(_("The request has too many fields."), code="too_many_fields")
    else:
        error = DomainError(_("The request could not be read."), code="bad_request")
    return api_error_response(request, error, status=400, code=error.code)


def permission_denied(request, exception):
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return api_error_response(request, exceptions.PermissionDenied(), status=403, code="permission_denied")


def server_error(request):
    if not is_api(request):
        return defaults.server_error(request)
    error = exceptions.APIException(_("Something went wrong on our side. It has been logged; try again later."))
    return api_error_response(request, error, status=500, code="server_error")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: DRF checks CSRF itself for session-authenticated API writes (a JSON 403); this
    covers an API path that Django's middleware checks."""
    if not is_api(request):
        return csrf.csrf_failure(request, reason)
    error = exceptions.PermissionDenied(_("CSRF check failed: %(reason)s") % {"reason": reason})
    return api_error_response(request, error, status=403, code="csrf_failed")
