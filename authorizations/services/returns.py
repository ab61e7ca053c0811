"""Returns."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from resellerconsole.errors import DomainError

from .. import dates
from ..events import return_requested_record
from ..models import (
    Order,
    ReturnAuthorization,
    ReturnLine,
)
from .base import ReleaseBlocker, _lock_customer, fully_returned, today
from .holdings import _change_holdings, release_blockers


def return_refusal(*, order: Order, on: date | None = None) -> str | None:
    """Why nothing of `order` can be returned now (its window has closed, every line was returned), or None:
    the console offers "Request return authorization" only where this is None."""
    on = on or today()
    if not dates.return_window_open(order.order_date, on, settings.RETURN_WINDOW_DAYS):
        return ngettext(
            "Order %(number)s was placed on %(date)s; returns are possible for %(days)s day after the order date.",
            "Order %(number)s was placed on %(date)s; returns are possible for %(days)s days after the order date.",
            settings.RETURN_WINDOW_DAYS,
        ) % {
            "number": order.order_number,
            "date": date_format(order.order_date),
            "days": settings.RETURN_WINDOW_DAYS,
        }
    if fully_returned(order):
        return _("Every line of order %(number)s was returned.") % {"number": order.order_number}
    return None


def return_check(*, order: Order, order_line_ids: Iterable[int], on: date | None = None) -> list[ReleaseBlocker]:
    """The dry run the confirmation page shows: raises for a closed window, returns user blockers."""
    on = on or today()
    if not dates.return_window_open(order.order_date, on, settings.RETURN_WINDOW_DAYS):
        raise DomainError(return_refusal(order=order, on=on), code="return_window_closed")
    ids = set(order_line_ids)
    lines = [ln for ln in order.lines.all() if ln.pk in ids]
    if not ids or len(lines) != len(ids):
        raise DomainError(_("Choose order lines of this order."), code="unknown_line", field="lines")
    if ReturnLine.objects.filter(order_line__in=lines).exists():
        raise DomainError(_("Some of these lines were already returned."), code="already_returned", field="lines")
    return release_blockers(customer=order.customer, releases={ln.product_id: ln.quantity for ln in lines})


def return_request(*, order: Order, order_line_ids: Iterable[int], actor: User) -> ReturnAuthorization:
    """Return whole order lines within the window; their licences stop being deployed."""
    ids = set(order_line_ids)
    with transaction.atomic():
        customer = _lock_customer(order.customer)
        order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        blockers = return_check(order=order, order_line_ids=ids)
        if blockers:
            raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field="lines")
        lines = list(order.lines.filter(pk__in=ids).select_related("product"))
        authorization = ReturnAuthorization.objects.create(order=order, created_by=actor)
        ReturnLine.objects.bulk_create([ReturnLine(return_authorization=authorization, order_line=ln) for ln in lines])
        _change_holdings(customer, {ln.product_id: -ln.quantity for ln in lines})
        return_requested_record(customer=customer, actor=actor, order=order, lines=lines)
    return authorization
