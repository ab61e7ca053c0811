"""The API's single mapping of errors to HTTP answers (the shape: `resellerconsole.api_errors`)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .api_errors import domain_error_status, error_body, problems_from_detail
from .errors import DomainError, Problem
from .pagination import keyset_page


def exception_handler(exc, context):
    """Every refusal in one shape: domain errors (400/409) and DRF's exceptions with their status and headers."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.problems), status=domain_error_status(exc))
    # As DRF's handler does, so that we know the code of what it answers.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # not ours to shape: a 500
    problems = problems_from_detail(exc.detail, default_code=exc.default_code)
    response.data = error_body(problems or [Problem(None, exc.default_code, str(exc.default_detail))])
    return response


class KeysetPagination(BasePagination):
    """Pages by the sort key of the last row (`?after=` / `?before=` cursors): no COUNT, no OFFSET.

    The view names its ordering with `keyset_ordering(request)`; the ordering must end with a unique field.
    """

    page_size = 50

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page = keyset_page(
            queryset,
            ordering=view.keyset_ordering(request),
            size=self.page_size,
            after=request.query_params.get("after"),
            before=request.query_params.get("before"),
        )
        return self.page.object_list

    def _link(self, cursor_name: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(remove_query_param(self.request.build_absolute_uri(), "after"), "before")
        return replace_query_param(url, cursor_name, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link("after", self.page.next_cursor),
                "previous": self._link("before", self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": name, "required": False, "in": "query", "schema": {"type": "string"}, "description": description}
            for name, description in (
                ("after", "Cursor: the page after this one"),
                ("before", "Cursor: the page before this one"),
            )
        ]
