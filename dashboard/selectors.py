"""Reads for the dashboard: the counts, the two charts and the most urgent actions.

Every function works set-wise, so the dashboard costs the same number of queries for 3 customers or 300,000.
The counts use the definitions of the lists they link to (the pending and due-soon conditions of the customer
list's request filters, the renewal overview's own selector), so a count and its list agree; the tests check
that each link lists exactly the customers counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django.db.models import Count, DecimalField, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from authorizations.models import PurchaseAuthorization, PurchaseAuthorizationStatus
from authorizations.selectors import pending_due_soon
from authorizations.services import overdue_pending
from customers.models import Customer, CustomerStatus
from customers.selectors import customers_visible_to
from licences.models import Holding
from notifications.models import OutboundEmail
from renewals.dates import WindowState, renewal_year
from renewals.models import RenewalRow, window_state_filter
from renewals.selectors import renewal_overview
from renewals.services import LIVE_STATUSES

from . import figures

#: Access removals this close (in days) are listed as such among the urgent actions.
REMOVAL_SOON_DAYS = 7
ANNIVERSARY_MONTHS = 12
DEADLINE_DAYS = 30
URGENT_ACTIONS = 10

MONEY = DecimalField(max_digits=20, decimal_places=2)


def _reseller_filter(user: User, reseller_id: int | None) -> int | None:
    """Only internal sales choose a reseller; everyone else sees their own customers whatever they ask for."""
    return reseller_id if user.is_internal_sales and reseller_id else None


def scope_reseller_id(*, user: User, reseller_id: int | None = None) -> int | None:
    """The one reseller the dashboard is about, if any: the staff's own, or the one internal sales chose."""
    if user.is_reseller_staff:
        return user.reseller_id
    return _reseller_filter(user, reseller_id)


def dashboard_customers(*, user: User, reseller_id: int | None = None) -> QuerySet[Customer]:
    customers = customers_visible_to(user)
    reseller_id = _reseller_filter(user, reseller_id)
    return customers.filter(reseller_id=reseller_id) if reseller_id else customers


# ---------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DashboardCounts:
    pending_pas: int
    pending_customers: int
    due_soon_pas: int
    due_soon_customers: int
    delayed_customers: int
    renewals_upcoming: int
    renewals_open: int
    renewals_grace: int
    failed_emails: int


def failed_emails(*, user: User, reseller_id: int | None = None) -> QuerySet[OutboundEmail]:
    """Failed outbox rows about one reseller's customers, or, for internal sales over every reseller, all of
    them (what the admin's outbox shows filtered by state Failed)."""
    emails = OutboundEmail.objects.filter(state=OutboundEmail.State.FAILED)
    if not user.is_console_user:
        return emails.none()
    scoped = scope_reseller_id(user=user, reseller_id=reseller_id)
    return emails.filter(customer__reseller_id=scoped) if scoped else emails


@dataclass(frozen=True)
class DashboardFigures:
    counts: DashboardCounts
    anniversaries: list[MonthOfAnniversaries]
    deadlines: list[DayOfDeadlines]


COUNTED_STATES = (WindowState.UPCOMING, WindowState.OPEN, WindowState.GRACE)


def dashboard_figures(*, user: User, on: date, reseller_id: int | None = None) -> DashboardFigures:
    """The counts and both charts' figures: one query from the figures PostgreSQL keeps (figures.read), else
    seven direct ones (every function works set-wise: as many for 3 customers as for 300,000).

    Customers are counted from their pending purchase authorizations (a customer has one exactly when the
    customer list's "Pending requests" shows it), so no query walks every customer of the reseller.
    """
    reseller_id = _reseller_filter(user, reseller_id)
    start = on.replace(day=1)
    before = add_months(start, ANNIVERSARY_MONTHS)
    scope = figures.scope_of(user, reseller_id)
    if scope is not None:
        kept = figures.read(
            scope, on=on, states=COUNTED_STATES, first=start, before=before, statuses=LIVE_STATUSES,
            until=on + timedelta(days=DEADLINE_DAYS),
        )  # fmt: skip
        counted, licences, values, per_day = kept.counts, kept.licences, kept.values, kept.deadlines
    else:
        customers = dashboard_customers(user=user, reseller_id=reseller_id)
        counted = {
            **_pa_counts(customers, on),
            **{f"window_{state}": n for state, n in _window_counts(user, on, reseller_id, COUNTED_STATES).items()},
            "delayed": customers.filter(status=CustomerStatus.DELAYED).count(),
            "failed_emails": failed_emails(user=user, reseller_id=reseller_id).count(),
        }
        licences, values = _anniversary_totals(user, reseller_id, start, ANNIVERSARY_MONTHS)
        per_day = _deadline_counts(user, on, reseller_id)
    counts = DashboardCounts(
        pending_pas=counted["pending"],
        pending_customers=counted["pending_customers"],
        due_soon_pas=counted["due_soon"],
        due_soon_customers=counted["due_soon_customers"],
        delayed_customers=counted["delayed"],
        renewals_upcoming=counted[f"window_{WindowState.UPCOMING.value}"],
        renewals_open=counted[f"window_{WindowState.OPEN.value}"],
        renewals_grace=counted[f"window_{WindowState.GRACE.value}"],
        failed_emails=counted["failed_emails"],
    )
    days = [DayOfDeadlines(day, per_day.get(day, 0)) for day in (on + timedelta(days=n) for n in range(DEADLINE_DAYS))]
    return DashboardFigures(counts, _months(start, licences, values), days)


