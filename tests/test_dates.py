"""Boundary cases for the calendar rules in authorizations/dates.py (pure functions: no database)."""

import doctest
from datetime import date, datetime, timedelta

import pytest

from authorizations import dates
from authorizations.dates import (
    add_months,
    anniversary_in_year,
    co_term_months,
    days_left,
    first_anniversary,
    is_overdue,
    next_anniversary,
    order_deadline,
    proposed_duration_months,
    return_window_open,
)

D = date.fromisoformat


def test_docstring_examples_hold():
    result = doctest.testmod(dates)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------
# add_months
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2025-01-16", 0, "2025-01-16"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2025-01-16", -13, "2023-12-16"),
        # 31st into 30-day months and February
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-01-31", 2, "2025-03-31"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-05-31", -1, "2025-04-30"),
        ("2025-03-31", -1, "2025-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2025-01-30", 1, "2025-02-28"),
        # 29 February
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", -12, "2023-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-02-29", 1, "2024-03-29"),
        ("2096-02-29", 48, "2100-02-28"),  # 2100 is not a leap year
    ],
)
def test_add_months(day, months, expected):
    assert add_months(D(day), months) == D(expected)


# ---------------------------------------------------------------------------
# first_anniversary
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first_order_date", "expected"),
    [
        ("2024-01-16", "2025-01-16"),
        ("2024-02-29", "2025-02-28"),
        ("2023-02-28", "2024-02-28"),
        ("2023-03-01", "2024-03-01"),
        ("2024-01-31", "2025-01-31"),
        ("2024-04-30", "2025-04-30"),
        ("2024-12-31", "2025-12-31"),
    ],
)
def test_first_anniversary(first_order_date, expected):
    assert first_anniversary(D(first_order_date)) == D(expected)


# ---------------------------------------------------------------------------
# anniversary_in_year
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("month", "day", "year", "expected"),
    [
        (2, 29, 2024, "2024-02-29"),
        (2, 29, 2025, "2025-02-28"),
        (2, 29, 2028, "2028-02-29"),
        (2, 29, 2000, "2000-02-29"),
        (2, 29, 2100, "2100-02-28"),
        (2, 28, 2024, "2024-02-28"),
        (1, 16, 2025, "2025-01-16"),
        (1, 31, 2025, "2025-01-31"),
        (4, 30, 2025, "2025-04-30"),
        (12, 31, 2025, "2025-12-31"),
    ],
)
def test_anniversary_in_year(month, day, year, expected):
    assert anniversary_in_year(month, day, year) == D(expected)


@pytest.mark.parametrize(("month", "day"), [(4, 31), (2, 30), (13, 1), (0, 1), (1, 0), (1, 32)])
def test_anniversary_in_year_refuses_a_day_no_year_has(month, day):
    with pytest.raises(ValueError):
        anniversary_in_year(month, day, 2024)


# ---------------------------------------------------------------------------
# next_anniversary
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("anniversary", "original_day", "expected"),
    [
        ("2025-01-16", None, "2026-01-16"),
        ("2025-01-31", None, "2026-01-31"),
        ("2025-04-30", None, "2026-04-30"),
        ("2025-02-28", 28, "2026-02-28"),
        ("2023-02-28", 28, "2024-02-28"),  # a real 28 February stays on the 28th in a leap year
        ("2024-02-29", None, "2025-02-28"),
        ("2025-02-28", 29, "2026-02-28"),
        ("2027-02-28", 29, "2028-02-29"),
        ("2099-02-28", 29, "2100-02-28"),
    ],
)
def test_next_anniversary(anniversary, original_day, expected):
    assert next_anniversary(D(anniversary), original_day=original_day) == D(expected)


def test_next_anniversary_keeps_29_february_across_four_years():
    anniversary = first_anniversary(D("2024-02-29"))
    seen = [anniversary]
    for _ in range(4):
        anniversary = next_anniversary(anniversary, original_day=29)
        seen.append(anniversary)
    assert seen == [D("2025-02-28"), D("2026-02-28"), D("2027-02-28"), D("2028-02-29"), D("2029-02-28")]


