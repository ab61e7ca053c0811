"""The renewal calendar around an anniversary (domain.md, "Renewals"): the one owner of its arithmetic.

Pure functions on ``datetime.date``: no database, no clock. Callers pass "today" explicitly. The four periods
are settings (RENEWAL_OVERVIEW_DAYS, RENEWAL_WINDOW_OPENS_DAYS, RENEWAL_GRACE_DAYS, ACCESS_REMOVAL_NOTICE_DAYS);
a function reads them when it is called (so a test's settings override applies) unless it is given
``periods``. With the defaults, one renewal year::

    overview_from   window_opens   anniversary   removal_notice   grace_end   access_removed
       day -90         day -30        day 0         day +23         day +30       day +31

The window for the renewal order runs from ``window_opens`` through ``grace_end``. Three phases follow each
other inside it (the banner's states; each renewal notice goes out in one of them): *due* up to the day before
the anniversary, *overdue* from the anniversary, *removal near* from ``removal_notice`` through ``grace_end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RenewalPeriods:
    """The calendar's four numbers of days."""

    overview_days: int
    window_opens_days: int
    grace_days: int
    removal_notice_days: int

    @classmethod
    def configured(cls) -> RenewalPeriods:
        return cls(
            overview_days=settings.RENEWAL_OVERVIEW_DAYS,
            window_opens_days=settings.RENEWAL_WINDOW_OPENS_DAYS,
            grace_days=settings.RENEWAL_GRACE_DAYS,
            removal_notice_days=settings.ACCESS_REMOVAL_NOTICE_DAYS,
        )


def _periods(periods: RenewalPeriods | None) -> RenewalPeriods:
    return periods or RenewalPeriods.configured()


def _days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass(frozen=True)
class RenewalYear:
    """The dates of one anniversary's renewal."""

    anniversary: date
    #: The renewable licences enter the renewal overview.
    overview_from: date
    #: The renewal window opens: the renewal order may be recorded from this day; "time to renew" goes out.
    window_opens: date
    #: The last day of the grace period, and of the window for the renewal order.
    grace_end: date
    #: The last-chance e-mail before access is removed goes out from this day.
    removal_notice: date
    #: The day after the grace period: access is removed unless renewed.
    access_removed: date


def renewal_year(anniversary: date, periods: RenewalPeriods | None = None) -> RenewalYear:
    """The renewal dates around ``anniversary``.

    >>> year = renewal_year(date(2026, 6, 21), RenewalPeriods(90, 30, 30, 7))
    >>> [day.isoformat() for day in (year.overview_from, year.window_opens, year.removal_notice, year.grace_end)]
    ['2026-03-23', '2026-05-22', '2026-07-14', '2026-07-21']
    >>> year.access_removed
    datetime.date(2026, 7, 22)
    """
    p = _periods(periods)
    grace_end = anniversary + _days(p.grace_days)
    return RenewalYear(
        anniversary=anniversary,
        overview_from=anniversary - _days(p.overview_days),
        window_opens=anniversary - _days(p.window_opens_days),
        grace_end=grace_end,
        removal_notice=grace_end - _days(p.removal_notice_days),
        access_removed=grace_end + _days(1),
    )


class WindowState(TextChoices):
    """Where a customer stands relative to its anniversary."""

    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Window open")
    GRACE = "grace", _("Grace period")
    LAPSED = "lapsed", _("Lapsed")


def window_state(anniversary: date, today: date, periods: RenewalPeriods | None = None) -> WindowState:
    """Upcoming before the window opens, open through the anniversary, grace through its end, then lapsed."""
    year = renewal_year(anniversary, periods)
    if today < year.window_opens:
        return WindowState.UPCOMING
    if today <= anniversary:
        return WindowState.OPEN
    if today <= year.grace_end:
        return WindowState.GRACE
    return WindowState.LAPSED


def anniversaries_in(state: str, today: date, periods: RenewalPeriods | None = None) -> tuple[date | None, date | None]:
    """The anniversaries whose :func:`window_state` on ``today`` is ``state``: (first, last), both inclusive,
    ``None`` for an open end. The inverse of ``window_state``, for a condition on an anniversary column.

    >>> anniversaries_in(WindowState.OPEN, date(2026, 6, 1), RenewalPeriods(90, 30, 30, 7))
    (datetime.date(2026, 6, 1), datetime.date(2026, 7, 1))
    """
    p = _periods(periods)
    before, grace = _days(p.window_opens_days), _days(p.grace_days)
    spans: dict[str, tuple[date | None, date | None]] = {
        WindowState.UPCOMING: (today + before + _days(1), None),
        WindowState.OPEN: (today, today + before),
        WindowState.GRACE: (today - grace, today - _days(1)),
        WindowState.LAPSED: (None, today - grace - _days(1)),
    }
    return spans[state]


def in_renewal_window(anniversary: date, day: date, periods: RenewalPeriods | None = None) -> bool:
    """Whether a renewal order dated ``day`` falls in the window: from ``window_opens`` through ``grace_end``
    (the window open or the grace period)."""
    year = renewal_year(anniversary, periods)
    return year.window_opens <= day <= year.grace_end


def overview_anniversaries(on: date, periods: RenewalPeriods | None = None) -> tuple[date, date]:
    """The anniversaries (first, last; inclusive) whose licences are in the renewal overview on ``on``: at most
    RENEWAL_OVERVIEW_DAYS ahead, and passed ones until their grace period has ended."""
    p = _periods(periods)
    return on - _days(p.grace_days), on + _days(p.overview_days)


class RenewalPhase(StrEnum):
    """The three parts of the window, one renewal notice (and one banner) each."""

    DUE = "due"
    OVERDUE = "overdue"
    REMOVAL_NEAR = "removal_near"


def phase_span(phase: str, periods: RenewalPeriods | None = None) -> tuple[int, int]:
    """The first and last day of ``phase``, in days relative to the anniversary (both inclusive).

    >>> [phase_span(phase, RenewalPeriods(90, 30, 30, 7)) for phase in RenewalPhase]
    [(-30, -1), (0, 22), (23, 30)]
    """
    p = _periods(periods)
    removal_notice = p.grace_days - p.removal_notice_days
    spans: dict[str, tuple[int, int]] = {
        RenewalPhase.DUE: (-p.window_opens_days, -1),
        RenewalPhase.OVERDUE: (0, removal_notice - 1),
        RenewalPhase.REMOVAL_NEAR: (removal_notice, p.grace_days),
    }
    return spans[phase]


def renewal_phase(anniversary: date, today: date, periods: RenewalPeriods | None = None) -> RenewalPhase | None:
    """The phase ``today`` falls in, or ``None`` outside the window."""
    offset = (today - anniversary).days
    return next((phase for phase in RenewalPhase if _in(offset, phase_span(phase, periods))), None)


def _in(offset: int, span: tuple[int, int]) -> bool:
    return span[0] <= offset <= span[1]
