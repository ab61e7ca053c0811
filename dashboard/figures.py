"""The dashboard's counts and totals from the figures PostgreSQL keeps (dashboard/models.py): a few small sums,
whatever the number of customers. Each function answers what its direct query in dashboard/selectors.py answers;
tests/test_issue15_dashboard.py compares the two after every kind of change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from accounts.models import User
from authorizations.selectors import DUE_SOON_DAYS
from renewals.dates import anniversaries_in

from .models import CustomerFigure, Measure, Tally


@dataclass(frozen=True)
class Scope:
    """Whose figures: one reseller's customers, or (None) every reseller's."""

    reseller_id: int | None


def scope_of(user: User, reseller_id: int | None) -> Scope | None:
    """The figures' scope for what `user` may see, or None where the dashboard counts directly (another database
    than PostgreSQL, or a user who sees no customers)."""
    if connection.vendor != "postgresql" or not (user.is_authenticated and user.is_active):
        return None
    if user.is_internal_sales:
        return Scope(reseller_id or None)
    if user.is_reseller_staff:
        return Scope(user.reseller_id)
    return None


def _tallies(scope: Scope, measure: str):
    tallies = Tally.objects.filter(measure=measure)
    return tallies.filter(reseller_id=scope.reseller_id) if scope.reseller_id else tallies


def _total(value) -> int:
    return int(value or 0)


def dashboard_counts(scope: Scope, on: date, states: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Pending PAs and their customers, all and due soon (the customer list's filters), and the customers in the
    renewal overview per window state on `on`: two queries (the tallies of both in one)."""
    soon = Q(day__gte=on, day__lte=on + timedelta(days=DUE_SOON_DAYS))
    overview = Q(measure=Measure.IN_OVERVIEW)
    counts = (
        Tally.objects.filter(measure__in=[Measure.PENDING_PAS, Measure.PENDING_CUSTOMERS, Measure.IN_OVERVIEW])
        .filter(**({"reseller_id": scope.reseller_id} if scope.reseller_id else {}))
        .aggregate(
            pending=Sum("n", filter=Q(measure=Measure.PENDING_PAS)),
            pending_customers=Sum("n", filter=Q(measure=Measure.PENDING_CUSTOMERS)),
            due_soon=Sum("n", filter=Q(measure=Measure.PENDING_PAS) & soon),
            **{f"window_{state}": Sum("n", filter=overview & _window(state, on)) for state in states},
        )
    )
    figures = CustomerFigure.objects.filter(soon, measure=Measure.PENDING_PAS)
    if scope.reseller_id:
        figures = figures.filter(reseller_id=scope.reseller_id)
    due_soon_customers = figures.aggregate(n=Count("customer_id", distinct=True))["n"]
    by_pa = {
        "pending": _total(counts["pending"]),
        "pending_customers": _total(counts["pending_customers"]),
        "due_soon": _total(counts["due_soon"]),
        "due_soon_customers": _total(due_soon_customers),
    }
    return by_pa, {state: _total(counts[f"window_{state}"]) for state in states}


def _window(state: str, on: date) -> Q:
    first, last = anniversaries_in(state, on)
    condition = Q()
    if first is not None:
        condition &= Q(day__gte=first)
    if last is not None:
        condition &= Q(day__lte=last)
    return condition


def anniversary_totals(
    scope: Scope, *, first: date, before: date, statuses
) -> tuple[dict[date, int], dict[tuple[date, str], Decimal]]:
    """Licences per anniversary month, and renewal value per (month, currency), of customers in `statuses` (one
    query): what the overview plans for the customers in it, what the others hold."""
    licences: dict[date, int] = {}
    values: dict[tuple[date, str], Decimal] = {}
    for month, currency, n, value in (
        _tallies(scope, Measure.ANNIVERSARIES)
        .filter(status__in=statuses, day__gte=first, day__lt=before)
        .values("day", "currency")
        .annotate(n=Sum("n"), value=Sum("value"), rows=Sum("rows"))
        .filter(rows__gt=0)
        .values_list("day", "currency", "n", "value")
    ):
        licences[month] = licences.get(month, 0) + int(n)
        values[(month, currency)] = values.get((month, currency), Decimal("0.00")) + value
    return licences, values


def deadlines_per_day(scope: Scope, *, first: date, before: date) -> dict[date, int]:
    """Pending PAs per order deadline from `first` to the day before `before` (one query)."""
    return {
        day: int(n)
        for day, n in _tallies(scope, Measure.PENDING_PAS)
        .filter(day__gte=first, day__lt=before)
        .values("day")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .values_list("day", "n")
    }


def overview_customers(scope: Scope, state: str, on: date, *, limit: int):
    """The first `limit` customers in the renewal overview in window `state`, by anniversary then key: a subquery
    on the figures' index instead of a walk over every customer."""
    figures = CustomerFigure.objects.filter(_window(state, on), measure=Measure.IN_OVERVIEW)
    if scope.reseller_id:
        figures = figures.filter(reseller_id=scope.reseller_id)
    return figures.order_by("day", "customer_id").values("customer_id")[:limit]
