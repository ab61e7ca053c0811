"""Reads of holdings and assignments."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from catalogue.models import Product
from customers.models import Customer

from .models import Assignment, Holding

#: Volume levels by licences held (domain.md): level 1 = 1–9, 2 = 10–49, 3 = 50–99, 4 = 100+.
VOLUME_LEVEL_FLOORS = ((100, 4), (50, 3), (10, 2), (1, 1))


def volume_level(licences: int) -> int | None:
    return next((level for floor, level in VOLUME_LEVEL_FLOORS if licences >= floor), None)


@dataclass(frozen=True)
class HoldingRow:
    product: Product
    deployed: int
    assigned: int
    holders: list[str]

    @property
    def volume_level(self) -> int | None:
        return volume_level(self.deployed)

    @property
    def free(self) -> int:
        return max(self.deployed - self.assigned, 0)


def holdings_for(*, customer: Customer) -> list[HoldingRow]:
    """Per product: deployed, assigned and who holds the licences (two queries)."""
    holdings = list(Holding.objects.filter(customer=customer).exclude(deployed=0).select_related("product"))
    holders: dict[int, list[str]] = {}
    for product_id, email in (
        Assignment.objects.active().filter(customer=customer).order_by("email").values_list("product_id", "email")
    ):
        holders.setdefault(product_id, []).append(email)
    rows = [
        HoldingRow(h.product, h.deployed, len(holders.get(h.product_id, [])), holders.get(h.product_id, []))
        for h in holdings
    ]
    # Licences still assigned to a product no longer deployed (after a return) stay visible.
    for product in Product.objects.filter(pk__in=set(holders) - {h.product_id for h in holdings}):
        rows.append(HoldingRow(product, 0, len(holders[product.pk]), holders[product.pk]))
    return sorted(rows, key=lambda row: row.product.name)


def active_assignments(*, customer: Customer) -> QuerySet[Assignment]:
    return Assignment.objects.active().filter(customer=customer).select_related("product")


def deployed_by_product(*, customer: Customer) -> dict[int, int]:
    """Product id → licences deployed to the customer (0 for a product no longer deployed)."""
    return dict(Holding.objects.filter(customer=customer).values_list("product_id", "deployed"))


def held_product_ids(*, customer: Customer) -> set[int]:
    """The products the customer holds licences of now."""
    return set(Holding.objects.filter(customer=customer, deployed__gt=0).values_list("product_id", flat=True))


def deployed_rows(*, customer_ids: list[int]) -> list[tuple[int, int, str, int]]:
    """(customer id, product id, product name, deployed) of what these customers hold, by product name."""
    return list(
        Holding.objects.filter(customer_id__in=customer_ids, deployed__gt=0)
        .order_by("product__name")
        .values_list("customer_id", "product_id", "product__name", "deployed")
    )
