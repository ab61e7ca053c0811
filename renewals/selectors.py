"""Reads for the renewal overview, a customer's renewal rows, its renewal history and the renewal banner."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from authorizations.selectors import volume_level
from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.selectors import customers_visible_to, recorded_channels
from licences.models import Assignment, Holding
from resellerconsole.audit import Channel

from .dates import anniversaries_in, renewal_phase, renewal_year, window_state
from .models import AutoRenewalDefault, Renewal, RenewalLine, RenewalRow, window_state_filter

OVERVIEW_ORDERINGS = {"days_left": ("anniversary_date", "pk"), "-days_left": ("-anniversary_date", "-pk")}


def _current_rows(anniversaries: Q) -> Exists:
    """The customer's rows for its anniversary. The customers' condition on their anniversary (`anniversaries`)
    is repeated on the rows': the same rows, but the planner carries no range across the join, and a merge join
    read renewal_row_anniversary_idx from its start (549,067 entries, 50–130 ms, for the upcoming and open
    windows at 1 M customers)."""
    return Exists(
        RenewalRow.objects.filter(anniversaries, customer=OuterRef("pk"), anniversary_date=OuterRef("anniversary_date"))
    )


def _overview_anniversaries(window: str, on: date, ordering: tuple[str, ...]) -> Q:
    """The window's anniversaries, and where the order starts when the window leaves that end open: from the
    first anniversary of any overview row (its last, sorting the soonest last). A customer with current rows
    lies past it (its rows carry its anniversary), so the bound changes no result; it lets the anniversary index
    start where rows begin instead of walking the customers before them without rows (~12,000 lapsed before the
    overview's days at 1 M customers; ~550,000 after them, sorting the soonest last). One index probe of
    renewal_row_anniversary_idx. Only where the window leaves it open, and that end only: given both ends as
    subqueries the planner took the range for 0.5 % of the rows and sorted a reseller's 24,000 customers (160 ms)
    instead of walking the index."""
    first, last = anniversaries_in(window, on) if window else (None, None)
    condition = window_state_filter(window, on) if window else Q()
    descending = ordering[0].startswith("-")
    if (last if descending else first) is None:
        start = Subquery(RenewalRow.objects.order_by(ordering[0]).values("anniversary_date")[:1])
        condition &= Q(anniversary_date__lte=start) if descending else Q(anniversary_date__gte=start)
    return condition


def renewal_overview(
    *,
    user,
    on: date,
    window: str = "",
    segment: str = "",
    reseller_id: int | None = None,
    ordering: str = "days_left",
) -> QuerySet[Customer]:
    """Customers with renewable licences in the overview, with their rows: two queries per page."""
    keys = OVERVIEW_ORDERINGS.get(ordering, OVERVIEW_ORDERINGS["days_left"])
    anniversaries = _overview_anniversaries(window, on, keys)
    customers = (
        customers_visible_to(user)
        .filter(anniversaries, _current_rows(anniversaries))
        .select_related("reseller")
        .prefetch_related(
            Prefetch(
                "renewal_rows",
                queryset=RenewalRow.objects.select_related("product").order_by("product__name"),
                to_attr="overview_rows",
            )
        )
    )
    if segment:
        customers = customers.filter(market_segment=segment)
    if reseller_id:
        customers = customers.filter(reseller_id=reseller_id)
    return customers.order_by(*keys)


def assigned_counts(customer_ids) -> dict[tuple[int, int], int]:
    """Users assigned per (customer, product), for a page of customers in one query."""
    return {
        (row["customer_id"], row["product_id"]): row["n"]
        for row in Assignment.objects.filter(customer_id__in=customer_ids, released_at__isnull=True)
        .values("customer_id", "product_id")
        .annotate(n=Count("pk"))
    }


#: What the overview's page and CSV read of each customer (values, not models: the rows are only printed).
OVERVIEW_CUSTOMER_FIELDS = ("pk", "company_name", "vip_id", "reseller__name", "anniversary_date")
OVERVIEW_ROW_FIELDS = (
    "customer_id",
    "anniversary_date",
    "product_id",
    "product__name",
    "product__sku_renewal",
    "quantity_held",
    "proposed_quantity",
)


def overview_row_values(customer_ids) -> dict[int, list[tuple]]:
    """The customers' renewal rows as OVERVIEW_ROW_FIELDS tuples by product name, per customer, in one query
    (every anniversary's: a past year's rows wait for the next refresh to go, so the reader keeps the current)."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        RenewalRow.objects.filter(customer_id__in=customer_ids)
        .order_by("product__name", "pk")
        .values_list(*OVERVIEW_ROW_FIELDS)
    ):
        rows[row[0]].append(row)
    return rows


