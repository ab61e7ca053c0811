"""Holdings and the assigned-users rule: licences owns them (licences.services), the sections ask it here."""

from __future__ import annotations

from customers.models import Customer
from licences import services as licences
from licences.services import ReleaseBlocker


def _change_holdings(customer: Customer, changes: dict[int, int]) -> None:
    """Add (or, with negative numbers, remove) deployed licences per product id: a fixed two queries."""
    licences.holdings_change(customer=customer, changes=changes)


def release_blockers(*, customer: Customer, releases: dict[int, int]) -> list[ReleaseBlocker]:
    """The release rule (licences): the products whose licences users still hold, for the confirmation pages."""
    return licences.release_blockers(customer=customer, releases=releases)


def _refuse_if_blocked(customer: Customer, releases: dict[int, int], *, field_name: str | None = None) -> None:
    """The release rule (licences): refused while users hold the licences these releases would take."""
    licences.refuse_if_blocked(customer=customer, releases=releases, field_name=field_name)
