"""Issue 16: the timeline's markers never sit on one another, nor on the stem of a marker days away ("3–4" over the
line of "5–6"), and each keeps its own stem under it. Stems closer than a box can step aside from (the grace period's
end and the removal of access, a day apart) may run behind a box: the stems are drawn first, so a line never
crosses a number."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pages.timeline import TimelineItem, TimelineKind
from pages.timeline_chart import MARKER_GAP, STEM_INSET, WIDTH, timeline_chart

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    "offsets",
    [
        [-70, -10, -10, 20, 20, 26, 26, 36, 43, 50, 51],  # the console's: "2–3", "4", "5–6" days apart
        [-90, -30, -30, 0, 14, 14, 20, 20, 30, 37, 44, 51, 52],
        [-7, -6, 2, 3, 14, 20, 20, 27],
        [-5, 200, 203, 203, 210],
    ],
)
def test_no_box_covers_another_marker_or_its_stem(offsets):
    items = [
        TimelineItem(TODAY + timedelta(days=offset), f"date {n}", offset < 0, TimelineKind.PA_DEADLINE)
        for n, offset in enumerate(sorted(offsets))
    ]
    markers = timeline_chart(items=items, on=TODAY).markers
    for marker in markers:
        left, right = marker.box_x, marker.box_x + marker.box_width
        assert left >= 0 and right <= WIDTH
        assert left < marker.x < right, "a box sits over its own stem"
        for other in markers:
            if other is marker:
                continue
            if other.lane == marker.lane:
                assert right + MARKER_GAP <= other.box_x or other.box_x + other.box_width + MARKER_GAP <= left
            # Another stem runs down through this lane: clear of the box, unless too close to this one's own.
            if other.lane < marker.lane and abs(other.x - marker.x) >= STEM_INSET + MARKER_GAP:
                assert not left - MARKER_GAP < other.x < right + MARKER_GAP, (
                    f"{marker.text} (lane {marker.lane}) covers the stem of {other.text} (lane {other.lane})"
                )