@dataclass(frozen=True)
class OverviewLine:
    row: RenewalRow
    assigned: int

    @property
    def below_assigned(self) -> bool:
        return self.row.proposed_quantity < self.assigned


@dataclass(frozen=True)
class OverviewEntry:
    customer: Customer
    lines: list[OverviewLine]
    on: date

    @property
    def days_left(self) -> int:
        return (self.anniversary - self.on).days

    @property
    def window_state(self) -> str:
        return window_state(self.anniversary, self.on)

    @property
    def anniversary(self) -> date:
        # The overview lists only customers with an anniversary.
        return cast(date, self.customer.anniversary_date)

    @property
    def licences_held(self) -> int:
        return sum(line.row.quantity_held for line in self.lines)

    @property
    def licences_proposed(self) -> int:
        return sum(line.row.proposed_quantity for line in self.lines)

    @property
    def level_now(self) -> int | None:
        return volume_level(self.licences_held)

    @property
    def level_after(self) -> int | None:
        return volume_level(self.licences_proposed)

    @property
    def level_drops(self) -> bool:
        return (self.level_after or 0) < (self.level_now or 0)


def overview_entries(customers, *, on: date) -> list[OverviewEntry]:
    customers = list(customers)
    counts = assigned_counts([c.pk for c in customers])
    return [
        OverviewEntry(
            customer=c,
            lines=[
                OverviewLine(row, counts.get((c.pk, row.product_id), 0))
                for row in getattr(c, "overview_rows", [])
                if row.anniversary_date == c.anniversary_date
            ],
            on=on,
        )
        for c in customers
    ]


def customer_overview_entry(*, customer: Customer, on: date) -> OverviewEntry:
    customer.overview_rows = list(  # type: ignore[attr-defined]  # what OverviewEntry.lines reads
        RenewalRow.objects.filter(customer=customer, anniversary_date=cast(date, customer.anniversary_date))
        .select_related("product")
        .order_by("product__name")
    )
    return overview_entries([customer], on=on)[0]


def renewal_history(*, customer: Customer) -> QuerySet[Renewal]:
    return (
        Renewal.objects.filter(customer=customer)
        .select_related("placed_by")
        .prefetch_related(Prefetch("lines", queryset=RenewalLine.objects.select_related("product")))
        .order_by("-created_at", "-pk")
    )


def renewal_history_with_channels(*, customer: Customer) -> list[Renewal]:
    """The renewal history, each renewal with the `channel` of its recorded event (None when none was
    recorded): one query more than the history, whatever its length."""
    renewals = list(renewal_history(customer=customer))
    recorded: dict[str, Channel] = {}
    for event in recorded_channels(customer=customer, kinds=[CustomerEvent.Kind.RENEWED], keys=["order_number"]):
        recorded.setdefault(event.keys["order_number"], event.channel)
    for renewal in renewals:
        renewal.channel = recorded.get(renewal.order_number)  # type: ignore[attr-defined]
    return renewals


@dataclass(frozen=True)
class RenewalBanner:
    """What a VIP admin (and the reseller) is told while a renewal is due, overdue or access removal is near."""

    state: str  # "due", "overdue" or "removal_near"
    anniversary: date
    grace_end: date
    removal_date: date
    reseller_name: str


