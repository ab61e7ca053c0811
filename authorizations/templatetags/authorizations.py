from django import template

from authorizations import dates

register = template.Library()


@register.simple_tag
def days_between(today, deadline) -> int:
    return dates.days_left(deadline, today)


@register.filter
def abs_value(number: int) -> int:
    return abs(number)
