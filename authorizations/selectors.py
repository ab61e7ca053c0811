"""Reads for purchase authorizations and orders (holdings and assignments: licences.selectors)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, TextChoices
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerStatus
from customers.selectors import customers_visible_to
from licences.models import Holding

# Holdings and assignments are read in licences; the console pages ask for them here too.
from licences.selectors import HoldingRow, active_assignments, holdings_for, volume_level  # noqa: F401

from .models import Order, OrderLine, PurchaseAuthorization, PurchaseAuthorizationLine, ReturnLine


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
        due_soon = pending_due_soon(on=timezone.localdate())
        return customers.filter(Exists(PurchaseAuthorization.objects.filter(due_soon, customer=OuterRef("pk"))))
    if name == RequestFilter.PAST_DUE:
        return customers.filter(status=CustomerStatus.DELAYED)
    return customers


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