def _pa_counts(customers: QuerySet[Customer], on: date) -> dict[str, int]:
    due_soon = pending_due_soon(on=on)
    return PurchaseAuthorization.objects.filter(
        customer__in=customers, status=PurchaseAuthorizationStatus.PENDING
    ).aggregate(
        pending=Count("pk"),
        pending_customers=Count("customer_id", distinct=True),
        due_soon=Count("pk", filter=due_soon),
        due_soon_customers=Count("customer_id", distinct=True, filter=due_soon),
    )


def _window_counts(user: User, on: date, reseller_id: int | None, states) -> dict[str, int]:
    return (
        renewal_overview(user=user, on=on, reseller_id=reseller_id)
        .order_by()
        .aggregate(**{state.value: Count("pk", filter=window_state_filter(state, on)) for state in states})
    )


# ---------------------------------------------------------------------------
# Anniversaries per month
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class MonthOfAnniversaries:
    month: date  # its first day
    licences: int
    #: (currency, renewal value) for every currency of the chart, in the chart's order.
    values: tuple[tuple[str, Decimal], ...]


def add_months(first_day: date, months: int) -> date:
    index = first_day.month - 1 + months
    return date(first_day.year + index // 12, index % 12 + 1, 1)


def _months(start: date, licences: dict[date, int], values: dict[tuple[date, str], Decimal]):
    """Renewal value and licences of the anniversaries from this month on, a month at a time.

    A customer already in the renewal overview counts with its renewal quantities (what the reseller plans to
    renew); any other with the licences it holds, which is what the overview will propose. The value is the
    quantity times the product's yearly unit price, summed per currency.
    """
    currencies = sorted({currency for _month, currency in values})
    result = []
    for index in range(ANNIVERSARY_MONTHS):
        month = add_months(start, index)
        amounts = tuple((currency, values.get((month, currency), Decimal("0.00"))) for currency in currencies)
        result.append(MonthOfAnniversaries(month, licences.get(month, 0), amounts))
    return result


def _anniversary_totals(user: User, reseller_id: int | None, start: date, months: int):
    due = dashboard_customers(user=user, reseller_id=reseller_id).filter(
        status__in=LIVE_STATUSES, anniversary_date__gte=start, anniversary_date__lt=add_months(start, months)
    )
    in_overview = RenewalRow.objects.filter(customer=OuterRef("pk"), anniversary_date=OuterRef("anniversary_date"))
    planned = (
        RenewalRow.objects.filter(customer__in=due, anniversary_date=F("customer__anniversary_date"))
        .order_by()
        .annotate(month=TruncMonth("anniversary_date"))
        .values("month", "product__currency")
        .annotate(
            licences=Sum("proposed_quantity"),
            value=Sum(F("proposed_quantity") * F("product__unit_price"), output_field=MONEY),
        )
    )
    held = (
        Holding.objects.filter(customer__in=due.filter(~Exists(in_overview)), deployed__gt=0)
        .order_by()
        .annotate(month=TruncMonth("customer__anniversary_date"))
        .values("month", "product__currency")
        .annotate(
            licences=Sum("deployed"),
            value=Sum(F("deployed") * F("product__unit_price"), output_field=MONEY),
        )
    )
    licences: dict[date, int] = {}
    values: dict[tuple[date, str], Decimal] = {}
    for row in [*planned, *held]:
        month = row["month"]
        licences[month] = licences.get(month, 0) + (row["licences"] or 0)
        key = (month, row["product__currency"])
        values[key] = values.get(key, Decimal("0.00")) + (row["value"] or Decimal("0.00"))
    return licences, values


# ---------------------------------------------------------------------------
# Order deadlines per day
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DayOfDeadlines:
    day: date
    purchase_authorizations: int


def _deadline_counts(user: User, on: date, reseller_id: int | None) -> dict[date, int]:
    """Pending purchase authorizations by order deadline, from today for DEADLINE_DAYS days."""
    return dict(
        PurchaseAuthorization.objects.filter(
            customer__in=dashboard_customers(user=user, reseller_id=reseller_id),
            status=PurchaseAuthorizationStatus.PENDING,
            order_deadline__gte=on,
            order_deadline__lt=on + timedelta(days=DEADLINE_DAYS),
        )
        .order_by()
        .values("order_deadline")
        .annotate(n=Count("pk"))
        .values_list("order_deadline", "n")
    )


# ---------------------------------------------------------------------------
# The most urgent actions
# ---------------------------------------------------------------------------
class ActionKind:
    OVERDUE_PA = "overdue_pa"
    ACCESS_REMOVAL = "access_removal"
    WINDOW_CLOSING = "window_closing"


#: What the action list shows of a customer (the rest of its ~20 columns is not read).
ACTION_CUSTOMER_FIELDS = ("company_name", "anniversary_date", "reseller__name")

#: Which comes first when two actions fall on the same day.
ACTION_RANK = {ActionKind.OVERDUE_PA: 0, ActionKind.ACCESS_REMOVAL: 1, ActionKind.WINDOW_CLOSING: 2}


@dataclass(frozen=True)
class UrgentAction:
    kind: str
    #: The day that makes it urgent: the passed order deadline, the day access goes, the window's last day.
    day: date
    customer: Customer
    days_away: int
    reference: str = ""

    @property
    def days(self) -> int:
        """Days since (an overdue purchase authorization) or until (a renewal) its day."""
        return abs(self.days_away)

    @property
    def url_name(self) -> str:
        """The customer's tab where it is dealt with."""
        return "customer-history" if self.kind == ActionKind.OVERDUE_PA else "customer-renewals"


def urgent_actions(
    *, user: User, on: date, reseller_id: int | None = None, limit: int = URGENT_ACTIONS
) -> list[UrgentAction]:
    """Overdue purchase authorizations, then renewals in their grace period (access removed within
    REMOVAL_SOON_DAYS, or the window closing later), most urgent first (two queries)."""
    reseller_id = _reseller_filter(user, reseller_id)
    actions: list[UrgentAction] = []
    # Read in (deadline, key) order on pa_pending_deadline_pk_idx until `limit` match, each one's customer joined
    # as it comes: no sort of every PA of the earliest overdue days (~1,900 at 1 M customers).
    overdue = overdue_pending(on=on)
    if not (user.is_internal_sales and not reseller_id):  # internal sales over all see every customer
        overdue = overdue.filter(customer__in=dashboard_customers(user=user, reseller_id=reseller_id))
    overdue = (
        overdue.select_related("customer__reseller")
        .only("order_deadline", "reference", *(f"customer__{name}" for name in ACTION_CUSTOMER_FIELDS))
        .order_by("order_deadline", "pk")[:limit]
    )
    for pa in overdue:
        actions.append(
            UrgentAction(
                ActionKind.OVERDUE_PA, pa.order_deadline, pa.customer, (pa.order_deadline - on).days, pa.reference
            )
        )
    scope = figures.scope_of(user, reseller_id)
    if scope is not None:
        ids = figures.overview_customers(scope, WindowState.GRACE, on, limit=limit)
        grace = (
            Customer.objects.filter(pk__in=ids)
            .select_related("reseller")
            .only(*ACTION_CUSTOMER_FIELDS)
            .order_by("anniversary_date", "pk")
        )
    else:
        grace = (
            renewal_overview(user=user, on=on, window=WindowState.GRACE, reseller_id=reseller_id)
            .prefetch_related(None)
            .order_by("anniversary_date", "pk")[:limit]
        )
    for customer in grace:
        year = renewal_year(cast(date, customer.anniversary_date))  # the grace period's customers have one
        window_closes, removal = year.grace_end, year.access_removed
        if (removal - on).days <= REMOVAL_SOON_DAYS:
            actions.append(UrgentAction(ActionKind.ACCESS_REMOVAL, removal, customer, (removal - on).days))
        else:
            actions.append(UrgentAction(ActionKind.WINDOW_CLOSING, window_closes, customer, (window_closes - on).days))
    actions.sort(key=lambda action: (action.day, ACTION_RANK[action.kind], action.customer.company_name))
    return actions[:limit]
