"""Reads of the daily jobs' runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import JobRun
from .registry import DAILY_JOBS


@dataclass(frozen=True)
class LastRun:
    finished_at: datetime
    duration_ms: int


def last_successful_runs() -> dict[str, LastRun | None]:
    """Each registered job's latest recorded run (dry runs record none), None for a job that never ran.

    One indexed look-up per job (job_run_latest_idx), so the cost does not grow with the years of runs kept.
    """
    latest: dict[str, LastRun | None] = {}
    for name in DAILY_JOBS:
        row = (
            JobRun.objects.filter(job=name, dry_run=False)
            .order_by("-finished_at")
            .values_list("finished_at", "duration_ms")
            .first()
        )
        latest[name] = LastRun(*row) if row else None
    return latest
