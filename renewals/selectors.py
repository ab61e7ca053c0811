"""Reads for the renewal overview, a customer's renewal rows and its renewal history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from authorizations.models import Assignment
from authorizations.selectors import volume_level
from customers.models import Customer
from customers.selectors import customers_visible_to

from .dates import renewal_phase, renewal_year, window_state
from .models import Renewal, RenewalLine, RenewalRow, window_state_filter

OVERVIEW_ORDERINGS = {"days_left": ("anniversary_date", "pk"), "-days_left": ("-anniversary_date", "-pk")}


def _current_rows() -> Exists:
    return Exists(RenewalRow.objects.filter(customer=OuterRef("pk"), anniversary_date=OuterRef("anniversary_date")))


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
    customers = (
        customers_visible_to(user)
        .filter(_current_rows())
        .select_related("reseller")
        .prefetch_related(
            Prefetch(
                "renewal_rows",
                queryset=RenewalRow.objects.select_related("product").order_by("product__name"),
                to_attr="overview_rows",
            )
        )
    )
    if window:
        customers = customers.filter(window_state_filter(window, on))
    if segment:
        customers = customers.filter(market_segment=segment)
    if reseller_id:
        customers = customers.filter(reseller_id=reseller_id)
    return customers.order_by(*OVERVIEW_ORDERINGS.get(ordering, OVERVIEW_ORDERINGS["days_left"]))


def assigned_counts(customer_ids) -> dict[tuple[int, int], int]:
    """Users assigned per (customer, product), for a page of customers in one query."""
    return {
        (row["customer_id"], row["product_id"]): row["n"]
        for row in Assignment.objects.filter(customer_id__in=customer_ids, released_at__isnull=True)
        .values("customer_id", "product_id")
        .annotate(n=Count("pk"))
    }


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
        return (self.customer.anniversary_date - self.on).days

    @property
    def window_state(self) -> str:
        return window_state(self.customer.anniversary_date, self.on)

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
    customer.overview_rows = list(
        RenewalRow.objects.filter(customer=customer, anniversary_date=customer.anniversary_date)
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


class TimelineKind:
    """What a date on the customer timeline is about; the chart colours its marker by it."""

    PA_DEADLINE = "pa_deadline"
    RETURN = "return"
    OVERVIEW = "overview"
    WINDOW = "window"
    NOTICE = "notice"
    ANNIVERSARY = "anniversary"
    GRACE_END = "grace_end"
    REMOVAL = "removal"


@dataclass(frozen=True)
class TimelineItem:
    day: date
    label: str
    past: bool
    kind: str = ""
    #: For a renewal notice, what became of it (sent on …, queued, due …); "overdue" for a passed PA deadline.
    status: str = ""


def _notice_status(row: tuple[str, datetime | None] | None, *, day: date, on: date) -> str:
    from django.utils.formats import date_format
    from django.utils.translation import pgettext

    from notifications.models import OutboundEmail

    if row is None:
        return pgettext("renewal notice", "due") if day >= on else pgettext("renewal notice", "not sent")
    state, sent_at = row
    if state == OutboundEmail.State.SENT and sent_at is not None:
        return pgettext("renewal notice", "sent on %(date)s") % {"date": date_format(timezone.localdate(sent_at))}
    if state == OutboundEmail.State.FAILED:
        return pgettext("renewal notice", "failed: see the outbox")
    return pgettext("renewal notice", "queued")


def customer_timeline(*, customer: Customer, on: date) -> list[TimelineItem]:
    """One customer's dates in order: PA deadlines, return windows, and the renewal year around the anniversary
    with the three renewal notices (sent, queued or due). Three queries, whatever the number of PAs and orders."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from authorizations.models import Order, PurchaseAuthorization
    from notifications.models import OutboundEmail
    from notifications.notices import RENEWAL_NOTICES, notice_span

    items: list[TimelineItem] = []
    for reference, deadline in (
        PurchaseAuthorization.objects.filter(customer=customer, status="pending")
        .order_by("order_deadline", "pk")
        .values_list("reference", "order_deadline")
    ):
        items.append(
            TimelineItem(
                deadline,
                _("Order deadline of %(reference)s") % {"reference": reference},
                deadline < on,
                TimelineKind.PA_DEADLINE,
                pgettext("order deadline", "overdue") if deadline < on else "",
            )
        )
    returnable_since = on - timedelta(days=settings.RETURN_WINDOW_DAYS)
    for number, ordered in (
        Order.objects.filter(customer=customer, order_date__gte=returnable_since)
        .order_by("order_date", "pk")
        .values_list("order_number", "order_date")
    ):
        last_day = ordered + timedelta(days=settings.RETURN_WINDOW_DAYS)
        items.append(
            TimelineItem(
                last_day,
                _("Last day to return lines of order %(number)s") % {"number": number},
                last_day < on,
                TimelineKind.RETURN,
            )
        )
    anniversary = customer.anniversary_date
    if anniversary:
        grace_end = anniversary + timedelta(days=settings.RENEWAL_GRACE_DAYS)
        notices = {
            kind: (state, sent_at)
            for kind, state, sent_at in OutboundEmail.objects.filter(
                customer=customer, anniversary=anniversary, kind__in=RENEWAL_NOTICES
            ).values_list("kind", "state", "sent_at")
        }
        notice_labels = {
            OutboundEmail.Kind.RENEWAL_DUE: _("“Time to renew” e-mail to the VIP admins"),
            OutboundEmail.Kind.RENEWAL_OVERDUE: _("“Renewal should have been made” e-mail to the VIP admins"),
            OutboundEmail.Kind.ACCESS_REMOVAL: _("Last-chance e-mail before access is removed"),
        }
        renewal_year = [
            (
                anniversary - timedelta(days=settings.RENEWAL_OVERVIEW_DAYS),
                _("Licences enter the renewal overview"),
                TimelineKind.OVERVIEW,
            ),
            (
                anniversary - timedelta(days=settings.RENEWAL_WINDOW_OPENS_DAYS),
                _("Renewal window opens"),
                TimelineKind.WINDOW,
            ),
            (anniversary, _("Anniversary date"), TimelineKind.ANNIVERSARY),
            (grace_end, _("Grace period ends"), TimelineKind.GRACE_END),
            (grace_end + timedelta(days=1), _("Access removed if not renewed"), TimelineKind.REMOVAL),
        ]
        items += [TimelineItem(day, label, day < on, kind) for day, label, kind in renewal_year]
        for kind in RENEWAL_NOTICES:
            day = anniversary + timedelta(days=notice_span(kind)[0])
            status = _notice_status(notices.get(kind), day=day, on=on)
            items.append(TimelineItem(day, notice_labels[kind], day < on, TimelineKind.NOTICE, status))
    # Stable: on one day, a PA deadline comes before a return, the window before its e-mail.
    return sorted(items, key=lambda item: item.day)


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
    if anniversary is None or customer.status == "inactive":
        return None
    phase = renewal_phase(anniversary, on)
    if phase is None:
        return None
    year = renewal_year(anniversary)
    return RenewalBanner(phase, anniversary, year.grace_end, year.access_removed, customer.reseller.name)
