"""Calendar rules for orders, durations, deadlines and anniversaries (domain.md, "Orders and duration", "Renewals").

Pure functions on ``datetime.date``: no database, no clock. Callers pass "today" explicitly (the local date
from ``django.utils.timezone.localdate()``), so every rule can be tested at its boundaries.

Month arithmetic is calendar arithmetic that clamps to the last day of the month: 31 January + 1 month is
28 (or 29) February, 31 March - 1 month is 28 (or 29) February.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

#: The first order runs this many months; a co-termed order runs at most this many.
MONTHS_PER_YEAR = 12
#: A leap year, used to check that a (month, day) pair exists in some year (29 February included).
_LEAP_YEAR = 2000


def _require_date(value: object, name: str) -> None:
    """Refuse anything but a plain date: a ``datetime`` is a ``date`` subclass and would slip through silently."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {type(value).__name__}")


def _require_days(days: int) -> None:
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")


def _last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months (negative moves back), clamped to the month's last day.

    >>> add_months(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> add_months(date(2025, 3, 31), -1)
    datetime.date(2025, 2, 28)
    """
    _require_date(day, "day")
    return day + relativedelta(months=months)


def first_anniversary(first_order_date: date) -> date:
    """Return the anniversary set by a customer's first order: 12 months after its order date.

    >>> first_anniversary(date(2024, 1, 16))
    datetime.date(2025, 1, 16)
    >>> first_anniversary(date(2024, 2, 29))
    datetime.date(2025, 2, 28)
    """
    return add_months(first_order_date, MONTHS_PER_YEAR)


def anniversary_in_year(anniversary_month: int, anniversary_day: int, year: int) -> date:
    """Return the anniversary (``anniversary_month``/``anniversary_day``) as it falls in ``year``.

    A 29 February anniversary falls on 28 February in non-leap years and on 29 February in leap years.
    Raises ``ValueError`` for a month/day pair that exists in no year (31 April, 30 February).

    >>> anniversary_in_year(2, 29, 2025)
    datetime.date(2025, 2, 28)
    >>> anniversary_in_year(2, 29, 2028)
    datetime.date(2028, 2, 29)
    """
    date(_LEAP_YEAR, anniversary_month, anniversary_day)  # raises ValueError for an impossible month/day
    return date(year, anniversary_month, min(anniversary_day, _last_day_of_month(year, anniversary_month)))


def next_anniversary(anniversary: date, *, original_day: int | None = None) -> date:
    """Return the anniversary one year after ``anniversary`` (what a processed renewal moves it to).

    ``original_day`` is the day of month the anniversary was first set on (29 for a first order on
    29 February); it defaults to ``anniversary.day``. The result keeps that day wherever the next year's
    month has it, so a 29 February anniversary goes 28 Feb 2025 → 28 Feb 2026 → 28 Feb 2027 → 29 Feb 2028.
    Without ``original_day`` a clamped anniversary (28 Feb 2025) would stay on the 28th for good.

    Raises ``ValueError`` when ``original_day`` is no day of the anniversary's month (31 April) or does not
    match ``anniversary`` (the anniversary must be the original day, or the month's last day in a year where
    the month is shorter).

    >>> next_anniversary(date(2027, 2, 28), original_day=29)
    datetime.date(2028, 2, 29)
    """
    _require_date(anniversary, "anniversary")
    if original_day is None:
        original_day = anniversary.day
    if not 1 <= original_day <= _last_day_of_month(_LEAP_YEAR, anniversary.month):
        raise ValueError(f"original_day {original_day} does not exist in month {anniversary.month}")
    if anniversary.day != min(original_day, _last_day_of_month(anniversary.year, anniversary.month)):
        raise ValueError(f"anniversary {anniversary.isoformat()} does not fall on original day {original_day}")
    year = anniversary.year + 1
    return date(year, anniversary.month, min(original_day, _last_day_of_month(year, anniversary.month)))


def co_term_months(order_date: date, anniversary: date) -> int:
    """Return the duration, in months, of a later order co-termed to the customer's next ``anniversary``.

    Whole months from ``order_date`` to ``anniversary``, counted back from the anniversary on its day of
    month, a started month counting as a whole one: the smallest ``n >= 1`` with
    ``add_months(anniversary, -n) <= order_date``, at most 12 (an order more than 12 months before the
    anniversary runs 12 months).

    Raises ``ValueError`` when ``order_date`` is on or after ``anniversary``: the order belongs to the next
    anniversary period (renew first, which moves the anniversary).

    >>> co_term_months(date(2024, 11, 16), date(2025, 1, 16))
    2
    >>> co_term_months(date(2024, 11, 15), date(2025, 1, 16))
    3
    """
    _require_date(order_date, "order_date")
    _require_date(anniversary, "anniversary")
    if order_date >= anniversary:
        raise ValueError(f"order date {order_date.isoformat()} is not before the anniversary {anniversary.isoformat()}")
    for months in range(1, MONTHS_PER_YEAR + 1):
        if add_months(anniversary, -months) <= order_date:
            return months
    return MONTHS_PER_YEAR


def proposed_duration_months(*, order_date: date, anniversary: date | None) -> int:
    """Return the duration the console proposes for an order (the reseller may change it within 1–12).

    12 months for the customer's first order (``anniversary`` is ``None``: this order sets it), otherwise
    :func:`co_term_months` to the next anniversary (which raises ``ValueError`` for an order on or after it).
    """
    _require_date(order_date, "order_date")
    if anniversary is None:
        return MONTHS_PER_YEAR
    return co_term_months(order_date, anniversary)


def days_left(deadline: date, today: date) -> int:
    """Return the days from ``today`` to ``deadline``: 0 on the deadline itself, negative once it has passed."""
    _require_date(deadline, "deadline")
    _require_date(today, "today")
    return (deadline - today).days


def order_deadline(created_on: date, days: int) -> date:
    """Return the last day on which an order for a purchase authorization created on ``created_on`` is on time.

    ``days`` is the order-deadline setting (30 by default): created 1 Jan 2026 → deadline 31 Jan 2026.
    """
    _require_date(created_on, "created_on")
    _require_days(days)
    return created_on + timedelta(days=days)


def is_overdue(deadline: date, today: date) -> bool:
    """Return whether ``today`` is past ``deadline`` (the deadline day itself is still on time)."""
    _require_date(deadline, "deadline")
    _require_date(today, "today")
    return today > deadline


def return_window_open(order_date: date, today: date, days: int) -> bool:
    """Return whether ``today`` lies in the return window: from ``order_date`` through ``order_date + days``.

    With ``days=14``, day 14 after the order is the last open day and day 15 is closed.
    """
    _require_date(order_date, "order_date")
    _require_date(today, "today")
    _require_days(days)
    return order_date <= today <= order_date + timedelta(days=days)
