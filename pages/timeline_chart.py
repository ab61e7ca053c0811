"""The customer timeline drawn as a horizontal chart: pure geometry for a server-side SVG.

Every position is in the SVG's own units (``viewBox="0 0 WIDTH height"``); the browser scales the drawing to
the page, so the numbers stay legible from 360 px up. The chart carries only numbers: the labels are in the
list under it, numbered the same way, so nothing written on the chart can overlap. Markers of one day share a
number range ("3–4"); markers that would touch are stacked in lanes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import dateformat

from resellerconsole.l10n import console_format

from .timeline import TimelineItem, TimelineKind

WIDTH = 400
MARGIN = 22
#: Vertical rhythm: the "Today" label, then the lanes of markers, then the axis with its month labels.
TODAY_LABEL_Y = 18
FIRST_LANE_Y = 42
LANE_HEIGHT = 32
MARKER_HEIGHT = 26
STEM_MIN = 12
#: Marker text is 15 units, bold: about 9 units a character, plus padding.
CHAR_WIDTH = 9
MARKER_PADDING = 12
MARKER_GAP = 4
#: Tick labels need about this much room ("Sep"; "28 Sep" on weekly ticks); closer ticks are labelled every n-th.
TICK_LABEL_ROOM = {"MONTH_LABEL_FORMAT": 40, "DAY_MONTH_LABEL_FORMAT": 56}
#: Days of padding left and right of the first and last date, and the shortest span drawn.
PADDING_DAYS = 7
MIN_SPAN_DAYS = 30
WEEKLY_TICKS_UP_TO_DAYS = 62


@dataclass(frozen=True)
class Marker:
    """One day's dates: numbers ``first``–``last`` in the list."""

    day: date
    first: int
    last: int
    kind: str
    past: bool
    overdue: bool
    items: tuple[TimelineItem, ...]
    x: float  # the day on the axis (the stem)
    box_x: float  # left edge of the numbered box (kept inside the drawing)
    box_width: float
    lane: int
    box_y: float

    @property
    def text(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"

    @property
    def text_x(self) -> float:
        return round(self.box_x + self.box_width / 2, 1)

    @property
    def text_y(self) -> float:
        return self.box_y + MARKER_HEIGHT / 2 + 5.5

    @property
    def box_bottom(self) -> float:
        return self.box_y + MARKER_HEIGHT


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # "" for an unlabelled tick
    year: str  # under January and under the first labelled tick


@dataclass(frozen=True)
class TimelineChart:
    first_day: date
    last_day: date
    today: date
    today_x: float
    today_anchor: str  # text-anchor of the "Today" label: start, middle or end
    markers: tuple[Marker, ...]
    ticks: tuple[Tick, ...]
    axis_y: float
    height: float
    #: Items before this index lie in the past: the list shows "Today" there.
    today_index: int
    width: int = WIDTH
    margin: int = MARGIN

    @property
    def axis_start(self) -> int:
        return self.margin

    @property
    def axis_end(self) -> int:
        return self.width - self.margin

    @property
    def marker_height(self) -> int:
        return MARKER_HEIGHT

    @property
    def marker_radius(self) -> float:
        return MARKER_HEIGHT / 2

    @property
    def past_width(self) -> float:
        return round(self.today_x - self.margin, 1)

    @property
    def lanes(self) -> int:
        return max((m.lane for m in self.markers), default=-1) + 1


def _x(day: date, first: date, span_days: int) -> float:
    return round(MARGIN + (day - first).days / span_days * (WIDTH - 2 * MARGIN), 1)


def _ticks(first: date, last: date, span_days: int) -> list[Tick]:
    if span_days <= WEEKLY_TICKS_UP_TO_DAYS:
        day = first + timedelta(days=(7 - first.weekday()) % 7)  # Mondays
        days = []
        while day <= last:
            days.append(day)
            day += timedelta(days=7)
        label_format = "DAY_MONTH_LABEL_FORMAT"
    else:
        day = date(first.year, first.month, 1)
        if day < first:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        days = []
        while day <= last:
            days.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        label_format = "MONTH_LABEL_FORMAT"
    if not days:
        return []
    spacing = (WIDTH - 2 * MARGIN) * (days[1] - days[0]).days / span_days if len(days) > 1 else WIDTH
    every = max(1, math.ceil(TICK_LABEL_ROOM[label_format] / spacing))
    ticks: list[Tick] = []
    year_shown = None
    label_format = console_format(label_format)  # the language's: "Sep", Swedish "sep"
    for index, day in enumerate(days):
        labelled = index % every == 0
        # The year goes under the first labelled tick and again under the first one of each new year.
        year = str(day.year) if labelled and day.year != year_shown else ""
        if year:
            year_shown = day.year
        ticks.append(Tick(_x(day, first, span_days), dateformat.format(day, label_format) if labelled else "", year))
    return ticks


@dataclass(frozen=True)
class _Placed:
    lane: int
    box_x: float
    box_width: float
    x: float


#: A box keeps at least this much of itself on either side of its own stem.
STEM_INSET = 6


def _place(x: float, box_width: float, placed: list[_Placed]) -> tuple[int, float]:
    """The lane and left edge of a new box over stem ``x``: apart from the boxes of its lane, clear of the stems
    that run down through its lane from the lanes above (but those too close to its own to be avoided), and with
    its own stem clear of the boxes below it. The box may slide sideways off centre (keeping its stem under it)
    before it takes a lane further down; the stems are drawn behind the boxes."""
    centred = min(max(x - box_width / 2, 1), WIDTH - 1 - box_width)
    low = max(1.0, x + STEM_INSET - box_width)
    high = min(WIDTH - 1 - box_width, x - STEM_INSET)
    lanes = max((p.lane for p in placed), default=-1) + 1
    for lane in range(lanes + 1):
        if any(p.lane > lane and p.box_x - MARKER_GAP < x < p.box_x + p.box_width + MARKER_GAP for p in placed):
            continue  # its stem would run through a box below
        forbidden = [
            (p.box_x - MARKER_GAP - box_width, p.box_x + p.box_width + MARKER_GAP) for p in placed if p.lane == lane
        ] + [
            (p.x - MARKER_GAP - box_width, p.x + MARKER_GAP)
            for p in placed
            # A stem this close to its own cannot be avoided by a box that keeps its own stem under it.
            if p.lane < lane and abs(p.x - x) >= STEM_INSET + MARKER_GAP
        ]
        candidates = [centred, low, high] + [edge for span in forbidden for edge in span]
        fitting = [
            c for c in candidates if low <= c <= high and not any(start < c < end for start, end in forbidden)
        ]
        if fitting:
            return lane, round(min(fitting, key=lambda c: (abs(c - centred), c)), 1)
    return lanes, round(centred, 1)


def timeline_chart(*, items: Sequence[TimelineItem], on: date) -> TimelineChart:
    """Lay out ``items`` (in date order, as :func:`customer_timeline` returns them) around ``on`` (today)."""
    days = [item.day for item in items] + [on]
    first, last = min(days) - timedelta(days=PADDING_DAYS), max(days) + timedelta(days=PADDING_DAYS)
    if (last - first).days < MIN_SPAN_DAYS:
        extra = MIN_SPAN_DAYS - (last - first).days
        first, last = first - timedelta(days=extra // 2), last + timedelta(days=extra - extra // 2)
    span_days = (last - first).days

    groups: list[list[tuple[int, TimelineItem]]] = []
    for number, item in enumerate(items, start=1):
        if groups and groups[-1][0][1].day == item.day:
            groups[-1].append((number, item))
        else:
            groups.append([(number, item)])

    markers: list[Marker] = []
    placed: list[_Placed] = []
    for group in groups:
        day = group[0][1].day
        first_number, last_number = group[0][0], group[-1][0]
        characters = len(str(first_number)) + (len(str(last_number)) + 1 if last_number != first_number else 0)
        box_width = round(max(MARKER_HEIGHT, characters * CHAR_WIDTH + MARKER_PADDING), 1)
        x = _x(day, first, span_days)
        lane, box_x = _place(x, box_width, placed)
        placed.append(_Placed(lane, box_x, box_width, x))
        group_items = tuple(item for _number, item in group)
        markers.append(
            Marker(
                day=day,
                first=first_number,
                last=last_number,
                kind=group_items[0].kind,
                past=day < on,
                overdue=any(item.kind == TimelineKind.PA_DEADLINE and item.past for item in group_items),
                items=group_items,
                x=x,
                box_x=box_x,
                box_width=box_width,
                lane=lane,
                box_y=FIRST_LANE_Y + lane * LANE_HEIGHT,
            )
        )
    lanes = max(max((p.lane for p in placed), default=0) + 1, 1)
    axis_y = FIRST_LANE_Y + (lanes - 1) * LANE_HEIGHT + MARKER_HEIGHT + STEM_MIN
    today_x = _x(on, first, span_days)
    anchor = "start" if today_x < 40 else "end" if today_x > WIDTH - 40 else "middle"
    return TimelineChart(
        first_day=first,
        last_day=last,
        today=on,
        today_x=today_x,
        today_anchor=anchor,
        markers=tuple(markers),
        ticks=tuple(_ticks(first, last, span_days)),
        axis_y=axis_y,
        height=axis_y + 44,
        today_index=sum(1 for item in items if item.day < on),
    )
