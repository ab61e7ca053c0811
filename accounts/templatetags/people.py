from django import template

from resellerconsole.audit import channel_text

register = template.Library()


@register.filter
def person(user) -> str:
    """A user's full name, else username; "—" when nobody (the user may have been deleted)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def channel(recorded) -> str:
    """Where a recorded change came from (an event, or a `resellerconsole.audit.Channel`); "—" when none was
    recorded."""
    if recorded is None or not getattr(recorded, "source", ""):
        return "—"
    return channel_text(recorded.source, getattr(recorded, "source_detail", getattr(recorded, "detail", "")))
