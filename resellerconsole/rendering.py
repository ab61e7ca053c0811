"""Cheap per-row values for list pages (issue 15): what a template would work out again for every row.

A list's template looked up the same label, reversed the same URL pattern and formatted dates through the
template engine once per row; at 25 rows that was most of a page's time. These helpers do the constant part
once per page and the per-row part in plain Python, giving the same text the template tags and filters give.
Nothing here outlives the request, so no language's or user's value is reused for another.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from django.template import Context
from django.template.base import render_value_in_context
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

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


#: Stands for a row value in a stamp's text; no rendered template holds it otherwise.
_MARK = "\x00"


class RowStamp:
    """A list row's HTML rendered once per page, then filled in for each row.

    The row template is rendered with a mark in place of each row value; a row is that text with its values put
    in at the marks, each as `{{ }}` prints it (escaped, localized). So the row template may use the page's
    context and tags ({% translate %}, an {% if %} on a page-wide value) but must print each row value plainly,
    `{{ row.name }}`, with no filter or condition on it. The template's trailing newline is left out.
    """

    def __init__(self, template_name: str, fields: Iterable[str], context: Mapping[str, object] | None = None):
        marks = {name: mark_safe(f"{_MARK}{name}{_MARK}") for name in fields}  # noqa: S308  # our constant text
        text = render_to_string(template_name, {**(context or {}), "row": marks})
        self._parts = text.removesuffix("\n").split(_MARK)  # the odd items name the values
        self._context = Context(autoescape=True)

    def __call__(self, row: Mapping[str, object]) -> SafeString:
        parts = self._parts[:]
        for index in range(1, len(parts), 2):
            value = row[parts[index]]
            # Text only needs escaping (django.utils.html.escape is html.escape); anything else goes the template's way.
            parts[index] = html.escape(value) if type(value) is str else render_value_in_context(value, self._context)
        return mark_safe("".join(parts))  # noqa: S308  # the rendered template and escaped values
