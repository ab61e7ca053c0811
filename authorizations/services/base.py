"""Shared by the sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from customers.models import Customer
from licences.services import ReleaseBlocker  # noqa: F401 - the sections name it from here; licences owns it
from resellerconsole.errors import DomainError

from ..models import (
    PURCHASE_AUTHORIZATION_TRANSITIONS,
    PurchaseAuthorization,
)

PO_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9\-_/.]*$")
PO_NUMBER_MAX_LENGTH = 35


@dataclass(frozen=True)
class LineRequest:
    product: Product | None
    quantity: int | None


def today() -> date:
    return timezone.localdate()


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().select_related("reseller").get(pk=customer.pk)


def _transition(pa: PurchaseAuthorization, status: str) -> None:
    if status not in PURCHASE_AUTHORIZATION_TRANSITIONS[pa.status]:
        raise DomainError(
            _("Purchase authorization %(reference)s is %(status)s and cannot change any more.")
            % {"reference": pa.reference, "status": pa.get_status_display().lower()},
            code="invalid_transition",
        )
    pa.status = status
