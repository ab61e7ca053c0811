"""Reads for purchase authorizations and orders (holdings and assignments: licences.selectors)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, TextChoices
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.selectors import customers_visible_to, recorded_channels
from licences.models import Holding

# Holdings and assignments are read in licences; the console pages ask for them here too.
from licences.selectors import HoldingRow, active_assignments, holdings_for, volume_level  # noqa: F401
from resellerconsole.audit import Channel
from resellerconsole.querying import InSmallSet

from .models import (
    Order,
    OrderLine,
    PendingCustomer,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    ReturnAuthorization,
    ReturnLine,
)

Kind = CustomerEvent.Kind


def order_lines_with_returns() -> QuerySet[OrderLine]:
    """Order lines with their product and `returned_quantity` (licences returned so far, in one or several
    returns; `quantity - returned_quantity` remains returnable): no query per line."""
    returned = (
        ReturnLine.objects.filter(order_line=OuterRef("pk"))
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return OrderLine.objects.select_related("product").annotate(
        returned_quantity=Coalesce(Subquery(returned, output_field=IntegerField()), 0)
    )


def purchase_authorization_history(*, customer: Customer) -> QuerySet[PurchaseAuthorization]:
    """Newest first, each with its lines, its order (with lines and returns) and who acted: a fixed query count."""
    return (
        PurchaseAuthorization.objects.filter(customer=customer)
        .select_related("created_by", "withdrawn_by", "order", "order__placed_by", "order__duration_set_by")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseAuthorizationLine.objects.select_related("product", "removed_by")),
            Prefetch(
                "order__lines",
                queryset=order_lines_with_returns().prefetch_related(
                    Prefetch(
                        "return_lines",
                        queryset=ReturnLine.objects.select_related("return_authorization__created_by").order_by("pk"),
                    )
                ),
            ),
        )
        .order_by("-deployed_at", "-pk")
    )


def history_channels_attach(*, customer: Customer, authorizations: Sequence[PurchaseAuthorization]) -> None:
    """Give each PA of the history, its order and each of its returns the `channel` of its recorded event (None
    when none was recorded): one query for the whole history, whatever its length."""
    by_pa: dict[str, Channel] = {}
    by_order: dict[str, Channel] = {}
    by_return: dict[str, Channel] = {}
    #: Return events written before they named their return: matched to the order's returns in turn.
    unnamed_returns: dict[str, list[Channel]] = defaultdict(list)
    for event in recorded_channels(
        customer=customer,
        kinds=[Kind.PA_CREATED, Kind.ORDER_PLACED, Kind.RETURN_REQUESTED],
        keys=["reference", "order_number", "return_id"],
    ):
        if event.kind == Kind.PA_CREATED:
            by_pa.setdefault(event.keys["reference"], event.channel)
        elif event.kind == Kind.ORDER_PLACED:
            by_order.setdefault(event.keys["order_number"], event.channel)
        elif event.keys["return_id"]:
            by_return[event.keys["return_id"]] = event.channel
        else:
            unnamed_returns[event.keys["order_number"]].append(event.channel)
    for pa in authorizations:
        pa.channel = by_pa.get(pa.reference)  # type: ignore[attr-defined]
        order = getattr(pa, "order", None)
        if order is None:
            continue
        order.channel = by_order.get(order.order_number)
        # Each return's lines carry their own copy of the return (select_related): every copy gets the channel.
        copies: dict[int, list[ReturnAuthorization]] = defaultdict(list)
        for line in order.lines.all():
            for returned in line.return_lines.all():
                copies[returned.return_authorization_id].append(returned.return_authorization)
        unnamed = iter(unnamed_returns.get(order.order_number, []))
        for return_id in sorted(copies):
            key = str(return_id)
            channel = by_return[key] if key in by_return else next(unnamed, None)
            for authorization in copies[return_id]:
                authorization.channel = channel  # type: ignore[attr-defined]


def had_products(*, customer: Customer) -> bool:
    """Whether anything was ever deployed to the customer (holdings stay, at 0, after a return or withdrawal)."""
    return Holding.objects.filter(customer=customer).exists()


def purchase_authorization_get(*, customer: Customer, pk: int) -> PurchaseAuthorization:
    return purchase_authorization_history(customer=customer).get(pk=pk)


def purchase_authorizations_visible_to(user) -> QuerySet[PurchaseAuthorization]:
    return PurchaseAuthorization.objects.filter(customer__in=customers_visible_to(user))


def orders_visible_to(user) -> QuerySet[Order]:
    """Console users: their customers' orders; the licensing website: the orders it placed itself."""
    if user.is_authenticated and user.is_licensing_website:
        return Order.objects.filter(placed_by=user, entered_by_hand=False)
    return Order.objects.filter(customer__in=customers_visible_to(user))


