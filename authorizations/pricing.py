"""What an order costs, prorated to the anniversary (domain.md, "Orders and duration").

Pure functions on dates, quantities and ``Decimal`` prices: no database, no clock.

The rule, from domain.md: *the first order runs 12 months. Later orders are co-termed to the anniversary:
duration = whole months from the order date to the next anniversary, months counted on the anniversary's day
of month, a started month counting as a whole one (no partial months).* Products carry a yearly unit price,
so a line costs ``yearly unit price × licences × months ÷ 12`` (monthly proration).

domain.md does not say how to round; the decision here: each line is rounded to the cent, half up
(2.345 → 2.35), computed exactly (no binary floating point, no intermediate rounding), and a total is the sum
of its rounded lines, per currency, as an invoice shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from . import dates


class PricedProduct(Protocol):
    name: str
    sku_new: str
    unit_price: Decimal
    currency: str


def prorated_amount(*, yearly_unit_price: Decimal, quantity: int, months: int) -> Decimal:
    """Return ``yearly_unit_price × quantity × months ÷ 12`` rounded half up to the cent.

    >>> prorated_amount(yearly_unit_price=Decimal("100.00"), quantity=1, months=1)
    Decimal('8.33')
    >>> prorated_amount(yearly_unit_price=Decimal("0.10"), quantity=3, months=6)
    Decimal('0.15')
    """
    if yearly_unit_price < 0:
        raise ValueError(f"the unit price must not be negative, got {yearly_unit_price}")
    if quantity < 0:
        raise ValueError(f"the quantity must not be negative, got {quantity}")
    if not 0 <= months <= dates.MONTHS_PER_YEAR:
        raise ValueError(f"months must be from 0 to {dates.MONTHS_PER_YEAR}, got {months}")
    cents = Fraction(yearly_unit_price) * quantity * months * 100 / dates.MONTHS_PER_YEAR
    whole, rest = divmod(cents.numerator, cents.denominator)
    if 2 * rest >= cents.denominator:
        whole += 1
    return Decimal(whole).scaleb(-2)


def order_anniversary(*, order_date: date, anniversary: date | None, anniversary_day: int | None = None) -> date:
    """Return the anniversary an order placed on ``order_date`` runs to.

    The customer's first order (``anniversary`` is ``None``) sets it 12 months on. An order on or after the
    anniversary (not renewed yet, in the grace period) co-terms with the anniversary after it, as the order
    intake proposes.
    """
    if anniversary is None:
        return dates.first_anniversary(order_date)
    while anniversary <= order_date:
        anniversary = dates.next_anniversary(anniversary, original_day=anniversary_day)
    return anniversary


@dataclass(frozen=True)
class PricedLine:
    product: PricedProduct
    quantity: int
    months: int
    amount: Decimal

    @property
    def unit_price(self) -> Decimal:
        return self.product.unit_price

    @property
    def currency(self) -> str:
        return self.product.currency


@dataclass(frozen=True)
class Quote:
    """Lines priced for ``months`` months, from ``on`` to ``anniversary``."""

    on: date
    anniversary: date
    months: int
    lines: tuple[PricedLine, ...]
    #: The order sets the anniversary (the customer's first order): it runs 12 months.
    sets_anniversary: bool = False

    @property
    def prorated_days(self) -> int:
        """The days the price covers: the ``months`` whole months counted back from the anniversary (monthly
        proration prices a started month as a whole one), as VIP Marketplace previews report ``proratedDays``."""
        return (self.anniversary - dates.add_months(self.anniversary, -self.months)).days

    @property
    def totals(self) -> list[tuple[str, Decimal]]:
        """(currency, sum of the rounded lines), one per currency, by currency code."""
        sums: dict[str, Decimal] = {}
        for line in self.lines:
            sums[line.currency] = sums.get(line.currency, Decimal("0.00")) + line.amount
        return sorted(sums.items())


def _price(lines: Sequence[tuple[PricedProduct, int]], months: int) -> tuple[PricedLine, ...]:
    return tuple(
        PricedLine(
            product,
            quantity,
            months,
            prorated_amount(yearly_unit_price=product.unit_price, quantity=quantity, months=months),
        )
        for product, quantity in lines
    )


def order_quote(
    *,
    lines: Sequence[tuple[PricedProduct, int]],
    order_date: date,
    anniversary: date | None,
    anniversary_day: int | None = None,
) -> Quote:
    """The duration the console proposes for an order on ``order_date`` and each line's prorated amount.

    ``anniversary`` is the customer's (``None`` before its first order).
    """
    runs_to = order_anniversary(order_date=order_date, anniversary=anniversary, anniversary_day=anniversary_day)
    months = dates.proposed_duration_months(order_date=order_date, anniversary=None if anniversary is None else runs_to)
    return Quote(order_date, runs_to, months, _price(lines, months), sets_anniversary=anniversary is None)


def addition_quote(*, products: Sequence[PricedProduct], quantity: int, on: date, anniversary: date) -> Quote:
    """What ``quantity`` more licences of each of ``products`` cost when added on ``on``, co-termed to
    ``anniversary`` (which must be after ``on``: :func:`dates.co_term_months` raises ``ValueError`` otherwise)."""
    months = dates.co_term_months(on, anniversary)
    return Quote(on, anniversary, months, _price([(product, quantity) for product in products], months))


@dataclass(frozen=True)
class OrderCalculation:
    """The order form's calculator: the order as proposed and, when asked, N licences added later."""

    order: Quote
    addition: Quote | None = None
    #: Licences of each product the addition adds.
    add_quantity: int | None = None


def order_calculation(
    *,
    lines: Sequence[tuple[PricedProduct, int]],
    order_date: date,
    anniversary: date | None,
    anniversary_day: int | None = None,
    add_quantity: int | None = None,
    add_date: date | None = None,
) -> OrderCalculation:
    """:func:`order_quote` for ``order_date``, plus :func:`addition_quote` of ``add_quantity`` licences of each
    product on ``add_date`` when both are given and ``add_date`` lies in the order's term (from the order date to
    the day before the anniversary); otherwise no addition."""
    order = order_quote(lines=lines, order_date=order_date, anniversary=anniversary, anniversary_day=anniversary_day)
    addition = None
    if add_quantity and add_date is not None and order_date <= add_date < order.anniversary:
        addition = addition_quote(
            products=[product for product, _quantity in lines],
            quantity=add_quantity,
            on=add_date,
            anniversary=order.anniversary,
        )
    return OrderCalculation(order, addition, add_quantity if addition else None)
