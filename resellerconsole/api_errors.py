"""The API's one error shape, for every 4xx under /api/:

    {"code": "...", "message": "...", "errors": [{"field": "lines.0.quantity" | null, "code": "...", "message": "..."}]}

`code` is the problems' shared code (or "invalid" when they differ), `message` a summary, `errors` every problem
of the request. Built here from domain errors and from DRF's exceptions (whose nested serializer errors become
dotted field paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.http import JsonResponse
from django.utils.translation import ngettext
from rest_framework.settings import api_settings

from .error_codes import CONFLICT_CODES
from .errors import DomainError, Problem, overall_code


def problems_from_detail(detail, *, field: str | None = None, default_code: str = "invalid") -> list[Problem]:
    """DRF's error detail (a message, a list of them, or nested dicts and lists) as problems with dotted paths.

    `{"lines": [{}, {"quantity": [...]}]}` gives `lines.1.quantity`; a serializer's `non_field_errors` belong to
    the object that holds them (None at the top).
    """
    if isinstance(detail, Mapping):
        problems = []
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                path = field
            else:
                path = f"{field}.{key}" if field is not None else str(key)
            problems += problems_from_detail(value, field=path, default_code=default_code)
        return problems
    if isinstance(detail, list | tuple):
        problems = []
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):  # one item of a list of objects or of lists
                path = f"{field}.{index}" if field is not None else str(index)
                problems += problems_from_detail(item, field=path, default_code=default_code)
            else:
                problems += problems_from_detail(item, field=field, default_code=default_code)
        return problems
    code = getattr(detail, "code", None) or default_code
    return [Problem(field, code if isinstance(code, str) else default_code, str(detail))]


def error_body(problems: Iterable[Problem]) -> dict:
    problems = list(problems)
    if len(problems) == 1:
        message = problems[0].message
    else:
        message = ngettext(
            "The request has %(count)d problem; each is listed in errors.",
            "The request has %(count)d problems; each is listed in errors.",
            len(problems),
        ) % {"count": len(problems)}
    return {
        "code": overall_code(problems),
        "message": message,
        "errors": [{"field": p.field, "code": p.code, "message": p.message} for p in problems],
    }


def domain_error_status(error: DomainError) -> int:
    return 409 if error.code in CONFLICT_CODES else 400


def error_json_response(problems: Iterable[Problem], *, status: int) -> JsonResponse:
    """The same shape outside DRF (middleware, Django's own error views)."""
    return JsonResponse(error_body(problems), status=status)
