"""`POST /v3/customers/{customerId}/orders`: one URL for every order type, each handled by its own module.

vipmp/orders.py's OrdersView reads `orderType`; the renewal's types (`@order_type("RENEWAL")` in
vipmp/renewal_orders.py) are handed to the handler registered here: it gets the view, the user the client acts
as at the customer's reseller, the customer and the request body, and answers Adobe's order resource (NEW,
PREVIEW and RETURN are orders.py's own ORDER_TYPES). Also here what the renewal's types share: their order
number, and how our refusals are named in Adobe's fields.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping

from rest_framework.response import Response

from accounts.models import User
from customers.models import Customer
from resellerconsole.errors import DomainError, Problem

from . import errors
from .views import VipmpView

Handler = Callable[[VipmpView, User, Customer, dict], Response]

#: orderType → its handler, filled by the modules that import `order_type` (loaded by vipmp/urls.py).
ORDER_TYPES: dict[str, Handler] = {}


def order_type(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of orders of type `name`."""

    def register(handler: Handler) -> Handler:
        if name in ORDER_TYPES:
            raise ValueError(f"The order type {name!r} has two handlers")
        ORDER_TYPES[name] = handler
        return handler

    return register


# ---------------------------------------------------------------------------
# What the order types share
# ---------------------------------------------------------------------------
def new_order_number() -> str:
    """An order number for an order /v3 places (Adobe creates the orderId; so do we): ten digits, as Adobe's.
    The order intake refuses one that is taken (order_number_conflict); `retry_on_taken` draws another."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}"


def retry_on_taken(place: Callable[[str], object], *, attempts: int = 3):
    """`place(order_number)` with a new number until one is free (a drawn number is taken once in a billion)."""
    for attempt in range(attempts):
        try:
            return place(new_order_number())
        except DomainError as error:
            if error.code != "order_number_conflict" or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def refusal(error: DomainError, *, fields: Mapping[str, str], codes: Mapping[str, str]) -> errors.VipmpError:
    """Our refusal in Adobe's shape: each problem's field named as the request names it (`fields`: our leading
    path → Adobe's, e.g. "lines" → "lineItems"), with the Adobe code of its DomainError code (`codes`; 1117
    otherwise)."""
    return errors.from_problems(_renamed(error.problems, fields), codes={**errors.DOMAIN_CODES, **codes})


def _renamed(problems: Iterable[Problem], fields: Mapping[str, str]) -> list[Problem]:
    renamed = []
    for problem in problems:
        field = problem.field
        if field is not None:
            parts = field.split(".")
            # "lines.0.sku" → "lineItems.0.offerId": the head, and the last part when it is named too.
            parts[0] = fields.get(parts[0], parts[0])
            if len(parts) > 1:
                parts[-1] = fields.get(parts[-1], parts[-1])
            field = ".".join(parts)
        renamed.append(Problem(field, problem.code, problem.message))
    return renamed
