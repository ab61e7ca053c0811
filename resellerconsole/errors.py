"""The one error type services raise; each layer maps it in one place.

Views put it on the form field it names, the API answers 400/409 with it, the admin shows a message.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DomainError(Exception):
    """A refused change: `errors` maps a field name (or None for the whole request) to messages."""

    #: Codes that mean "the request is fine but the current state forbids it" (HTTP 409).
    CONFLICT_CODES = frozenset(
        {"invalid_transition", "locked", "already_invited", "already_ordered", "order_number_conflict", "withdrawn"}
    )

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.errors: dict[str | None, list[str]] = {field: [str(message)]}

    @property
    def field(self) -> str | None:
        return next(iter(self.errors))

    @property
    def message(self) -> str:
        return next(iter(self.errors.values()))[0]

    @classmethod
    def from_validation_error(cls, error: ValidationError, *, code: str = "invalid") -> DomainError:
        instance = cls("invalid", code=code)
        if hasattr(error, "error_dict"):
            instance.errors = {
                (None if name == NON_FIELD_ERRORS else name): [str(m) for m in ValidationError(errors).messages]
                for name, errors in error.error_dict.items()
            }
        else:
            instance.errors = {None: [str(m) for m in error.messages]}
        return instance

    def add_to_form(self, form) -> None:
        """Attach each message to its form field, or to the form when the field is not on it."""
        for name, messages in self.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
