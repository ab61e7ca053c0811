"""Numbers, amounts and month labels in the active language's format (resellerconsole/formats/<language>).

Templates load these as `{% load console_formats %}` (settings.TEMPLATES' libraries): `count` groups thousands
("10,000", "10 000"), `money` puts the currency where the language does ("EUR 1,234.50", "1 234,50 EUR"),
`month_label` and `month_year_label` are the charts' axis labels ("Dec", Swedish "dec").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django import template
from django.utils import dateformat
from django.utils.formats import iter_format_modules, number_format
from django.utils.translation import get_language

register = template.Library()
_NUMBER = re.compile(r"-?\d+(\.\d+)?")

#: The console's own format names and their value when a language's module has none (English's).
DEFAULTS = {
    "MONTH_LABEL_FORMAT": "M",
    "DAY_MONTH_LABEL_FORMAT": "j M",
    "MONTH_YEAR_LABEL_FORMAT": "M Y",
    "MONEY_FORMAT": "{currency}\N{NO-BREAK SPACE}{amount}",
}


def console_format(name: str) -> str:
    """One of the console's own formats (DEFAULTS' names) for the active language."""
    for module in iter_format_modules(get_language() or "en"):
        if hasattr(module, name):
            return getattr(module, name)
    return DEFAULTS[name]


@register.filter(name="count")
def grouped(value) -> str:
    """A whole number with its thousands grouped: "10,000" in English, "10 000" in Swedish."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        return value  # text is printed as it is, not cut into groups of three letters
    return number_format(value, decimal_pos=0 if isinstance(value, int) else None, force_grouping=True)


def money_text(amount: Decimal | int | float, currency: str) -> str:
    """An amount with two decimals and its currency, in the language's order."""
    amount_text = number_format(amount, decimal_pos=2, force_grouping=True)
    return console_format("MONEY_FORMAT").format(amount=amount_text, currency=currency)


@register.filter
def money(amount, currency: str = "") -> str:
    """`{{ line.amount|money:line.currency }}`; a list of (currency, amount) pairs is joined with " + "."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, Iterable) and not isinstance(amount, str):
        return " + ".join(money_text(value, code) for code, value in amount)
    return money_text(amount, currency)


@register.filter
def month_label(day: date) -> str:
    return dateformat.format(day, console_format("MONTH_LABEL_FORMAT")) if day else ""


@register.filter
def month_year_label(day: date) -> str:
    return dateformat.format(day, console_format("MONTH_YEAR_LABEL_FORMAT")) if day else ""
