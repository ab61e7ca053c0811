"""The renewal overview's rows, prepared for templates/renewals/_overview_row.html (issue 15).

As the customer list (customers/rows.py): the page is read with values() (no models, no prefetch), the row and
licence-line HTML rendered once per page and filled in per row, the "{held} held, renew {proposed}" pattern
translated once (in the line's stamp) and the window badge rendered once per state, instead of a
`{% blocktranslate %}` per licence line and an `{% include %}` per row. The same text at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, TypedDict

from django.template.loader import render_to_string
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from resellerconsole.l10n import grouped
from resellerconsole.rendering import RowStamp, id_url

from .dates import window_state
from .selectors import OVERVIEW_CUSTOMER_FIELDS, assigned_counts, overview_row_values

#: What the page reads of selectors.renewal_overview; it holds the orderings' fields, as its keyset pages need.
ROW_VALUES = OVERVIEW_CUSTOMER_FIELDS
#: Around each licence line, as the page's `{% for %}` over them printed it.
_LINE_HEAD, _LINE_TAIL = "\n        ", "\n      "


class OverviewRow(TypedDict):
    url: str
    company_name: str
    vip_id: str | None
    anniversary_date: str
    days_left: str
    window_badge: SafeString
    reseller_name: str
    lines: SafeString


class OverviewLineRow(TypedDict):
    product_name: str
    sku: str
    held: str
    proposed: str


class _Once(dict):
    """`make(value)` of each value, worked out the first time a page asks for it: rows share their quantities
    (the `count` filter's text), dates and numbers (`{{ value }}`'s) and window badges."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: Any) -> str:
        text = self[value] = self.make(value)
        return text


def _badge(state: str) -> SafeString:
    return render_to_string("renewals/_window_badge.html", {"state": state})


def overview_page_rows(customers: Iterable[dict[str, Any]], *, on: date, with_reseller: bool) -> list[SafeString]:
    """One row's HTML per customer of a page read with ROW_VALUES: two queries (their rows, their assigned users)."""
    customers = list(customers)
    ids = [customer["pk"] for customer in customers]
    rows, assigned = overview_row_values(ids), assigned_counts(ids)
    stamp = RowStamp("renewals/_overview_row.html", OverviewRow.__annotations__, {"with_reseller": with_reseller})
    lines = {
        below: RowStamp("renewals/_overview_line.html", OverviewLineRow.__annotations__, {"below_assigned": below})
        for below in (False, True)
    }
    url, badges = id_url("customer-renewals"), _Once(_badge)
    counts, localized = _Once(grouped), _Once(lambda value: str(localize(value)))
    html = []
    for customer in customers:
        pk, anniversary = customer["pk"], customer["anniversary_date"]
        items = [
            lines[proposed < assigned.get((pk, product_id), 0)](
                OverviewLineRow(product_name=product, sku=sku, held=counts[held], proposed=counts[proposed])
            )
            for _customer, row_anniversary, product_id, product, sku, held, proposed in rows[pk]
            if row_anniversary == anniversary  # a past year's rows wait for the next refresh to go
        ]
        html.append(
            stamp(
                OverviewRow(
                    url=url(pk),
                    company_name=customer["company_name"],
                    vip_id=customer["vip_id"],
                    anniversary_date=localized[anniversary],
                    days_left=localized[(anniversary - on).days],
                    window_badge=badges[window_state(anniversary, on)],
                    reseller_name=customer["reseller__name"] if with_reseller else "",
                    lines=mark_safe("".join(f"{_LINE_HEAD}{item}{_LINE_TAIL}" for item in items)),  # noqa: S308  # stamped
                )
            )
        )
    return html
