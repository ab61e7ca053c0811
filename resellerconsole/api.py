"""The API's single mapping of domain errors to HTTP answers."""

from rest_framework import status
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .pagination import keyset_page


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {(field or "non_field_errors"): messages for field, messages in exc.errors.items()}
        body["code"] = exc.code
        code = status.HTTP_409_CONFLICT if exc.code in DomainError.CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    return drf_exception_handler(exc, context)


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
