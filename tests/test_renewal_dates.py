"""The renewal calendar in renewals/dates.py (pure functions: no database), at its boundaries."""

import doctest
from datetime import date, timedelta

import pytest

from renewals import dates
from renewals.dates import (
    RenewalPeriods,
    RenewalPhase,
    WindowState,
    anniversaries_in,
    in_renewal_window,
    overview_anniversaries,
    phase_span,
    renewal_phase,
    renewal_year,
    window_state,
)

ANNIVERSARY = date(2026, 6, 21)
DEFAULTS = RenewalPeriods(overview_days=90, window_opens_days=30, grace_days=30, removal_notice_days=7)
ODD = RenewalPeriods(overview_days=60, window_opens_days=14, grace_days=10, removal_notice_days=3)


def test_docstring_examples_hold():
    result = doctest.testmod(dates)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_configured_periods_are_the_settings(settings):
    settings.RENEWAL_OVERVIEW_DAYS, settings.RENEWAL_WINDOW_OPENS_DAYS = 60, 14
    settings.RENEWAL_GRACE_DAYS, settings.ACCESS_REMOVAL_NOTICE_DAYS = 10, 3
    assert RenewalPeriods.configured() == ODD
    assert renewal_year(ANNIVERSARY) == renewal_year(ANNIVERSARY, ODD)


@pytest.mark.parametrize("periods", [DEFAULTS, ODD])
def test_the_renewal_year(periods):
    year = renewal_year(ANNIVERSARY, periods)
    assert year.overview_from == ANNIVERSARY - timedelta(days=periods.overview_days)
    assert year.window_opens == ANNIVERSARY - timedelta(days=periods.window_opens_days)
    assert year.grace_end == ANNIVERSARY + timedelta(days=periods.grace_days)
    assert year.removal_notice == year.grace_end - timedelta(days=periods.removal_notice_days)
    assert year.access_removed == year.grace_end + timedelta(days=1)


@pytest.mark.parametrize("periods", [DEFAULTS, ODD])
def test_window_states_change_on_the_calendars_days(periods):
    year = renewal_year(ANNIVERSARY, periods)
    state = lambda day: window_state(ANNIVERSARY, day, periods)  # noqa: E731
    assert state(year.window_opens - timedelta(days=1)) == WindowState.UPCOMING
    assert state(year.window_opens) == state(ANNIVERSARY) == WindowState.OPEN
    assert state(ANNIVERSARY + timedelta(days=1)) == state(year.grace_end) == WindowState.GRACE
    assert state(year.access_removed) == WindowState.LAPSED


@pytest.mark.parametrize("periods", [DEFAULTS, ODD])
def test_anniversaries_in_a_state_are_the_inverse_of_window_state(periods):
    today = date(2026, 3, 1)
    for offset in range(-120, 121):
        anniversary = today + timedelta(days=offset)
        first, last = anniversaries_in(window_state(anniversary, today, periods), today, periods)
        assert (first is None or first <= anniversary) and (last is None or anniversary <= last), offset
        others = [s for s in WindowState if s != window_state(anniversary, today, periods)]
        for other in others:
            first, last = anniversaries_in(other, today, periods)
            assert not ((first is None or first <= anniversary) and (last is None or anniversary <= last))


@pytest.mark.parametrize("periods", [DEFAULTS, ODD])
def test_the_renewal_window_is_open_and_grace(periods):
    year = renewal_year(ANNIVERSARY, periods)
    for offset in range(-100, 100):
        day = ANNIVERSARY + timedelta(days=offset)
        expected = window_state(ANNIVERSARY, day, periods) in (WindowState.OPEN, WindowState.GRACE)
        assert in_renewal_window(ANNIVERSARY, day, periods) == expected == (year.window_opens <= day <= year.grace_end)


def test_the_overview_holds_anniversaries_until_their_grace_ends():
    on = date(2026, 3, 23)
    assert overview_anniversaries(on, DEFAULTS) == (on - timedelta(days=30), on + timedelta(days=90))
    first, last = overview_anniversaries(on, DEFAULTS)
    assert renewal_year(last, DEFAULTS).overview_from == on and renewal_year(first, DEFAULTS).grace_end == on


@pytest.mark.parametrize("periods", [DEFAULTS, ODD])
def test_the_phases_split_the_window_without_a_gap(periods):
    spans = [phase_span(phase, periods) for phase in RenewalPhase]
    assert spans[0][0] == -periods.window_opens_days and spans[-1][1] == periods.grace_days
    assert all(left[1] + 1 == right[0] for left, right in zip(spans, spans[1:], strict=False))
    year = renewal_year(ANNIVERSARY, periods)
    assert renewal_phase(ANNIVERSARY, year.window_opens - timedelta(days=1), periods) is None
    assert renewal_phase(ANNIVERSARY, year.window_opens, periods) == RenewalPhase.DUE
    assert renewal_phase(ANNIVERSARY, ANNIVERSARY - timedelta(days=1), periods) == RenewalPhase.DUE
    assert renewal_phase(ANNIVERSARY, ANNIVERSARY, periods) == RenewalPhase.OVERDUE
    assert renewal_phase(ANNIVERSARY, year.removal_notice - timedelta(days=1), periods) == RenewalPhase.OVERDUE
    assert renewal_phase(ANNIVERSARY, year.removal_notice, periods) == RenewalPhase.REMOVAL_NEAR
    assert renewal_phase(ANNIVERSARY, year.grace_end, periods) == RenewalPhase.REMOVAL_NEAR
    assert renewal_phase(ANNIVERSARY, year.access_removed, periods) is None