def test_next_anniversary_without_original_day_stays_on_the_clamped_day():
    assert next_anniversary(D("2027-02-28")) == D("2028-02-28")


@pytest.mark.parametrize(
    ("anniversary", "original_day"),
    [
        ("2025-02-27", 29),  # not the original day, not the month's last day
        ("2024-02-28", 29),  # 2024 has a 29 February
        ("2025-01-30", 31),
        ("2025-04-30", 31),  # April has no 31st
        ("2025-02-28", 30),  # February never has a 30th
        ("2025-01-16", 0),
        ("2025-01-16", 32),
    ],
)
def test_next_anniversary_refuses_an_inconsistent_original_day(anniversary, original_day):
    with pytest.raises(ValueError):
        next_anniversary(D(anniversary), original_day=original_day)


# ---------------------------------------------------------------------------
# co_term_months and proposed_duration_months
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("anniversary", "order_date", "expected"),
    [
        # counted on the anniversary's day of month, a started month counting whole
        ("2025-01-16", "2025-01-15", 1),
        ("2025-01-16", "2024-12-16", 1),
        ("2025-01-16", "2024-12-15", 2),
        ("2025-01-16", "2024-11-17", 2),
        ("2025-01-16", "2024-11-16", 2),
        ("2025-01-16", "2024-11-15", 3),
        ("2025-01-16", "2024-02-16", 11),
        ("2025-01-16", "2024-02-15", 12),
        ("2025-01-17", "2024-01-17", 12),
        ("2025-01-16", "2024-01-16", 12),
        ("2025-01-16", "2024-01-15", 12),  # more than 12 months before: capped
        ("2025-01-16", "2020-06-01", 12),
        # month ends: 31st anniversaries
        ("2025-03-31", "2025-03-30", 1),
        ("2025-03-31", "2025-02-28", 1),
        ("2025-03-31", "2025-02-27", 2),
        ("2025-03-31", "2025-01-31", 2),
        ("2025-03-31", "2025-01-30", 3),
        ("2024-03-31", "2024-02-29", 1),
        ("2024-03-31", "2024-02-28", 2),
        ("2025-05-31", "2025-04-30", 1),
        ("2025-05-31", "2025-04-29", 2),
        # 30-day month anniversaries
        ("2025-04-30", "2025-03-31", 1),
        ("2025-04-30", "2025-03-30", 1),
        ("2025-04-30", "2025-03-29", 2),
        # 29 February anniversary in a non-leap year (falls on the 28th) and in a leap year
        ("2025-02-28", "2025-01-28", 1),
        ("2025-02-28", "2025-01-27", 2),
        ("2025-02-28", "2024-12-29", 2),
        ("2025-02-28", "2024-12-28", 2),
        ("2025-02-28", "2024-12-27", 3),
        ("2028-02-29", "2028-01-29", 1),
        ("2028-02-29", "2028-01-28", 2),
        ("2028-02-29", "2027-02-28", 12),
        # across the turn of the year
        ("2025-12-31", "2025-01-01", 12),
        ("2025-12-31", "2025-01-31", 11),
    ],
)
def test_co_term_months(anniversary, order_date, expected):
    assert co_term_months(D(order_date), D(anniversary)) == expected
    assert proposed_duration_months(order_date=D(order_date), anniversary=D(anniversary)) == expected


@pytest.mark.parametrize("order_date", ["2025-01-16", "2025-01-17", "2026-01-16"])
def test_co_term_months_refuses_an_order_on_or_after_the_anniversary(order_date):
    with pytest.raises(ValueError):
        co_term_months(D(order_date), D("2025-01-16"))
    with pytest.raises(ValueError):
        proposed_duration_months(order_date=D(order_date), anniversary=D("2025-01-16"))


@pytest.mark.parametrize("anniversary", ["2025-01-16", "2025-01-31", "2025-02-28", "2028-02-29", "2025-04-30"])
def test_co_term_months_matches_its_definition_for_every_order_date(anniversary):
    anniversary = D(anniversary)
    previous = 12
    for offset in range(400, 0, -1):
        order_date = anniversary - timedelta(days=offset)
        months = co_term_months(order_date, anniversary)
        assert 1 <= months <= 12
        if months < 12:
            assert add_months(anniversary, -months) <= order_date
        if months > 1:
            assert add_months(anniversary, -(months - 1)) > order_date  # the smallest such n
        assert months <= previous  # a later order never runs longer
        previous = months


