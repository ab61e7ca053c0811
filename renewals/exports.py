"""The order and authorization history as CSV or XLSX: every purchase authorization, order, return and renewal of
the customers the user may see (or of one of them), one row per product line, oldest first within each kind, each
with the channel of its recorded event (as the history tabs' cards say it); and the renewal overview as CSV."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from django.db.models import CharField, IntegerField, OuterRef, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import console_view
from authorizations.models import OrderLine, PurchaseAuthorizationLine, PurchaseAuthorizationStatus, ReturnLine
from customers.models import CustomerEvent
from customers.selectors import customers_visible_to
from resellerconsole.audit import channel_text
from resellerconsole.exports import export_response

from .dates import window_state
from .models import RenewalLine
from .selectors import OVERVIEW_CUSTOMER_FIELDS, assigned_counts, overview_row_values

CHUNK = 2000


def header() -> list[str]:
    return [
        _("Company name"),
        _("VIP ID"),
        _("Record"),
        _("Purchase authorization"),
        _("Customer PO number"),
        _("Order number"),
        _("Date"),
        _("Status"),
        _("Duration (months)"),
        _("Product"),
        _("SKU"),
        _("Quantity"),
        _("Quantity before"),
        _("Channel"),
    ]


Kind = CustomerEvent.Kind


def _events(kind: str, customer: str):
    """The row's customer's events of `kind`."""
    return CustomerEvent.objects.filter(customer=OuterRef(customer), kind=kind)


def _first(events) -> Subquery:
    """The first of these events' channel as "source detail" (one value for the row to read)."""
    recorded = Concat("source", Value(" "), "source_detail", output_field=CharField())
    return Subquery(events.order_by("pk").values(recorded=recorded)[:1], output_field=CharField())


def _named(kind: str, key: str, outer: str, *, customer: str) -> Subquery:
    """The channel of the event whose parameter `key` names the row (`outer`: the row's field that it equals)."""
    events = _events(kind, customer).annotate(named=KT(f"parameters__{key}")).filter(named=OuterRef(outer))
    return _first(events)


def _return_channel() -> Coalesce:
    """A return's event names its return (return_id); one written before that is the order's first unnamed
    return event from the return's time on (written in the return's transaction, after its row)."""
    named = (
        _events(Kind.RETURN_REQUESTED, "return_authorization__order__customer")
        .annotate(return_id=Cast(KT("parameters__return_id"), IntegerField()))
        .filter(return_id=OuterRef("return_authorization_id"))
    )
    unnamed = (
        _events(Kind.RETURN_REQUESTED, "return_authorization__order__customer")
        .annotate(number=KT("parameters__order_number"), return_id=KT("parameters__return_id"))
        .filter(
            number=OuterRef("return_authorization__order__order_number"),
            return_id__isnull=True,
            at__gte=OuterRef("return_authorization__created_at"),
        )
    )
    return Coalesce(_first(named), _first(unnamed))


class _Channels(dict):
    """The column's text of each recorded "source detail" (and auto-renewal), as the history's cards say it; ""
    when no event was recorded. Worked out once per value: an export has a handful of them and many rows."""

    def __missing__(self, key: tuple[str | None, bool]) -> str:
        recorded, automatic = key
        text = ""
        if recorded:
            source, _space, detail = recorded.partition(" ")
            text = channel_text(source, detail)
            if automatic:
                text = f"{text} ({_('auto-renewal')})"
        self[key] = text
        return text


