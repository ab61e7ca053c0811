"""Reads of /v3 orders: a customer's orders, returns and renewals as Adobe's order history (one sort across the
three, newest first, keyset pages), and one of them by its orderId. A fixed number of queries whatever the page
size and the number of lines."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from authorizations import dates
from authorizations.models import Order, OrderLine, ReturnAuthorization, ReturnLine
from authorizations.selectors import order_lines_with_returns
from customers.models import Customer
from renewals.models import Renewal, RenewalLine

NEW, RETURN, RENEWAL = "NEW", "RETURN", "RENEWAL"
#: The history's sort after creationDate (newest first) and before the primary key: a fixed rank per kind.
RANKS = {NEW: 3, RENEWAL: 2, RETURN: 1}
KINDS = {rank: kind for kind, rank in RANKS.items()}
#: Statuses /v3 gives: an order is complete (1000) until every licence on it is returned (1008, cancelled).
COMPLETE, CANCELLED = "1000", "1008"
#: A return's orderId: our return authorization's name (RA-<id>, as the admin shows it).
RETURN_PREFIX = "RA-"


def return_order_id(authorization: ReturnAuthorization) -> str:
    return f"{RETURN_PREFIX}{authorization.pk}"


def details(row):
    """What /v3 keeps of an order or return (vipmp.MarketplaceOrder), or None (placed elsewhere)."""
    try:
        return row.vipmp_details
    except ObjectDoesNotExist:
        return None


def line_numbers(order: Order) -> dict[int, int]:
    """extLineItemNumber by order line id: the marketplace's, for an order placed through /v3; else the line's
    position (1, 2, …). Needs the order's lines and details read (the readers below read them)."""
    kept = getattr(details(order), "line_numbers", {}) or {}
    return {
        line.pk: kept.get(str(line.product_id), position)
        for position, line in enumerate(sorted(order.lines.all(), key=lambda ln: ln.pk), start=1)
    }


# ---------------------------------------------------------------------------
# Reading the rows with everything the answer shows
# ---------------------------------------------------------------------------
def orders_read(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Orders with their PA (the PO number), customer, lines with what was returned, and /v3's details."""
    return orders.select_related("purchase_authorization", "customer", "vipmp_details").prefetch_related(
        Prefetch("lines", queryset=order_lines_with_returns().order_by("pk"))
    )


def returns_read(returns: QuerySet[ReturnAuthorization]) -> QuerySet[ReturnAuthorization]:
    """Returns with their lines (products), the order they return (its lines, for the line numbers) and the
    details /v3 keeps of both."""
    return returns.select_related("order__customer", "order__vipmp_details", "vipmp_details").prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line__product").order_by("pk")),
        Prefetch("order__lines", queryset=OrderLine.objects.order_by("pk")),
    )


def renewals_read(renewals: QuerySet[Renewal]) -> QuerySet[Renewal]:
    return renewals.select_related("customer").prefetch_related(
        Prefetch("lines", queryset=RenewalLine.objects.select_related("product").order_by("pk"))
    )


def order_get(*, customer: Customer, order_id: str):
    """(kind, row) of the customer's order, renewal or return with this orderId, or None."""
    order = orders_read(Order.objects.filter(customer=customer, order_number=order_id)).first()
    if order is not None:
        return NEW, order
    renewal = renewals_read(Renewal.objects.filter(customer=customer, order_number=order_id)).first()
    if renewal is not None:
        return RENEWAL, renewal
    number = order_id.removeprefix(RETURN_PREFIX)
    if order_id.startswith(RETURN_PREFIX) and number.isascii() and number.isdigit() and len(number) < 19:
        found = returns_read(ReturnAuthorization.objects.filter(order__customer=customer, pk=int(number))).first()
        if found is not None:
            return RETURN, found
    return None


