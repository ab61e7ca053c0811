"""The dashboard's counts and totals from the figures PostgreSQL keeps (dashboard/models.py): a few small sums,
whatever the number of customers. Each function answers what its direct query in dashboard/selectors.py answers;
tests/test_issue15_dashboard.py compares the two after every kind of change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from accounts.models import User
from authorizations.selectors import DUE_SOON_DAYS
from notifications.models import OutboundEmail
from renewals.dates import WindowState, anniversaries_in

from .models import CustomerFigure, Measure


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


#: The dashboard's reads from the figures, in one statement: the counts (one pass over the scope's tallies, a row
#: each), the anniversary months (a row per month and currency) and the order deadlines (a row per day).
#: `{reseller}` picks the scope's rows (over all resellers summed first: a tenth as many). A direct count rides
#: along (the outbox's failed e-mails): a round trip and a query's compilation fewer.
READ = """
WITH t AS MATERIALIZED (
    SELECT measure, status, day, currency, sum(n) AS n, sum(value) AS value, sum(rows) AS rows FROM dashboard_tally
    WHERE measure IN ('pa', 'pa_customer', 'overview', 'month', 'delayed', 'pa_first') {reseller}
    GROUP BY measure, status, day, currency
), counts AS (
    SELECT {counts},
        (SELECT count(*) FROM notifications_outboundemail e {emails} WHERE e.state = %(failed)s) AS failed_emails
    FROM t
)
SELECT v.kind, NULL::date, '', v.n, NULL::numeric FROM counts CROSS JOIN LATERAL (VALUES {names}) AS v(kind, n)
UNION ALL
SELECT 'month', day, currency, sum(n), sum(value) FROM t
WHERE measure = 'month' AND status = ANY(%(statuses)s) AND day >= %(first)s AND day < %(before)s
GROUP BY day, currency HAVING sum(rows) > 0
UNION ALL
SELECT 'deadline', day, '', sum(n), NULL FROM t WHERE measure = 'pa' AND day >= %(on)s AND day < %(until)s
GROUP BY day HAVING sum(n) > 0
"""
#: The counts summed from the tallies (the overview's per window state are added by `read`).
TALLIED = {
    "pending": "measure = 'pa'",
    "pending_customers": "measure = 'pa_customer'",
    "due_soon": "measure = 'pa' AND day >= %(on)s AND day <= %(soon)s",
    "delayed": "measure = 'delayed'",
    # A customer's deadline within the 7 days whose previous one is before `on`: each such customer once (the
    # CASE casts the gap of these rows only).
    "due_soon_customers": "measure = 'pa_first' AND day >= %(on)s AND day <= %(soon)s"
    " AND CASE WHEN measure = 'pa_first' THEN currency::int END > day - %(on)s",
}


@dataclass(frozen=True)
class Kept:
    """What `read` returns: the counts by name (`window_<state>` for the overview's), licences per anniversary
    month, renewal value per (month, currency), pending PAs per order deadline."""

    counts: dict[str, int]
    licences: dict[date, int]
    values: dict[tuple[date, str], Decimal]
    deadlines: dict[date, int]


def read(scope: Scope, *, on: date, states: Sequence[str], first: date, before: date, statuses, until: date) -> Kept:
    """Pending PAs and their customers, all and due soon (the customer list's filters), Delayed customers, failed
    e-mails, the customers in the renewal overview per window state on `on`; licences and renewal value per
    anniversary month from `first` to before `before` of customers in `statuses` (what the overview plans for
    the customers in it, what the others hold); pending PAs per order deadline from `on` to before `until`.
    One query."""
    params: dict = {
        "on": on,
        "soon": on + timedelta(days=DUE_SOON_DAYS),
        "failed": OutboundEmail.State.FAILED,
        "statuses": list(statuses),
        "first": first,
        "before": before,
        "until": until,
        "reseller": scope.reseller_id,
    }
    tallied = dict(TALLIED)
    for state in map(WindowState, states):
        low, high = anniversaries_in(state, on)
        params[f"{state.value}_low"], params[f"{state.value}_high"] = low, high
        tallied[f"window_{state.value}"] = (
            "measure = 'overview'"
            + (f" AND day >= %({state.value}_low)s" if low else "")
            + (f" AND day <= %({state.value}_high)s" if high else "")
        )
    reseller = "AND reseller_id = %(reseller)s" if scope.reseller_id else ""
    sql = READ.format(  # names and placeholders only
        reseller=reseller,
        emails="JOIN customers_customer c ON c.id = e.customer_id AND c.reseller_id = %(reseller)s" if reseller else "",
        counts=", ".join(f"sum(n) FILTER (WHERE {condition}) AS {name}" for name, condition in tallied.items()),
        names=", ".join(f"('{name}', {name})" for name in [*tallied, "failed_emails"]),
    )
    counts: dict[str, int] = {}
    licences: dict[date, int] = {}
    values: dict[tuple[date, str], Decimal] = {}
    deadlines: dict[date, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, day, currency, n, value in cursor.fetchall():
            if kind == "month":
                licences[day] = licences.get(day, 0) + int(n)
                values[(day, currency)] = values.get((day, currency), Decimal("0.00")) + value
            elif kind == "deadline":
                deadlines[day] = int(n)
            else:
                counts[kind] = int(n or 0)
    return Kept(counts, licences, values, deadlines)


def _window(state: str, on: date) -> Q:
    first, last = anniversaries_in(state, on)
    condition = Q()
    if first is not None:
        condition &= Q(day__gte=first)
    if last is not None:
        condition &= Q(day__lte=last)
    return condition


def overview_customers(scope: Scope, state: str, on: date, *, limit: int):
    """The first `limit` customers in the renewal overview in window `state`, by anniversary then key: a subquery
    on the figures' index instead of a walk over every customer."""
    figures = CustomerFigure.objects.filter(_window(state, on), measure=Measure.IN_OVERVIEW)
    if scope.reseller_id:
        figures = figures.filter(reseller_id=scope.reseller_id)
    return figures.order_by("day", "customer_id").values("customer_id")[:limit]
