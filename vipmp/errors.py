"""Adobe's error body for everything under /v3 — `{"code": "1117", "message": "...", "additionalDetails": [...]}`
— with Adobe's codes (error-handling in Adobe's VIP Marketplace documentation) where one fits, else the HTTP
status as the code (Adobe: "a code field containing the HTTP response code"). The one place /v3 maps refusals
to answers: DRF's exceptions, our DomainError, and anything unexpected (a logged 500, never Django's page).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from resellerconsole.api_errors import problems_from_detail
from resellerconsole.errors import DomainError, Problem

logger = logging.getLogger(__name__)

# Adobe's codes (strings, as Adobe sends them).
INVALID_RESELLER = "1115"
INVALID_CUSTOMER = "1116"
INVALID_FIELDS = "1117"
NOT_EDITABLE = "1119"
UNEXPECTED_FIELDS = "1121"
MISSING_FIELDS = "1122"
SERVER_ERROR = "1124"
ACCOUNT_EXISTS = "1127"
INVALID_MARKET_SEGMENT = "2135"
API_KEY_INVALID = "4115"
AUTHORIZATION_INVALID = "4116"
AUTHORIZATION_MISSING = "4117"
TOO_MANY_REQUESTS = "4118"
CORRELATION_ID_INVALID = "4119"
NOT_PERMITTED = "4121"
IN_PROGRESS = "4122"

#: Our DomainError codes with an Adobe code of their own (any other refused input is 1117).
DOMAIN_CODES = {
    "duplicate_company": ACCOUNT_EXISTS,
    "not_editable": NOT_EDITABLE,
}
#: DRF's field error codes with an Adobe code of their own.
FIELD_CODES = {"unknown_field": UNEXPECTED_FIELDS, "required": MISSING_FIELDS}
#: Our model's field names as /v3 names them (customers.services' fields).
FIELD_PATHS = {
    "company_name": "companyProfile.companyName",
    "preferred_language": "companyProfile.preferredLanguage",
    "market_segment": "companyProfile.marketSegment",
    "address_line1": "companyProfile.address.addressLine1",
    "address_line2": "companyProfile.address.addressLine2",
    "postal_code": "companyProfile.address.postalCode",
    "city": "companyProfile.address.city",
    "country": "companyProfile.address.country",
    "vip_admins": "companyProfile.contacts",
}
_INDEX = re.compile(r"\.(\d+)(?=\.|$)")


class VipmpError(exceptions.APIException):
    """A refusal in Adobe's shape (an APIException, so DRF's authentication treats it as a refusal too)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        details: Sequence[str] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code, self.message, self.status = code, str(message), status
        self.status_code = status
        self.details, self.headers = list(details), headers or {}


def error_body(code: str, message: str, details: Iterable[str] = ()) -> dict:
    return {"code": code, "message": str(message), "additionalDetails": list(details)}


def adobe_path(field: str | None) -> str | None:
    """`companyProfile.contacts.0.email` → `companyProfile.contacts[0].email`; our field names → Adobe's."""
    if field is None:
        return None
    head, _dot, rest = field.partition(".")
    field = FIELD_PATHS.get(head, head) + (f".{rest}" if rest else "")
    return _INDEX.sub(r"[\1]", field)


def from_problems(problems: Iterable[Problem], *, codes: dict[str, str]) -> VipmpError:
    """One refusal from a request's problems: their shared Adobe code (else 1117), every problem in the
    message, and the fields in additionalDetails."""
    problems = [Problem(adobe_path(p.field), p.code, p.message) for p in problems]
    adobe_codes = {p.code if p.code.isdigit() else codes.get(p.code, INVALID_FIELDS) for p in problems}
    code = adobe_codes.pop() if len(adobe_codes) == 1 else INVALID_FIELDS
    message = " ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
    details = list(dict.fromkeys(p.field for p in problems if p.field))
    return VipmpError(code, message or _("Some fields are invalid."), details=details)


def as_vipmp_error(exc: Exception) -> VipmpError | None:
    """`exc` as Adobe's refusal; None when it is not a refusal (a bug: the caller answers 500)."""
    if isinstance(exc, VipmpError):
        return exc
    if isinstance(exc, DomainError):
        return from_problems(exc.problems, codes=DOMAIN_CODES)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return VipmpError("404", _("Not found."), status=404)
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        return VipmpError(NOT_PERMITTED, _("You are not allowed to perform that action on this resource."), status=403)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return VipmpError(AUTHORIZATION_INVALID, _("Authorization token is invalid."), status=401)
    if isinstance(exc, exceptions.Throttled):
        wait = {"Retry-After": str(max(1, math.ceil(exc.wait or 1)))}
        return VipmpError(TOO_MANY_REQUESTS, _("Too many requests."), status=429, headers=wait)
    if isinstance(exc, exceptions.ValidationError):
        return from_problems(problems_from_detail(exc.detail), codes=FIELD_CODES)
    if isinstance(exc, exceptions.ParseError):
        return VipmpError("400", _("The request body is not valid JSON."), status=400)
    if isinstance(exc, exceptions.APIException):  # 405, 406, 415 and the like: Adobe has no code for them
        return VipmpError(str(exc.status_code), str(exc.detail), status=exc.status_code)
    if isinstance(exc, SuspiciousOperation):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE and the like
        return VipmpError("400", _("The request could not be read."), status=400)
    return None


def server_error() -> VipmpError:
    return VipmpError(SERVER_ERROR, _("Internal Server Error. Please try again later."), status=500)


def exception_handler(exc, context):
    """The /v3 views' exception handler: every exception answers in Adobe's shape; unexpected ones are logged
    and answer 500 (1124), so a /v3 client never gets an HTML page."""
    error = as_vipmp_error(exc)
    if error is None:
        logger.error("Unhandled error in the VIP Marketplace API", exc_info=exc)
        error = server_error()
    response = Response(error_body(error.code, error.message, error.details), status=error.status)
    for header, value in error.headers.items():
        response[header] = value
    return response