def renewal_banner(*, customer: Customer, on: date) -> RenewalBanner | None:
    anniversary = customer.anniversary_date
    if anniversary is None or customer.status == CustomerStatus.INACTIVE:
        return None
    phase = renewal_phase(anniversary, on)
    if phase is None:
        return None
    year = renewal_year(anniversary)
    return RenewalBanner(phase, anniversary, year.grace_end, year.access_removed, customer.reseller.name)


# ---------------------------------------------------------------------------
# Subscriptions and their auto-renewal (a subscription is a Holding: the licences of one product)
# ---------------------------------------------------------------------------
def auto_renewal_default(*, customer: Customer) -> bool:
    """Whether the customer's subscriptions renew automatically unless one is set otherwise: on for customers
    created through /v3, off (no row) for the console's."""
    return AutoRenewalDefault.objects.filter(customer=customer, enabled=True).exists()


def auto_renewing_holdings() -> Q:
    """The condition on Holding of "this subscription renews automatically": licences held, and auto-renewal
    on — its own choice, else the customer's default. The one owner of that rule, for a row and for a set."""
    return Q(deployed__gt=0) & (
        Q(auto_renewal__enabled=True) | Q(auto_renewal__isnull=True, customer__auto_renewal_default__enabled=True)
    )


@dataclass(frozen=True)
class Subscription:
    """One product a customer holds (or held), with its auto-renewal as it stands."""

    holding: Holding
    assigned: int
    #: Auto-renewal on: the subscription's own choice, else the customer's default (auto_renewing_holdings).
    auto_renews: bool
    #: Chosen for the subscription (kept until chosen again), or None: the proposal's quantity is renewed.
    renewal_quantity: int | None
    #: What a renewal on the anniversary would renew if auto-renewal is on: the chosen quantity, else the renewal
    #: overview's renewal quantity for this anniversary (the quantity held unless someone chose another).
    proposed_quantity: int
    renewal_date: date | None

    @property
    def product(self):
        return self.holding.product

    @property
    def active(self) -> bool:
        return self.holding.deployed > 0

    @property
    def renews(self) -> int:
        """The quantity the auto-renewal places for it on the anniversary (0: it is not renewed)."""
        if not (self.auto_renews and self.active):
            return 0
        return self.renewal_quantity if self.renewal_quantity is not None else self.proposed_quantity


def subscriptions_for(*, customer: Customer, only_held: bool = False, pk: int | None = None) -> list[Subscription]:
    """The customer's subscriptions by product name (`only_held`: those it holds licences of now; `pk`: that
    one): four queries, whatever the customer holds."""
    holdings = Holding.objects.filter(customer=customer).select_related("product", "auto_renewal")
    if only_held:
        holdings = holdings.filter(deployed__gt=0)
    if pk is not None:
        holdings = holdings.filter(pk=pk)
    annotated = list(
        holdings.annotate(
            auto_renews=Exists(Holding.objects.filter(auto_renewing_holdings(), pk=OuterRef("pk")))
        ).order_by("product__name", "pk")
    )
    if not annotated:
        return []
    assigned = {product_id: n for (_customer_id, product_id), n in assigned_counts([customer.pk]).items()}
    proposed = dict(
        RenewalRow.objects.filter(customer=customer, anniversary_date=cast(date, customer.anniversary_date))
        .order_by()
        .values_list("product_id", "proposed_quantity")
    )
    rows = []
    for holding in annotated:
        chosen = getattr(holding, "auto_renewal", None)
        rows.append(
            Subscription(
                holding=holding,
                assigned=assigned.get(holding.product_id, 0),
                auto_renews=holding.auto_renews,
                renewal_quantity=chosen.renewal_quantity if chosen is not None else None,
                proposed_quantity=proposed.get(holding.product_id, holding.deployed),
                renewal_date=customer.anniversary_date,
            )
        )
    return rows