# ---------------------------------------------------------------------------
# The order history
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Search:
    order_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    offer_ids: tuple[str, ...] = ()
    reference_order_id: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the row with this creationDate, rank and primary key (the keyset cursor)."""

    at: dt.datetime
    rank: int
    pk: int

    def encode(self) -> str:
        text = f"{self.at.astimezone(dt.UTC).isoformat()}|{self.rank}|{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position | None:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            at, rank, pk = text.split("|")
            moment = dt.datetime.fromisoformat(at)
            if moment.tzinfo is None or int(rank) not in KINDS:
                return None
            return cls(moment, int(rank), int(pk))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None


def term_start(customer: Customer, *, on: dt.date) -> dt.datetime | None:
    """Adobe's default start-date: the start of the customer's current term, the last anniversary on or before
    `on` (a year before the anniversary, or earlier once a renewal has moved it on), at midnight here."""
    if customer.anniversary_date is None:
        return None
    start = dates.add_months(customer.anniversary_date, -12)
    while start > on:
        start = dates.add_months(start, -12)
    return dt.datetime.combine(start, dt.time(), tzinfo=timezone.get_current_timezone())


def _open_order(order_ref) -> Exists:
    returned = order_lines_with_returns().filter(order=order_ref, quantity__gt=F("returned_quantity"))
    return Exists(returned)


def _parts(customer: Customer, search: Search) -> dict[str, QuerySet]:
    """The three kinds' rows matching `search`, each as (rank, pk, at)."""
    parts = {
        NEW: Order.objects.filter(customer=customer),
        RETURN: ReturnAuthorization.objects.filter(order__customer=customer),
        RENEWAL: Renewal.objects.filter(customer=customer),
    }
    if search.order_types:
        parts = {kind: rows for kind, rows in parts.items() if kind in search.order_types}
    statuses = set(search.statuses)
    for kind in list(parts):
        rows = parts[kind]
        if search.start is not None:
            rows = rows.filter(created_at__gte=search.start)
        if search.end is not None:
            rows = rows.filter(created_at__lte=search.end)
        if statuses and kind == NEW:
            open_order = _open_order(OuterRef("pk"))
            if COMPLETE in statuses and CANCELLED not in statuses:
                rows = rows.filter(open_order)
            elif CANCELLED in statuses and COMPLETE not in statuses:
                rows = rows.filter(~open_order)
            elif COMPLETE not in statuses:
                rows = rows.none()
        elif statuses and COMPLETE not in statuses:
            rows = rows.none()
        if search.offer_ids:
            offers = list(search.offer_ids)
            rows = rows.filter(
                {
                    NEW: Q(lines__product__sku_new__in=offers),
                    RETURN: Q(lines__order_line__product__sku_new__in=offers),
                    RENEWAL: Q(lines__product__sku_renewal__in=offers, lines__quantity_after__gt=0),
                }[kind]
            ).distinct()
        if search.reference_order_id is not None:
            rows = rows.filter(order__order_number=search.reference_order_id) if kind == RETURN else rows.none()
        parts[kind] = rows
    return parts


def _keyed(kind: str, rows: QuerySet, after: Position | None) -> QuerySet:
    rank = RANKS[kind]
    rows = rows.annotate(rank=Value(rank, output_field=IntegerField()), at=F("created_at"))
    if after is not None:
        same = Q(created_at=after.at) & (Q(pk__lt=after.pk) if rank == after.rank else Q(pk__in=[]))
        earlier_rank = Q(created_at=after.at) if rank < after.rank else Q(pk__in=[])
        rows = rows.filter(Q(created_at__lt=after.at) | same | earlier_rank)
    # No ordering inside a UNION's parts (the models' own orderings are dropped; the union is sorted).
    return rows.order_by().values("rank", "pk", "at")


@dataclass(frozen=True)
class Page:
    rows: Sequence[tuple[str, object]]
    total: int
    #: Where the next page starts, or None on the last page.
    next: Position | None


def orders_page(*, customer: Customer, search: Search, limit: int, offset: int, after: Position | None) -> Page:
    """A page of the history, newest first: by keyset after `after` (links.next's cursor), else skipping `offset`
    rows. Two queries for the keys and the total, and a fixed few per kind on the page."""
    parts = _parts(customer, search)
    if not parts:
        return Page([], 0, None)
    keyed = [_keyed(kind, rows, None) for kind, rows in parts.items()]
    total = keyed[0].union(*keyed[1:], all=True).count() if len(keyed) > 1 else keyed[0].count()
    paged = [_keyed(kind, rows, after) for kind, rows in parts.items()]
    union = paged[0].union(*paged[1:], all=True) if len(paged) > 1 else paged[0]
    start = 0 if after is not None else offset
    # Past the total nothing is asked: an offset beyond the database's integers would fail there.
    keys = list(union.order_by("-at", "-rank", "-pk")[start : start + limit + 1]) if start < total else []
    more, keys = len(keys) > limit, keys[:limit]
    wanted: dict[str, list[int]] = {}
    for key in keys:
        wanted.setdefault(KINDS[key["rank"]], []).append(key["pk"])
    readers = {
        NEW: lambda ids: orders_read(Order.objects.filter(pk__in=ids)),
        RETURN: lambda ids: returns_read(ReturnAuthorization.objects.filter(pk__in=ids)),
        RENEWAL: lambda ids: renewals_read(Renewal.objects.filter(pk__in=ids)),
    }
    found = {(kind, row.pk): row for kind, ids in wanted.items() for row in readers[kind](ids)}
    rows = [(KINDS[key["rank"]], found[(KINDS[key["rank"]], key["pk"])]) for key in keys]
    last = keys[-1] if keys else None
    following = Position(_aware(last["at"]), last["rank"], last["pk"]) if more and last else None
    return Page(rows, total, following)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite's union gives the datetime back as it is stored (UTC, naive).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
