"""Reads for purchase authorizations and orders (holdings and assignments: licences.selectors)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from customers.models import Customer
from licences.models import Holding

# Holdings and assignments are read in licences; the console pages ask for them here too.
from licences.selectors import HoldingRow, active_assignments, holdings_for, volume_level  # noqa: F401

from .models import Order, OrderLine, PurchaseAuthorization, PurchaseAuthorizationLine


def purchase_authorization_history(*, customer: Customer) -> QuerySet[PurchaseAuthorization]:
    """Newest first, each with its lines, its order (with lines and returns) and who acted: a fixed query count."""
    return (
        PurchaseAuthorization.objects.filter(customer=customer)
        .select_related("created_by", "withdrawn_by", "order", "order__placed_by", "order__duration_set_by")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseAuthorizationLine.objects.select_related("product", "removed_by")),
            Prefetch(
                "order__lines",
                queryset=OrderLine.objects.select_related("product", "return_line__return_authorization__created_by"),
            ),
        )
        .order_by("-deployed_at", "-pk")
    )


def purchase_authorization_get(*, customer: Customer, pk: int) -> PurchaseAuthorization:
    return purchase_authorization_history(customer=customer).get(pk=pk)


def purchase_authorizations_visible_to(user) -> QuerySet[PurchaseAuthorization]:
    from customers.selectors import customers_visible_to

    return PurchaseAuthorization.objects.filter(customer__in=customers_visible_to(user))


def orders_visible_to(user) -> QuerySet[Order]:
    """Console users: their customers' orders; the licensing website: the orders it placed itself."""
    from customers.selectors import customers_visible_to

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
        Prefetch("lines", queryset=OrderLine.objects.select_related("product", "return_line"))
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


def customer_request_filter(customers: QuerySet[Customer], name: str) -> QuerySet[Customer]:
    """The console list filters resellers know: No products, Pending requests, Past due requests; and the
    dashboard's Order deadline within 7 days."""
    if name == "no_products":
        return customers.filter(~Exists(Holding.objects.filter(customer=OuterRef("pk"), deployed__gt=0)))
    if name == "pending_requests":
        return customers.filter(Exists(PurchaseAuthorization.objects.filter(customer=OuterRef("pk"), status="pending")))
    if name == "due_soon":
        due_soon = pending_due_soon(on=timezone.localdate())
        return customers.filter(Exists(PurchaseAuthorization.objects.filter(due_soon, customer=OuterRef("pk"))))
    if name == "past_due":
        return customers.filter(status="delayed")
    return customers


#: The list filter choices, in the console's words.
REQUEST_FILTERS = ("no_products", "pending_requests", "due_soon", "past_due")
