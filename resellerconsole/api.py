"""The API's single mapping of domain errors to HTTP answers."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {(field or "non_field_errors"): messages for field, messages in exc.errors.items()}
        body["code"] = exc.code
        code = status.HTTP_409_CONFLICT if exc.code in DomainError.CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    return drf_exception_handler(exc, context)
