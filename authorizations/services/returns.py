"""Returns: within the return window, whole order lines or part of one (as VIP Marketplace allows), never more
than a line still has (its remaining quantity: ordered minus returned so far), with the assigned-users rule per
quantity (licences' release rule)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from catalogue.models import Product
from resellerconsole.errors import DomainError, Problem

from .. import dates
from ..events import return_requested_record
from ..models import Order, OrderLine, ReturnAuthorization, ReturnLine
from .base import ReleaseBlocker, _lock_customer, fully_returned, today
from .holdings import _change_holdings, release_blockers


@dataclass(frozen=True)
class ReturnedLine:
    """What a return gives back of one order line (the history records its product and quantity)."""

    order_line: OrderLine
    quantity: int

    @property
    def product(self) -> Product:
        return self.order_line.product


def returned_quantities(order_lines: Iterable[OrderLine]) -> dict[int, int]:
    """Licences returned so far, by order line id (lines never returned are left out): one query."""
    rows = (
        ReturnLine.objects.filter(order_line__in=list(order_lines))
        .values("order_line_id")
        .annotate(returned=Sum("quantity"))
        .values_list("order_line_id", "returned")
    )
    return dict(rows)


def remaining_quantity(order_line: OrderLine, returned: Mapping[int, int]) -> int:
    """What of the line may still be returned: ordered minus returned so far (VIP Marketplace's
    remainingQuantity)."""
    return order_line.quantity - returned.get(order_line.pk, 0)


def _window_closed(order: Order) -> str:
    return ngettext(
        "Order %(number)s was placed on %(date)s; returns are possible for %(days)s day after the order date.",
        "Order %(number)s was placed on %(date)s; returns are possible for %(days)s days after the order date.",
        settings.RETURN_WINDOW_DAYS,
    ) % {"number": order.order_number, "date": date_format(order.order_date), "days": settings.RETURN_WINDOW_DAYS}


def _refuse_closed_window(order: Order, on: date) -> None:
    if not dates.return_window_open(order.order_date, on, settings.RETURN_WINDOW_DAYS):
        raise DomainError(_window_closed(order), code="return_window_closed")


def return_refusal(*, order: Order, on: date | None = None) -> str | None:
    """Why nothing of `order` can be returned now (its window has closed, every licence was returned), or None:
    the console offers "Request return authorization" only where this is None."""
    if not dates.return_window_open(order.order_date, on or today(), settings.RETURN_WINDOW_DAYS):
        return _window_closed(order)
    if fully_returned(order):
        return _("Every line of order %(number)s was returned.") % {"number": order.order_number}
    return None


def _is_quantity(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def returned_lines(
    *, order: Order, order_line_ids: Iterable[int] = (), quantities: Mapping[int, int] | None = None
) -> list[ReturnedLine]:
    """What a return request gives back: each of `order_line_ids` whole (what remains of it), each line of
    `quantities` (order line id → licences) in part. Refuses lines of other orders, lines with nothing left,
    and more than a line has left; every problem at once."""
    quantities = dict(quantities or {})
    whole = set(order_line_ids) - set(quantities)
    ids = whole | set(quantities)
    lines = [ln for ln in order.lines.select_related("product") if ln.pk in ids]
    if not ids or len(lines) != len(ids):
        raise DomainError(_("Choose order lines of this order."), code="unknown_line", field="lines")
    returned = returned_quantities(lines)
    chosen, problems = [], []
    for line in lines:
        remaining = remaining_quantity(line, returned)
        asked = remaining if line.pk in whole else quantities[line.pk]
        if remaining == 0:
            problems.append(
                Problem(
                    "lines",
                    "already_returned",
                    _("%(product)s was already returned.") % {"product": line.product.name},
                )
            )
        elif not _is_quantity(asked) or asked < 1:
            problems.append(
                Problem(
                    "lines",
                    "invalid_quantity",
                    _("Enter a whole number of licences from 1 to %(remaining)s for %(product)s.")
                    % {"remaining": remaining, "product": line.product.name},
                )
            )
        elif asked > remaining:
            problems.append(
                Problem(
                    "lines",
                    "return_exceeds_remaining",
                    ngettext(
                        "%(product)s (%(sku)s): %(asked)s licences asked back, %(remaining)s remains to return.",
                        "%(product)s (%(sku)s): %(asked)s licences asked back, %(remaining)s remain to return.",
                        remaining,
                    )
                    % {
                        "product": line.product.name,
                        "sku": line.product.sku_new,
                        "asked": asked,
                        "remaining": remaining,
                    },
                )
            )
        else:
            chosen.append(ReturnedLine(line, asked))
    if problems:
        raise DomainError.from_problems(problems)
    return chosen


def _checked(
    order: Order, order_line_ids: Iterable[int], quantities: Mapping[int, int] | None, on: date
) -> tuple[list[ReturnedLine], list[ReleaseBlocker]]:
    _refuse_closed_window(order, on)
    chosen = returned_lines(order=order, order_line_ids=order_line_ids, quantities=quantities)
    releases = {ln.order_line.product_id: ln.quantity for ln in chosen}
    return chosen, release_blockers(customer=order.customer, releases=releases)


def return_check(
    *,
    order: Order,
    order_line_ids: Iterable[int] = (),
    quantities: Mapping[int, int] | None = None,
    on: date | None = None,
) -> list[ReleaseBlocker]:
    """The dry run the confirmation page shows: raises for a closed window and refused lines (returned_lines),
    returns the users who hold the licences the return would take."""
    return _checked(order, order_line_ids, quantities, on or today())[1]


def return_request(
    *,
    order: Order,
    order_line_ids: Iterable[int] = (),
    quantities: Mapping[int, int] | None = None,
    actor: User,
) -> ReturnAuthorization:
    """Return order lines within the window, whole (`order_line_ids`) or in part (`quantities`: order line id →
    licences); the licences returned stop being deployed. Refused while users hold them (per quantity)."""
    with transaction.atomic():
        customer = _lock_customer(order.customer)
        order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        chosen, blockers = _checked(order, order_line_ids, quantities, today())
        if blockers:
            raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field="lines")
        authorization = ReturnAuthorization.objects.create(order=order, created_by=actor)
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(return_authorization=authorization, order_line=ln.order_line, quantity=ln.quantity)
                for ln in chosen
            ]
        )
        _change_holdings(customer, {ln.order_line.product_id: -ln.quantity for ln in chosen})
        return_requested_record(customer=customer, actor=actor, order=order, authorization=authorization, lines=chosen)
    return authorization
