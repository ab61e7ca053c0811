"""Geometry of the dashboard's two bar charts; the templates draw them as SVG and write every text in it.

Coordinates are handed over as strings: a number printed by a template would be localised ("12,5" in
Swedish), which SVG reads as two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from resellerconsole.l10n import money_text, month_label, month_year_label

from .selectors import DayOfDeadlines, MonthOfAnniversaries


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _length(value: float, largest: float, full: float) -> float:
    """A bar's length; a value above zero is never drawn thinner than one unit, so it never disappears."""
    if value <= 0 or largest <= 0:
        return 0.0
    return max(full * value / largest, 1.0)


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str


# ---------------------------------------------------------------------------
# Anniversaries per month: horizontal bars, renewal value above licences
# ---------------------------------------------------------------------------
ANNIVERSARY_WIDTH = 640
ANNIVERSARY_TOP = 32  # the legend
ANNIVERSARY_ROW = 38
MONTH_LABEL_X = 92
BAR_X = 100
BAR_LENGTH = 330
LABEL_GAP = 6


@dataclass(frozen=True)
class AnniversaryRow:
    month: MonthOfAnniversaries
    month_label_y: str
    value_bar: Bar | None
    value_label_x: str
    value_label_y: str
    licence_bar: Bar | None
    licence_label_x: str
    licence_label_y: str
    #: The month's renewal value as text, in the active language: shown twice (on the bar and in the table).
    value_text: str


@dataclass(frozen=True)
class AnniversaryChart:
    width: str
    height: str
    rows: list[AnniversaryRow]
    #: The value bars are drawn only when every price is in one currency (amounts in two do not add up).
    currency: str | None
    total_licences: int
    total_values: tuple[tuple[str, Decimal], ...]

    @property
    def months(self) -> list[MonthOfAnniversaries]:
        return [row.month for row in self.rows]

    @property
    def marks(self) -> SafeString:
        """The months' labels, bars and numbers as SVG, written here at once rather than by a template loop of
        ~20 lookups, two filters and a plural translation a month. Each text is escaped; the rest are numbers."""
        parts = []
        for row in self.rows:
            month = row.month
            parts.append(
                f'\n    <text class="chart-axis" x="92" y="{row.month_label_y}" text-anchor="end">'
                f"{escape(month_year_label(month.month))}</text>"
            )
            if bar := row.value_bar:
                parts.append(
                    f'\n    <rect class="chart-bar-value" x="{bar.x}" y="{bar.y}" width="{bar.width}"'
                    f' height="{bar.height}"/>'
                )
            if month.values:
                parts.append(
                    f'\n    <text class="chart-number" x="{row.value_label_x}" y="{row.value_label_y}">'
                    f"{escape(row.value_text)}</text>"
                )
            if bar := row.licence_bar:
                parts.append(
                    f'\n    <rect class="chart-bar-licences" x="{bar.x}" y="{bar.y}" width="{bar.width}"'
                    f' height="{bar.height}"/>'
                )
            licences = ngettext("%(n)s licence", "%(n)s licences", month.licences) % {
                "n": escape(floatformat(month.licences, "g"))
            }
            parts.append(
                f'\n    <text class="chart-number" x="{row.licence_label_x}" y="{row.licence_label_y}">'
                f"{licences}</text>"
            )
        return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped texts only

    @property
    def table_rows(self) -> SafeString:
        """The table's rows, a month each, written here for the same reason as the marks."""
        return mark_safe(  # noqa: S308 - numbers and escaped texts only
            "".join(
                f'\n        <tr><th scope="row">{escape(date_filter(row.month.month, "YEAR_MONTH_FORMAT"))}</th>'
                f"<td>{escape(row.value_text) or '—'}</td><td>{floatformat(row.month.licences, 'g')}</td></tr>"
                for row in self.rows
            )
        )


def anniversary_chart(months: list[MonthOfAnniversaries]) -> AnniversaryChart:
    currencies = [currency for currency, _value in months[0].values] if months else []
    currency = currencies[0] if len(currencies) == 1 else None
    largest_value = max((float(m.values[0][1]) for m in months), default=0.0) if currency else 0.0
    largest_licences = max((m.licences for m in months), default=0)
    rows = []
    for index, month in enumerate(months):
        top = ANNIVERSARY_TOP + index * ANNIVERSARY_ROW
        value_length = _length(float(month.values[0][1]), largest_value, BAR_LENGTH) if currency else 0.0
        licence_length = _length(month.licences, largest_licences, BAR_LENGTH)
        rows.append(
            AnniversaryRow(
                month=month,
                month_label_y=_n(top + 21),
                value_bar=Bar(_n(BAR_X), _n(top + 4), _n(value_length), "14") if value_length else None,
                value_label_x=_n(BAR_X + value_length + LABEL_GAP),
                value_label_y=_n(top + 15),
                licence_bar=Bar(_n(BAR_X), _n(top + 21), _n(licence_length), "10") if licence_length else None,
                licence_label_x=_n(BAR_X + licence_length + LABEL_GAP),
                licence_label_y=_n(top + 30),
                value_text=" + ".join(money_text(amount, code) for code, amount in month.values),
            )
        )
    totals = tuple(
        (currency_code, sum((dict(m.values)[currency_code] for m in months), Decimal("0.00")))
        for currency_code in currencies
    )
    return AnniversaryChart(
        width=_n(ANNIVERSARY_WIDTH),
        height=_n(ANNIVERSARY_TOP + len(months) * ANNIVERSARY_ROW + 4),
        rows=rows,
        currency=currency,
        total_licences=sum(m.licences for m in months),
        total_values=totals,
    )


