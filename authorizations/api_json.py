"""The API lists' JSON of purchase authorizations and orders, written out from values() rows (issue 15).

PurchaseAuthorizationOutput and OrderOutput (authorizations.api) stay the documented schema and render the
detail endpoints; these functions give the same JSON for a page without building models or running DRF's field
loop per field and row (15-20 ms of a list's Python at 1 M customers). tests/test_issue15_api_lists.py compares
the two and pins both lists' bodies.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from . import dates, selectors, services
from .models import PurchaseAuthorizationStatus

#: What order_json reads of an order (the order list reads these with values()).
ORDER_VALUES = (
    "pk",
    "order_number",
    "order_date",
    "purchase_authorization__reference",
    "customer_id",
    "duration_months_proposed",
    "duration_months",
    "entered_by_hand",
    "created_at",
)
#: What purchase_authorization_json reads of a PA, its order's fields among them (None without an order).
PA_VALUES = (
    "pk",
    "reference",
    "customer_id",
    "license_type",
    "status",
    "po_number",
    "deployed_at",
    "order_deadline",
    "created_by__username",
    "withdrawn_at",
    *(f"order__{name}" for name in ORDER_VALUES if name != "purchase_authorization__reference"),
)
#: DRF's own date and datetime output (ISO 8601, datetimes in the current time zone); they keep no request state.
_MOMENT = serializers.DateTimeField()
_DAY = serializers.DateField()
_ORDERED = PurchaseAuthorizationStatus.ORDERED
_PENDING = PurchaseAuthorizationStatus.PENDING


def order_json(row: dict[str, Any], lines: list[tuple]) -> dict:
    """OrderOutput's output from ORDER_VALUES and the order's selectors.order_line_rows."""
    return {
        "id": row["pk"],
        "order_number": row["order_number"],
        "order_date": _DAY.to_representation(row["order_date"]),
        "purchase_authorization": row["purchase_authorization__reference"],
        "customer": row["customer_id"],
        "duration_months_proposed": row["duration_months_proposed"],
        "duration_months": row["duration_months"],
        "entered_by_hand": bool(row["entered_by_hand"]),
        "lines": [
            {
                "id": pk,
                "sku": sku,
                "product": product,
                "quantity": quantity,
                "returned": quantity == returned,
                "returned_quantity": returned,
                "remaining_quantity": quantity - returned,
            }
            for pk, sku, product, quantity, returned in lines
        ],
        "created_at": _MOMENT.to_representation(row["created_at"]),
    }


def order_list_json(rows: list[dict[str, Any]]) -> list[dict]:
    """A page of the order list's ORDER_VALUES rows as JSON, their lines read in one query."""
    lines = selectors.order_line_rows(order_ids=[row["pk"] for row in rows])
    return [order_json(row, lines[row["pk"]]) for row in rows]


def _pa_order(row: dict[str, Any]) -> dict[str, Any]:
    order = {name: row.get(f"order__{name}") for name in ORDER_VALUES}
    order["purchase_authorization__reference"] = row["reference"]
    return order


def purchase_authorization_list_json(rows: list[dict[str, Any]], *, vip_id: str | None) -> list[dict]:
    """A page of one customer's (with `vip_id`) PA_VALUES rows as PurchaseAuthorizationOutput gives them: their
    lines and their orders' lines read in one query each."""
    moment = _MOMENT.to_representation
    today = services.today()
    lines = selectors.purchase_authorization_line_rows(pa_ids=[row["pk"] for row in rows])
    # A PA's order is shown while the PA is ordered (as get_order does).
    ordered = [row for row in rows if row["status"] == _ORDERED and row["order__pk"] is not None]
    order_lines = selectors.order_line_rows(order_ids=[row["order__pk"] for row in ordered])
    orders = {row["pk"]: order_json(_pa_order(row), order_lines[row["order__pk"]]) for row in ordered}
    return [
        {
            "id": row["pk"],
            "reference": row["reference"],
            "customer": row["customer_id"],
            "vip_id": vip_id,
            "license_type": row["license_type"],
            "status": row["status"],
            "po_number": row["po_number"],
            "deployed_at": moment(row["deployed_at"]),
            "order_deadline": _DAY.to_representation(row["order_deadline"]),
            "days_left": dates.days_left(row["order_deadline"], today) if row["status"] == _PENDING else None,
            "created_by": row["created_by__username"],
            "withdrawn_at": moment(row["withdrawn_at"]),
            "lines": [
                {"sku": sku, "product": product, "quantity": quantity, "removed_at": moment(removed_at)}
                for sku, product, quantity, removed_at in lines[row["pk"]]
            ],
            "order": orders.get(row["pk"]),
        }
        for row in rows
    ]