def rows(customers):
    """Four set-wise reads streamed one after the other (a server-side cursor each on PostgreSQL)."""
    statuses = dict(PurchaseAuthorizationStatus.choices)
    channels = _Channels()
    kinds = {
        "pa": _("Purchase authorization"),
        "order": _("Order"),
        "return": _("Return"),
        "renewal": _("Renewal"),
    }
    lines = (
        PurchaseAuthorizationLine.objects.filter(purchase_authorization__customer__in=customers)
        .annotate(
            channel=_named(
                Kind.PA_CREATED,
                "reference",
                "purchase_authorization__reference",
                customer="purchase_authorization__customer",
            )
        )
        .order_by("pk")
    )
    for pa_row in lines.values_list(
        "purchase_authorization__customer__company_name",
        "purchase_authorization__customer__vip_id",
        "purchase_authorization__reference",
        "purchase_authorization__po_number",
        "purchase_authorization__deployed_at",
        "purchase_authorization__status",
        "product__name",
        "product__sku_new",
        "quantity",
        "channel",
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, deployed, status, product, sku, quantity, channel = pa_row
        yield [name, vip_id, kinds["pa"], reference, po, "", deployed, str(statuses.get(status, status)), "", product,
               sku, quantity, "", channels[channel, False]]  # fmt: skip
    order_lines = (
        OrderLine.objects.filter(order__customer__in=customers)
        .annotate(channel=_named(Kind.ORDER_PLACED, "order_number", "order__order_number", customer="order__customer"))
        .order_by("pk")
    )
    for order_row in order_lines.values_list(
        "order__customer__company_name",
        "order__customer__vip_id",
        "order__purchase_authorization__reference",
        "order__purchase_authorization__po_number",
        "order__order_number",
        "order__order_date",
        "order__duration_months",
        "order__duration_months_proposed",
        "product__name",
        "product__sku_new",
        "quantity",
        "channel",
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, number, day, months, proposed, product, sku, quantity, channel = order_row
        yield [name, vip_id, kinds["order"], reference, po, number, day, "", months or proposed, product, sku,
               quantity, "", channels[channel, False]]  # fmt: skip
    return_lines = (
        ReturnLine.objects.filter(return_authorization__order__customer__in=customers)
        .annotate(channel=_return_channel())
        .order_by("pk")
    )
    for return_row in return_lines.values_list(
        "return_authorization__order__customer__company_name",
        "return_authorization__order__customer__vip_id",
        "return_authorization__order__purchase_authorization__reference",
        "return_authorization__order__purchase_authorization__po_number",
        "return_authorization__order__order_number",
        "return_authorization__created_at",
        "order_line__product__name",
        "order_line__product__sku_new",
        "quantity",
        "channel",
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, number, day, product, sku, quantity, channel = return_row
        yield [name, vip_id, kinds["return"], reference, po, number, day, "", "", product, sku, quantity, "",
               channels[channel, False]]  # fmt: skip
    renewal_lines = (
        RenewalLine.objects.filter(renewal__customer__in=customers)
        .annotate(channel=_named(Kind.RENEWED, "order_number", "renewal__order_number", customer="renewal__customer"))
        .order_by("pk")
    )
    for renewal_row in renewal_lines.values_list(
        "renewal__customer__company_name",
        "renewal__customer__vip_id",
        "renewal__order_number",
        "renewal__order_date",
        "product__name",
        "product__sku_renewal",
        "quantity_after",
        "quantity_before",
        "channel",
        "renewal__automatic",
    ).iterator(chunk_size=CHUNK):
        name, vip_id, number, day, product, sku, after, before, channel, automatic = renewal_row
        yield [name, vip_id, kinds["renewal"], "", "", number, day, "", 12, product, sku, after, before,
               channels[channel, automatic]]  # fmt: skip


@console_view
def history_export(request, fmt: str, pk: int | None = None):
    """Every visible customer's history, or (with `pk`) one customer's: another reseller's customer is a 404."""
    customers = customers_visible_to(request.user)
    filename = f"history-{timezone.localdate().isoformat()}"
    if pk is not None:
        customer = get_object_or_404(customers, pk=pk)
        customers = customers.filter(pk=customer.pk)
        filename = f"history-{customer.vip_id or customer.pk}-{timezone.localdate().isoformat()}"
    return export_response(
        fmt=fmt,
        filename=filename,
        title=_("Order and authorization history"),
        header=header(),
        rows=rows(customers.values("pk")),
    )


# ---------------------------------------------------------------------------
# The renewal overview as CSV (renewals.views.renewal_overview_csv)
# ---------------------------------------------------------------------------


def overview_header() -> list[str]:
    return [
        _("Customer"),
        _("VIP ID"),
        _("Reseller"),
        _("Anniversary date"),
        _("Days left"),
        _("Window"),
        _("Product"),
        _("Renewal SKU"),
        _("Quantity held"),
        _("Assigned to users"),
        _("Renewal quantity"),
    ]


def overview_customers(customers) -> Iterator[tuple]:
    """The overview's customers as plain tuples, read through a server-side cursor in their page order: building
    a model instance with its prefetched rows per customer was 6 of the 7 s of a 24,000-customer export."""
    return customers.prefetch_related(None).values_list(*OVERVIEW_CUSTOMER_FIELDS).iterator(chunk_size=CHUNK)


def _chunks(items: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """itertools.batched, which Python 3.11 lacks."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def overview_rows(customers: Iterable[tuple], *, on, windows: dict[str, str]) -> Iterator[list]:
    """One line per product of each customer's current renewal rows, CHUNK customers at a time (two queries a
    chunk: their rows and their assigned users); `windows` are the window labels, translated before the response
    streams."""
    for chunk in _chunks(customers, CHUNK):
        ids = [customer[0] for customer in chunk]
        assigned = assigned_counts(ids)
        rows = overview_row_values(ids)
        for pk, name, vip_id, reseller, anniversary in chunk:
            days_left, window = (anniversary - on).days, windows[window_state(anniversary, on)]
            for _customer, row_anniversary, product_id, product, sku, held, proposed in rows[pk]:
                if row_anniversary == anniversary:  # a past year's rows wait for the next refresh to go
                    yield [name, vip_id, reseller, anniversary, days_left, window, product, sku, held,
                           assigned.get((pk, product_id), 0), proposed]  # fmt: skip
