"""Cheap per-row values for list pages (issue 15): what a template would work out again for every row.

A list's template looked up the same label, reversed the same URL pattern and formatted dates through the
template engine once per row; at 25 rows that was most of a page's time. These helpers do the constant part
once per page and the per-row part in plain Python, giving the same text the template tags and filters give.
Nothing here outlives the request, so no language's or user's value is reused for another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format

#: Stands for the id while the URL is reversed once; only digits, so it survives reverse() unquoted.
_ID_MARK = 918273645


def id_url(name: str) -> Callable[[int], str]:
    """`{% url name id %}` for many ids with one reverse(): the text around the id is the same for each."""
    head, tail = reverse(name, args=[_ID_MARK]).split(str(_ID_MARK))
    return lambda pk: f"{head}{pk}{tail}"


def choice_labels(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    """The choices' labels in the active language, as get_FOO_display() gives them (one translation each)."""
    return {str(value): str(label) for value, label in choices}


def date_formatter(format_name: str) -> Callable[[datetime], str]:
    """`{{ value|date:format_name }}` (in the current time zone) with the format looked up once."""
    pattern = get_format(format_name)
    return lambda value: dateformat.format(timezone.localtime(value), pattern)
