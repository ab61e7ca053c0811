"""Keyset pagination: pages by the sort key of the last row shown, so no page costs a COUNT or an OFFSET.

A cursor is signed with the list's model and ordering, so an edited or forged cursor, or one taken from
another sort order, is refused (`invalid_cursor`) instead of reaching the database with values that do not
fit the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import or_

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .errors import DomainError

SALT = "resellerconsole.pagination.cursor"
MAX_CURSOR_LENGTH = 2000
#: The range of a 64-bit integer column; a larger number would overflow in the database.
INTEGER_RANGE = (-(2**63), 2**63 - 1)
INVALID_CURSOR = _("This cursor was changed or belongs to another sort order. Use the next or previous link of a page.")


@dataclass(frozen=True)
class KeysetPage:
    object_list: list
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _scope(model, ordering: tuple[str, ...]) -> list[str]:
    return [model._meta.label_lower, *ordering]


def _encode(model, ordering: tuple[str, ...], values: list) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return signing.Signer(salt=SALT).sign_object([_scope(model, ordering), plain], compress=True)


def _field(model, name: str) -> models.Field:
    name = name.lstrip("-")
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _typed(field: models.Field, value):
    """The cursor's value as the column's Python type; ValueError when it does not fit the column."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(value)
    try:
        typed = field.to_python(value)
    except ValidationError as error:
        raise ValueError(value) from error
    if isinstance(typed, int) and not INTEGER_RANGE[0] <= typed <= INTEGER_RANGE[1]:
        raise ValueError(value)
    max_length = getattr(field, "max_length", None)
    if isinstance(typed, str) and max_length and len(typed) > max_length:
        raise ValueError(value)
    return typed


def decode_cursor(cursor: str, *, model, ordering: tuple[str, ...], parameter: str) -> list:
    """The sort-key values of a cursor this list gave out, typed for the columns; otherwise a DomainError
    (code `invalid_cursor`) naming the query parameter."""
    refused = DomainError(INVALID_CURSOR, code="invalid_cursor", field=parameter)
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise refused
    try:
        scope, values = signing.Signer(salt=SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise refused from None
    if scope != _scope(model, ordering) or not isinstance(values, list) or len(values) != len(ordering):
        raise refused
    try:
        return [_typed(_field(model, name), value) for name, value in zip(ordering, values, strict=True)]
    except (ValueError, FieldDoesNotExist):
        raise refused from None


def _key(row, ordering: tuple[str, ...]) -> list:
    if isinstance(row, dict):  # a values() row: the ordering's fields must be among its keys
        return [row[name.lstrip("-")] for name in ordering]
    return [getattr(row, name.lstrip("-")) for name in ordering]


def _beyond(ordering: tuple[str, ...], values: list, *, forward: bool) -> Q:
    """Rows after `values` in `ordering` (or before them when not `forward`): a lexicographic comparison."""
    conditions = []
    for index, name in enumerate(ordering):
        field = name.lstrip("-")
        ascending = not name.startswith("-")
        lookup = "gt" if ascending == forward else "lt"
        equal = {f"{n.lstrip('-')}": v for n, v in zip(ordering[:index], values[:index], strict=True)}
        conditions.append(Q(**equal, **{f"{field}__{lookup}": values[index]}))
    beyond = reduce(or_, conditions)
    if values[0] is None:
        return beyond
    # The same rows, with the first column's bound on its own: the OR above is no index condition, so without it
    # the index is walked from its start to the cursor (a "previous" link at 1 M customers: 30–800 ms).
    first = ordering[0]
    lookup = "gte" if first.startswith("-") != forward else "lte"
    return Q(**{f"{first.lstrip('-')}__{lookup}": values[0]}) & beyond


def keyset_page(
    queryset, *, ordering: tuple[str, ...], size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of `queryset` in `ordering` (which must end with a unique field, such as pk).

    An empty cursor means the first page; a cursor this list did not give out raises DomainError
    (`invalid_cursor`, field `after` or `before`): the API answers 400, the console shows the first page.
    """
    model = queryset.model

    def encode(row) -> str:
        return _encode(model, ordering, _key(row, ordering))

    after_values = decode_cursor(after, model=model, ordering=ordering, parameter="after") if after else None
    before_values = decode_cursor(before, model=model, ordering=ordering, parameter="before") if before else None
    if before_values is not None:
        reversed_ordering = tuple(n[1:] if n.startswith("-") else f"-{n}" for n in ordering)
        rows = list(
            queryset.filter(_beyond(ordering, before_values, forward=False)).order_by(*reversed_ordering)[: size + 1]
        )
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return KeysetPage(
            rows,
            next_cursor=encode(rows[-1]) if rows else None,
            previous_cursor=encode(rows[0]) if rows and more_before else None,
        )
    if after_values is not None:
        queryset = queryset.filter(_beyond(ordering, after_values, forward=True))
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        next_cursor=encode(rows[-1]) if rows and more_after else None,
        previous_cursor=encode(rows[0]) if rows and after_values is not None else None,
    )
