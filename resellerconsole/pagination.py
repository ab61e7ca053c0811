"""Keyset pagination: pages by the sort key of the last row shown, so no page costs a COUNT or an OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import or_

from django.db.models import Q


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


def _encode(values: list) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str | None, length: int) -> list | None:
    if not cursor or len(cursor) > 2000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != length:
        return None
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        return None
    return values


def _key(row, ordering: tuple[str, ...]) -> list:
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
    return reduce(or_, conditions)


def keyset_page(
    queryset, *, ordering: tuple[str, ...], size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of `queryset` in `ordering` (which must end with a unique field, such as pk)."""
    after_values, before_values = _decode(after, len(ordering)), _decode(before, len(ordering))
    if before_values is not None:
        reversed_ordering = tuple(n[1:] if n.startswith("-") else f"-{n}" for n in ordering)
        rows = list(
            queryset.filter(_beyond(ordering, before_values, forward=False)).order_by(*reversed_ordering)[: size + 1]
        )
        more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return KeysetPage(
            rows,
            next_cursor=_encode(_key(rows[-1], ordering)) if rows else None,
            previous_cursor=_encode(_key(rows[0], ordering)) if rows and more_before else None,
        )
    if after_values is not None:
        queryset = queryset.filter(_beyond(ordering, after_values, forward=True))
    rows = list(queryset.order_by(*ordering)[: size + 1])
    more_after = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows,
        next_cursor=_encode(_key(rows[-1], ordering)) if rows and more_after else None,
        previous_cursor=_encode(_key(rows[0], ordering)) if rows and after_values is not None else None,
    )