#: The order list's sort: newest order date first, the key ending with the primary key (keyset pages).
ORDER_LIST_ORDERING = ("-order_date", "-pk")


def order_list(
    *, user, order_number: str = "", date_from: date | None = None, date_to: date | None = None
) -> QuerySet[Order]:
    """The orders `user` may see, with everything the API shows of them: a fixed number of queries."""
    orders = orders_visible_to(user)
    if order_number:
        orders = orders.filter(order_number=order_number)
    if date_from:
        orders = orders.filter(order_date__gte=date_from)
    if date_to:
        orders = orders.filter(order_date__lte=date_to)
    return with_lines(orders).order_by(*ORDER_LIST_ORDERING)


def with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Orders with what the API shows of them (their PA, lines, products, returns): a fixed number of queries."""
    return orders.select_related("purchase_authorization").prefetch_related(
        Prefetch("lines", queryset=order_lines_with_returns())
    )


def order_detail(*, pk: int, user=None) -> Order | None:
    """One order as the API shows it, three queries whatever its lines: one `user` may see, or (None) any order,
    for the intake answering with what it has just recorded."""
    orders = Order.objects.all() if user is None else orders_visible_to(user)
    return with_lines(orders).filter(pk=pk).first()


def purchase_authorization_line_rows(*, pa_ids: Sequence[int]) -> dict[int, list[tuple]]:
    """(SKU, product name, quantity, removed_at) of these PAs' lines, in pk order as their prefetch gives them:
    one query, no models (the API's list, issue 15)."""
    lines: dict[int, list[tuple]] = {pk: [] for pk in pa_ids}
    rows = PurchaseAuthorizationLine.objects.filter(purchase_authorization_id__in=list(lines)).order_by("pk")
    for pa_id, *line in rows.values_list(
        "purchase_authorization_id", "product__sku_new", "product__name", "quantity", "removed_at"
    ):
        lines[pa_id].append(tuple(line))
    return lines


def order_line_rows(*, order_ids: Sequence[int]) -> dict[int, list[tuple]]:
    """(id, SKU, product name, quantity, returned quantity) of these orders' lines, in pk order as
    order_lines_with_returns() gives them: one query, no models (the API's lists, issue 15)."""
    lines: dict[int, list[tuple]] = {pk: [] for pk in order_ids}
    rows = order_lines_with_returns().filter(order_id__in=list(lines)).order_by("pk")
    # The stubs do not see order_lines_with_returns()' annotation.
    for order_id, *line in rows.values_list(  # type: ignore[misc]
        "order_id", "pk", "product__sku_new", "product__name", "quantity", "returned_quantity"
    ):
        lines[order_id].append(tuple(line))
    return lines


#: "Due soon" (the customer list filter and the dashboard): a pending PA's order deadline is today or within
#: this many days.
DUE_SOON_DAYS = 7


def pending_due_soon(*, on: date) -> Q:
    """The condition on purchase authorizations: pending, order deadline from `on` to DUE_SOON_DAYS days on."""
    return Q(status="pending", order_deadline__gte=on, order_deadline__lte=on + timedelta(days=DUE_SOON_DAYS))


class RequestFilter(TextChoices):
    """The customer list's "Show" filter (the `requests` parameter; the dashboard links to it), in the console's
    words: the filters resellers know, and the dashboard's Order deadline within 7 days. Registered with the
    customer list by AuthorizationsConfig.ready()."""

    NO_PRODUCTS = "no_products", _("No products")
    PENDING_REQUESTS = "pending_requests", _("Pending requests")
    DUE_SOON = "due_soon", _("Order deadline within 7 days")
    PAST_DUE = "past_due", _("Past due requests")


def customer_request_filter(customers: QuerySet[Customer], name: str) -> QuerySet[Customer]:
    """The customers `name` (a RequestFilter) shows; any other name leaves the list as it is."""
    if name == RequestFilter.NO_PRODUCTS:
        return customers.filter(~Exists(Holding.objects.filter(customer=OuterRef("pk"), deployed__gt=0)))
    if name == RequestFilter.PENDING_REQUESTS:
        return customers.filter(Exists(PurchaseAuthorization.objects.filter(customer=OuterRef("pk"), status="pending")))
    if name == RequestFilter.DUE_SOON:
        # A week's deadlines are a small set (~1.5 % of the customers): read them first, then their customers by
        # key, not the customers in name order probing each one's PAs. A scoped list (a reseller's) keeps only
        # its own customers' deadlines before fetching any row: 13,482 lookups → 1,346 at 1 M customers
        # (performance.md, session 5: 173 → ~30 ms).
        due_soon = PurchaseAuthorization.objects.filter(pending_due_soon(on=timezone.localdate())).order_by()
        if customers.query.has_filters():
            due_soon = due_soon.filter(customer_id__in=customers.order_by().values("pk"))
        return customers.filter(InSmallSet("pk", due_soon.values("customer_id")))
    if name == RequestFilter.PAST_DUE:
        return customers.filter(status=CustomerStatus.DELAYED)
    return customers


def pending_customer_keys(*, reseller_ids: Sequence[int]) -> QuerySet:
    """The primary keys, ascending, of these resellers' customers with a pending purchase authorization.

    On PostgreSQL from the rows its triggers keep (`PendingCustomer`): counting them reads one index range per
    reseller, not the reseller's customers joined with every pending PA (~7,800 index entries against ~190,000 at
    1 M customers: 104 → 1 ms).
    Other databases have no triggers and ask the PAs."""
    if connection.vendor == "postgresql":
        kept = PendingCustomer.objects.filter(reseller_id__in=reseller_ids)
        return kept.order_by("customer_id").values_list("customer_id", flat=True)
    pending = PurchaseAuthorization.objects.filter(customer=OuterRef("pk"), status="pending")
    customers = Customer.objects.filter(reseller_id__in=reseller_ids).filter(Exists(pending))
    return customers.order_by("pk").values_list("pk", flat=True)


# ---------------------------------------------------------------------------
# The customer timeline's dates (pages/timeline.py puts them with the renewal year and the notices)
# ---------------------------------------------------------------------------
def pending_order_deadlines(*, customer: Customer) -> list[tuple[str, date]]:
    """(reference, order deadline) of the customer's pending purchase authorizations, soonest first (one query)."""
    return list(
        PurchaseAuthorization.objects.filter(customer=customer, status="pending")
        .order_by("order_deadline", "pk")
        .values_list("reference", "order_deadline")
    )


def pending_quantities(*, customer: Customer) -> dict[int, dict[str, int]]:
    """Per product id, the licences each pending purchase authorization of the customer deploys of it
    ({product id: {reference: quantity}}): deployed until ordered or withdrawn, and released exactly by its
    withdrawal, so a renewal keeps at least their sum (one query)."""
    found: dict[int, dict[str, int]] = {}
    for product_id, reference, quantity in (
        PurchaseAuthorizationLine.objects.filter(
            purchase_authorization__customer=customer,
            purchase_authorization__status="pending",
            removed_at__isnull=True,
        )
        .order_by("purchase_authorization_id")
        .values_list("product_id", "purchase_authorization__reference", "quantity")
    ):
        found.setdefault(product_id, {})[reference] = quantity
    return found


def return_window_ends(*, customer: Customer, on: date) -> list[tuple[str, date]]:
    """(order number, last day to return its lines) of the customer's orders still returnable on ``on``, oldest
    first (one query)."""
    days = timedelta(days=settings.RETURN_WINDOW_DAYS)
    return [
        (number, ordered + days)
        for number, ordered in Order.objects.filter(customer=customer, order_date__gte=on - days)
        .order_by("order_date", "pk")
        .values_list("order_number", "order_date")
    ]
