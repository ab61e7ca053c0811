"""The one error type services raise; each layer maps it in one place.

Views put it on the form field it names, the API answers 400/409 with it, the admin shows a message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise


class Problem(NamedTuple):
    """One thing wrong with a request: where (a field path such as `lines.0.quantity`, or None), why, and what to
    tell the user."""

    field: str | None
    code: str
    message: str


def overall_code(problems: Iterable[Problem]) -> str:
    """The code of a refusal as a whole: the one its problems share, else "invalid"."""
    codes = {problem.code for problem in problems}
    return codes.pop() if len(codes) == 1 else "invalid"


class DomainError(Exception):
    """A refused change: one or more `problems`, each with its field (or None for the whole request).

    Which codes are conflicts (409) rather than refused input (400) is `resellerconsole.error_codes`' to say."""

    def __init__(self, message: str | Promise, *, code: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.problems: list[Problem] = [Problem(field, code, str(message))]

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> DomainError:
        """All the problems of one request together (e.g. every bad line), so the user can fix them at once."""
        problems = list(problems)
        if not problems:
            raise ValueError("A DomainError needs at least one problem.")
        instance = cls(problems[0].message, code=problems[0].code, field=problems[0].field)
        instance.problems = problems
        instance.args = (instance.message,)
        return instance

    @classmethod
    def from_validation_error(cls, error: ValidationError, *, code: str = "invalid") -> DomainError:
        """Django's validation errors as problems, all with `code`."""
        if hasattr(error, "error_dict"):
            named = [
                (None if name == NON_FIELD_ERRORS else name, each)
                for name, errors in error.error_dict.items()
                for each in ValidationError(errors).error_list
            ]
        else:
            named = [(None, each) for each in error.error_list]
        return cls.from_problems(Problem(name, code, message) for name, each in named for message in each.messages)

    @property
    def code(self) -> str:
        return overall_code(self.problems)

    @property
    def field(self) -> str | None:
        return self.problems[0].field

    @property
    def message(self) -> str:
        return " ".join(problem.message for problem in self.problems)

    @property
    def errors(self) -> dict[str | None, list[str]]:
        """Messages by field, in the order the problems were found."""
        errors: dict[str | None, list[str]] = {}
        for problem in self.problems:
            errors.setdefault(problem.field, []).append(problem.message)
        return errors

    def add_to_form(self, form) -> None:
        """Attach each message to its form field, or to the form when the field is not on it."""
        for name, messages in self.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
