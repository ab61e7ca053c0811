"""Shared by the sections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from customers.models import Customer
from customers.transitions import customer_lock

PO_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9\-_/.]*$")
PO_NUMBER_MAX_LENGTH = 35


@dataclass(frozen=True)
class LineRequest:
    product: Product | None
    quantity: int | None


@dataclass(frozen=True)
class ReleaseBlocker:
    """A product whose licences cannot be released because users hold them."""

    product: Product
    deployed: int
    assigned: int
    releasing: int
    holders: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return _(
            "%(product)s: %(releasing)s of %(deployed)s licences would be released, but %(assigned)s are "
            "assigned to users (%(holders)s). Release their licences first."
        ) % {
            "product": self.product.name,
            "releasing": self.releasing,
            "deployed": self.deployed,
            "assigned": self.assigned,
            "holders": ", ".join(self.holders),
        }


def today() -> date:
    return timezone.localdate()


def _lock_customer(customer: Customer) -> Customer:
    return customer_lock(customer, related=("reseller",))
