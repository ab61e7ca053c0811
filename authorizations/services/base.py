"""Shared by the sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from catalogue.models import Product
from customers.models import Customer
from customers.transitions import customer_lock
from licences.services import ReleaseBlocker  # noqa: F401 - the sections name it from here; licences owns it

PO_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9\-_/.]*$")
PO_NUMBER_MAX_LENGTH = 35


@dataclass(frozen=True)
class LineRequest:
    product: Product | None
    quantity: int | None


def fully_returned(order) -> bool:
    """Every licence of the order was returned, in one return or several (reads the lines' return_lines, which
    the history prefetches)."""
    lines = list(order.lines.all())
    return bool(lines) and all(sum(r.quantity for r in line.return_lines.all()) >= line.quantity for line in lines)


def today() -> date:
    return timezone.localdate()


def _lock_customer(customer: Customer) -> Customer:
    return customer_lock(customer, related=("reseller",))
