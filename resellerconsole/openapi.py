"""The error answers each API operation documents, in the one shape `resellerconsole.api.exception_handler` gives
them, so the schema lists every status and every code a client can meet."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from .error_codes import ERROR_CODES
from .serializers import StrictInput


class ErrorCodeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        # Each code's label is its HTTP status, which the schema lists with the code.
        super().__init__(choices=[(code, f"HTTP {ERROR_CODES[code]}") for code in sorted(ERROR_CODES)], **kwargs)


class ProblemOutput(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True,
        help_text=_("The refused field as a dotted path, e.g. lines.0.quantity; null for the request as a whole"),
    )
    code = ErrorCodeField(help_text=_("Why, for programs"))
    message = serializers.CharField(help_text=_("Why, for people, in the request's language"))


class ErrorOutput(serializers.Serializer):
    """Every refusal (4xx) of the API."""

    code = ErrorCodeField(help_text=_("The problems' shared code, or invalid when they differ"))
    message = serializers.CharField(help_text=_("A summary for people"))
    errors = ProblemOutput(many=True, help_text=_("Every problem of the request, in order"))


_ERRORS = {
    400: OpenApiResponse(ErrorOutput, description=_("Invalid input, or a change the domain's rules refuse")),
    401: OpenApiResponse(ErrorOutput, description=_("No valid token or session")),
    403: OpenApiResponse(ErrorOutput, description=_("Signed in, but not allowed to use this")),
    404: OpenApiResponse(ErrorOutput, description=_("No such object among those you may see")),
    405: OpenApiResponse(ErrorOutput, description=_("This method is not allowed here")),
    409: OpenApiResponse(ErrorOutput, description=_("The current state forbids the change; code says why")),
    415: OpenApiResponse(ErrorOutput, description=_("The body's media type is not accepted")),
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


class StatesRule:
    """A serializer field whose schema states the domain's rule (`rule_schema()`, read when the schema is built,
    so settings apply), while the service that owns the rule checks it and answers with its own code."""

    def rule_schema(self) -> dict:
        raise NotImplementedError


class StatesRuleExtension(OpenApiSerializerFieldExtension):
    target_class = StatesRule
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, **self.target.rule_schema()}
