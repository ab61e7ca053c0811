"""The order and authorization history as CSV or XLSX: every purchase authorization, order, return and renewal of
the customers the user may see (or of one of them), one row per product line, oldest first within each kind."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import console_view
from authorizations.models import OrderLine, PurchaseAuthorizationLine, PurchaseAuthorizationStatus, ReturnLine
from customers.selectors import customers_visible_to
from resellerconsole.exports import export_response

from .models import RenewalLine

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
    ]


def rows(customers):
    """Four set-wise reads streamed one after the other (a server-side cursor each on PostgreSQL)."""
    statuses = dict(PurchaseAuthorizationStatus.choices)
    kinds = {
        "pa": _("Purchase authorization"),
        "order": _("Order"),
        "return": _("Return"),
        "renewal": _("Renewal"),
    }
    lines = PurchaseAuthorizationLine.objects.filter(purchase_authorization__customer__in=customers).order_by("pk")
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
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, deployed, status, product, sku, quantity = pa_row
        yield [name, vip_id, kinds["pa"], reference, po, "", deployed, str(statuses.get(status, status)), "", product,
               sku, quantity, ""]  # fmt: skip
    order_lines = OrderLine.objects.filter(order__customer__in=customers).order_by("pk")
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
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, number, day, months, proposed, product, sku, quantity = order_row
        yield [name, vip_id, kinds["order"], reference, po, number, day, "", months or proposed, product, sku,
               quantity, ""]  # fmt: skip
    return_lines = ReturnLine.objects.filter(return_authorization__order__customer__in=customers).order_by("pk")
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
    ).iterator(chunk_size=CHUNK):
        name, vip_id, reference, po, number, day, product, sku, quantity = return_row
        yield [name, vip_id, kinds["return"], reference, po, number, day, "", "", product, sku, quantity, ""]
    renewal_lines = RenewalLine.objects.filter(renewal__customer__in=customers).order_by("pk")
    for renewal_row in renewal_lines.values_list(
        "renewal__customer__company_name",
        "renewal__customer__vip_id",
        "renewal__order_number",
        "renewal__order_date",
        "product__name",
        "product__sku_renewal",
        "quantity_after",
        "quantity_before",
    ).iterator(chunk_size=CHUNK):
        name, vip_id, number, day, product, sku, after, before = renewal_row
        yield [name, vip_id, kinds["renewal"], "", "", number, day, "", 12, product, sku, after, before]


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
