from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(values) -> str:
    """(currency, amount) pairs in the active locale, e.g. "12 345,00 EUR"; several currencies joined by " + "."""
    return " + ".join(
        f"{number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)}\N{NO-BREAK SPACE}{currency}"
        for currency, amount in values
    )
