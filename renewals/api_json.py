"""The renewal overview API's list JSON, written out from values() rows (issue 15).

RenewalEntryOutput (renewals.api) stays the documented schema and renders the customer's renewal endpoint; this
gives the same JSON for a page of /api/v1/renewals/ without building models and a prefetch, or running DRF's
field loop per field, line and customer (as authorizations/api_json.py does for the PA and order lists). It reads
the lines as the overview page and its CSV do (selectors.overview_row_values). tests/test_issue15_page_output.py
pins the list's bodies and compares the two renderings on the same data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework import serializers

from .dates import window_state
from .selectors import assigned_counts, overview_row_values

#: What overview_list_json reads of a customer; it holds the orderings' fields, as the keyset pages need.
ENTRY_VALUES = ("pk", "vip_id", "company_name", "reseller__partner_id", "anniversary_date")
#: DRF's own date output (ISO 8601); it keeps no request state.
_DAY = serializers.DateField()


def overview_list_json(customers: list[dict[str, Any]], *, on: date) -> list[dict]:
    """A page of selectors.renewal_overview's ENTRY_VALUES rows as RenewalEntryOutput gives them: their renewal
    rows and assigned users read in one query each. The overview's customers all have an anniversary (their
    current rows carry it), so days_left and window_state are never the serializer's None."""
    ids = [customer["pk"] for customer in customers]
    rows, assigned = overview_row_values(ids), assigned_counts(ids)
    states: dict[date, str] = {}
    entries = []
    for customer in customers:
        pk, anniversary = customer["pk"], customer["anniversary_date"]
        if anniversary not in states:
            states[anniversary] = str(window_state(anniversary, on))
        entries.append(
            {
                "customer": pk,
                "vip_id": customer["vip_id"],
                "company_name": customer["company_name"],
                "reseller": customer["reseller__partner_id"],
                "anniversary_date": _DAY.to_representation(anniversary),
                "days_left": (anniversary - on).days,
                "window_state": states[anniversary],
                "lines": [
                    {
                        "sku": sku,
                        "product": product,
                        "quantity_held": held,
                        "assigned": assigned.get((pk, product_id), 0),
                        "proposed_quantity": proposed,
                    }
                    for _customer, row_anniversary, product_id, product, sku, held, proposed in rows[pk]
                    if row_anniversary == anniversary  # a past year's rows wait for the next refresh to go
                ],
            }
        )
    return entries
