"""Holdings and the assigned-users rule."""

from __future__ import annotations

from django.db.models import Count, F

from catalogue.models import Product
from customers.models import Customer
from licences.models import Assignment, Holding
from resellerconsole.errors import DomainError

from .base import ReleaseBlocker


def _change_holdings(customer: Customer, changes: dict[int, int]) -> None:
    """Add (or, with negative numbers, remove) deployed licences per product id."""
    for product_id, delta in changes.items():
        holding, _created = Holding.objects.get_or_create(customer=customer, product_id=product_id)
        Holding.objects.filter(pk=holding.pk).update(deployed=F("deployed") + delta)


def release_blockers(*, customer: Customer, releases: dict[int, int]) -> list[ReleaseBlocker]:
    """For each product released with quantity q, require assigned <= deployed - q (domain.md)."""
    if not releases:
        return []
    holdings = {h.product_id: h for h in Holding.objects.filter(customer=customer, product_id__in=releases)}
    assigned = dict(
        Assignment.objects.filter(customer=customer, product_id__in=releases, released_at__isnull=True)
        .values("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    )
    blocked = [pid for pid, q in releases.items() if assigned.get(pid, 0) > (holdings[pid].deployed - q)]
    if not blocked:
        return []
    holders: dict[int, list[str]] = {}
    for product_id, email in (
        Assignment.objects.filter(customer=customer, product_id__in=blocked, released_at__isnull=True)
        .order_by("email")
        .values_list("product_id", "email")
    ):
        holders.setdefault(product_id, []).append(email)
    products = Product.objects.in_bulk(blocked)
    return [
        ReleaseBlocker(
            product=products[pid],
            deployed=holdings[pid].deployed,
            assigned=assigned.get(pid, 0),
            releasing=releases[pid],
            holders=holders.get(pid, []),
        )
        for pid in blocked
    ]


def _refuse_if_blocked(customer: Customer, releases: dict[int, int], *, field_name: str | None = None) -> None:
    blockers = release_blockers(customer=customer, releases=releases)
    if blockers:
        raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field=field_name)
