"""The error answers each API operation documents, in the shapes `resellerconsole.api.exception_handler` and DRF
give them, so the schema lists every status a client can meet."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .serializers import StrictInput


class ErrorDetailOutput(serializers.Serializer):
    detail = serializers.CharField()


class FieldErrorsOutput(serializers.Serializer):
    """Each refused field with its messages: `lines.0.quantity` for one line of a list, `non_field_errors` for
    the request as a whole, `detail` when the body could not be read at all."""

    code = serializers.CharField(required=False, help_text=_("The domain's reason, e.g. duplicate_company"))
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    detail = serializers.CharField(required=False)


_ERRORS = {
    400: OpenApiResponse(FieldErrorsOutput, description=_("Invalid input, or a change the domain's rules refuse")),
    401: OpenApiResponse(ErrorDetailOutput, description=_("No valid token or session")),
    403: OpenApiResponse(ErrorDetailOutput, description=_("Signed in, but not allowed to use this")),
    404: OpenApiResponse(ErrorDetailOutput, description=_("No such object among those you may see")),
    409: OpenApiResponse(FieldErrorsOutput, description=_("The current state forbids the change; code says why")),
    415: OpenApiResponse(ErrorDetailOutput, description=_("The body's media type is not accepted")),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The given error answers, plus those of authentication and permission (401, 403) that every operation has."""
    return {status: _ERRORS[status] for status in sorted({401, 403, *statuses})}


class StrictInputExtension(OpenApiSerializerExtension):
    """Input serializers that refuse undeclared fields say so in their schema."""

    target_class = StrictInput
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}