# ---------------------------------------------------------------------------
# Order deadlines per day: vertical bars, the count above each
# ---------------------------------------------------------------------------
DEADLINE_LEFT = 20
DEADLINE_COLUMN = 20
DEADLINE_BAR = 14
DEADLINE_TOP = 22  # room for the tallest bar's count
DEADLINE_PLOT = 110
DEADLINE_BASE = DEADLINE_TOP + DEADLINE_PLOT


@dataclass(frozen=True)
class DeadlineColumn:
    day: DayOfDeadlines
    bar: Bar | None
    centre_x: str
    count_label_y: str
    #: The day of the month (what the date filter's "j" writes, without its cost for each of 30 columns).
    day_label: str
    #: The month's name goes under the first day and under each 1st.
    shows_month: bool


@dataclass(frozen=True)
class DeadlineChart:
    width: str
    height: str
    base_y: str
    axis_start_x: str
    axis_end_x: str
    day_label_y: str
    month_label_y: str
    columns: list[DeadlineColumn]
    total: int
    busiest: DayOfDeadlines | None

    @property
    def marks(self) -> SafeString:
        """The columns' bars and texts as SVG, written here at once: the template's loop cost ~10 variable lookups
        and a date filter for each of the 30 columns. Each text is escaped; the rest are numbers."""
        parts = []
        for column in self.columns:
            centre = column.centre_x
            if column.bar:
                bar = column.bar
                parts.append(
                    f'\n    <rect class="chart-bar-deadline" x="{bar.x}" y="{bar.y}" width="{bar.width}"'
                    f' height="{bar.height}"/>\n    <text class="chart-number" x="{centre}"'
                    f' y="{column.count_label_y}" text-anchor="middle">{column.day.purchase_authorizations}</text>'
                )
            parts.append(
                f'\n    <text class="chart-axis" x="{centre}" y="{self.day_label_y}" text-anchor="middle">'
                f"{column.day_label}</text>"
            )
            if column.shows_month:
                parts.append(
                    f'\n    <text class="chart-axis" x="{centre}" y="{self.month_label_y}" text-anchor="middle">'
                    f"{escape(month_label(column.day.day))}</text>"
                )
        return mark_safe("".join(parts))  # noqa: S308 - numbers and escaped texts only

    @property
    def table_rows(self) -> SafeString:
        """The table's rows, a day with deadlines each, written here for the same reason as the marks."""
        return mark_safe(  # noqa: S308 - numbers and escaped texts only
            "".join(
                f'\n        <tr><th scope="row">{escape(date_filter(column.day.day, "DATE_FORMAT"))}</th>'
                f"<td>{column.day.purchase_authorizations}</td></tr>"
                for column in self.columns
                if column.day.purchase_authorizations
            )
        )


def deadline_chart(days: list[DayOfDeadlines]) -> DeadlineChart:
    largest = max((d.purchase_authorizations for d in days), default=0)
    columns = []
    for index, day in enumerate(days):
        left = DEADLINE_LEFT + index * DEADLINE_COLUMN
        height = _length(day.purchase_authorizations, largest, DEADLINE_PLOT)
        bar_x = left + (DEADLINE_COLUMN - DEADLINE_BAR) / 2
        columns.append(
            DeadlineColumn(
                day=day,
                bar=Bar(_n(bar_x), _n(DEADLINE_BASE - height), _n(DEADLINE_BAR), _n(height)) if height else None,
                centre_x=_n(left + DEADLINE_COLUMN / 2),
                count_label_y=_n(DEADLINE_BASE - height - 5),
                day_label=str(day.day.day),
                shows_month=index == 0 or day.day.day == 1,
            )
        )
    busiest = max(days, key=lambda d: d.purchase_authorizations, default=None)
    return DeadlineChart(
        width=_n(DEADLINE_LEFT * 2 + len(days) * DEADLINE_COLUMN),
        height=_n(DEADLINE_BASE + 40),
        base_y=_n(DEADLINE_BASE),
        axis_start_x=_n(DEADLINE_LEFT),
        axis_end_x=_n(DEADLINE_LEFT + len(days) * DEADLINE_COLUMN),
        day_label_y=_n(DEADLINE_BASE + 16),
        month_label_y=_n(DEADLINE_BASE + 32),
        columns=columns,
        total=sum(d.purchase_authorizations for d in days),
        busiest=busiest if busiest and busiest.purchase_authorizations else None,
    )
