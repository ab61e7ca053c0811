from django import template

from resellerconsole.l10n import money_text

register = template.Library()


@register.filter
def money(values) -> str:
    """(currency, amount) pairs in the language's format ("EUR 12,345.00", "12 345,00 EUR"), joined by " + "."""
    return " + ".join(money_text(amount, currency) for currency, amount in values)