@pytest.mark.parametrize("order_date", ["2024-01-16", "2024-02-29", "2025-12-31"])
def test_first_order_runs_twelve_months(order_date):
    assert proposed_duration_months(order_date=D(order_date), anniversary=None) == 12


# ---------------------------------------------------------------------------
# Order deadline, days left, overdue
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("created_on", "days", "expected"),
    [
        ("2026-01-01", 30, "2026-01-31"),
        ("2026-01-01", 14, "2026-01-15"),
        ("2026-01-01", 0, "2026-01-01"),
        ("2024-02-15", 30, "2024-03-16"),
        ("2025-02-15", 30, "2025-03-17"),
        ("2025-12-15", 30, "2026-01-14"),
    ],
)
def test_order_deadline(created_on, days, expected):
    assert order_deadline(D(created_on), days) == D(expected)


@pytest.mark.parametrize(
    ("today", "overdue", "left"),
    [
        ("2026-01-01", False, 30),  # the day it was created
        ("2026-01-30", False, 1),  # day 29
        ("2026-01-31", False, 0),  # day 30: still on time
        ("2026-02-01", True, -1),  # day 31: overdue
        ("2026-03-01", True, -29),
    ],
)
def test_deadline_day_29_30_31(today, overdue, left):
    deadline = order_deadline(D("2026-01-01"), 30)
    assert is_overdue(deadline, D(today)) is overdue
    assert days_left(deadline, D(today)) == left


@pytest.mark.parametrize(
    ("deadline", "today", "expected"),
    [
        ("2026-01-31", "2026-01-31", 0),
        ("2026-01-31", "2026-02-01", -1),
        ("2026-01-01", "2025-12-31", 1),
        ("2024-03-01", "2024-02-28", 2),  # leap year
        ("2025-03-01", "2025-02-28", 1),
        ("2027-01-16", "2026-01-16", 365),
    ],
)
def test_days_left(deadline, today, expected):
    assert days_left(D(deadline), D(today)) == expected


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        order_deadline(D("2026-01-01"), -1)
    with pytest.raises(ValueError):
        return_window_open(D("2026-01-01"), D("2026-01-01"), -1)


# ---------------------------------------------------------------------------
# Return window
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("order_date", "today", "expected"),
    [
        ("2026-01-01", "2025-12-31", False),  # before the order
        ("2026-01-01", "2026-01-01", True),  # day 0
        ("2026-01-01", "2026-01-14", True),  # day 13
        ("2026-01-01", "2026-01-15", True),  # day 14: last open day
        ("2026-01-01", "2026-01-16", False),  # day 15: closed
        ("2026-01-25", "2026-02-08", True),  # day 14 across a month end
        ("2026-01-25", "2026-02-09", False),
        ("2024-02-20", "2024-03-05", True),  # day 14 across 29 February
        ("2024-02-20", "2024-03-06", False),
    ],
)
def test_return_window_edges(order_date, today, expected):
    assert return_window_open(D(order_date), D(today), 14) is expected


# ---------------------------------------------------------------------------
# Only plain dates
# ---------------------------------------------------------------------------
NOON = datetime(2026, 1, 1, 12)  # noqa: DTZ001 - a naive datetime is fine: it must be refused before any use


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_months(NOON, 1),
        lambda: first_anniversary(NOON),
        lambda: next_anniversary(NOON),
        lambda: co_term_months(NOON, D("2026-06-01")),
        lambda: proposed_duration_months(order_date=NOON, anniversary=None),
        lambda: days_left(D("2026-01-31"), NOON),
        lambda: order_deadline(NOON, 30),
        lambda: is_overdue(NOON, D("2026-01-31")),
        lambda: return_window_open(D("2026-01-01"), NOON, 14),
        lambda: add_months("2026-01-01", 1),
    ],
)
def test_datetimes_and_strings_are_refused(call):
    with pytest.raises(TypeError):
        call()
