"""Running the registered daily jobs (jobs.registry): each timed, logged on one line and recorded for /healthz."""

from __future__ import annotations

import json
import logging
import time
from datetime import date, timedelta
from typing import Any

import structlog
from django.apps import apps
from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from resellerconsole import progress
from resellerconsole.audit import Source, audit_source
from resellerconsole.batching import KeyRange

from .models import JobRun
from .registry import DAILY_JOBS

logger = logging.getLogger("jobs")


def run_job(
    name: str, *, on: date, dry_run: bool = False, key_range: KeyRange | None = None, source: str = Source.JOB
) -> dict:
    """Run one daily job (or one key-range chunk of it), log one line and record the run; returns its counts."""
    return run_job_with_result(name, on=on, dry_run=dry_run, key_range=key_range, source=source)[1]


def run_job_with_result(
    name: str, *, on: date, dry_run: bool = False, key_range: KeyRange | None = None, source: str = Source.JOB
) -> tuple[Any, dict]:
    """`run_job`, also returning the service's result: what beat, the workers and the commands all go through.

    A dry run logs its line (dry_run=true) but records no JobRun: it changed nothing, so /healthz must not count
    it as the day's run.
    """
    started = time.monotonic()
    # Every line logged while the job runs (and the job's own line) carries the job, its date and channel.
    context = {"job": name, "date": on.isoformat(), "dry_run": dry_run, "channel": source}
    if key_range:
        context["chunk"] = f"{key_range.first}-{key_range.last}"
    with structlog.contextvars.bound_contextvars(**context), progress.stage(name):
        return _run_logged(name, on=on, dry_run=dry_run, key_range=key_range, source=source, started=started)


def _run_logged(
    name: str, *, on: date, dry_run: bool, key_range: KeyRange | None, source: str, started: float
) -> tuple[Any, dict]:
    chunk = f" chunk={key_range.first}-{key_range.last}" if key_range else ""
    # Beat's lines stay as they were; a run from the command line says so.
    channel = "" if source == Source.JOB else f" source={source}"
    try:
        # Every event the job writes names its channel (a job, or the command line) and the job's name.
        with audit_source(source, name):
            result, counts = DAILY_JOBS[name].run(on=on, dry_run=dry_run, key_range=key_range)
    except Exception as error:
        # One line an operator can grep next to the successes (the worker adds the traceback); the batches
        # committed so far stay, and running the day again finishes the rest.
        duration_ms = int((time.monotonic() - started) * 1000)
        logger.error(
            "job=%s date=%s dry_run=%s%s%s failed error=%s duration_ms=%s",
            name,
            on.isoformat(),
            str(dry_run).lower(),
            chunk,
            channel,
            " ".join(f"{type(error).__name__}: {error}".split()),
            duration_ms,
            extra={"outcome": "failed", "duration_ms": duration_ms},
        )
        raise
    duration_ms = int((time.monotonic() - started) * 1000)
    logger.info(
        "job=%s date=%s dry_run=%s%s%s counts=%s duration_ms=%s",
        name,
        on.isoformat(),
        str(dry_run).lower(),
        chunk,
        channel,
        json.dumps(counts, sort_keys=True),
        duration_ms,
        # The same figures as fields of the JSON line.
        extra={"outcome": "done", "counts": counts, "duration_ms": duration_ms},
    )
    if not dry_run:
        JobRun.objects.create(job=name, business_date=on, counts=counts, duration_ms=duration_ms, source=source)
    progress.stage_done(", ".join(f"{key} {value}" for key, value in counts.items()))
    return result, counts


def run_daily_jobs(*, on: date, dry_run: bool = False, source: str = Source.JOB) -> dict[str, dict]:
    """Every registered daily job for one day, in the registry's order of the day; returns each one's counts."""
    return {name: run_job(name, on=on, dry_run=dry_run, source=source) for name in DAILY_JOBS}


def key_ranges(chunks: int, *, name: str | None = None) -> list[KeyRange]:
    """Split the primary keys job `name` works through into `chunks` contiguous ranges covering all of them.

    Without a name, the ranges cover the keys of every model a registered job is keyed by.
    """
    labels = {DAILY_JOBS[name].keyed_by} if name else {job.keyed_by for job in DAILY_JOBS.values()}
    bounds = [apps.get_model(label).objects.aggregate(first=Min("pk"), last=Max("pk")) for label in sorted(labels)]
    bounds = [each for each in bounds if each["first"] is not None]
    if not bounds:
        return []
    first, last = min(each["first"] for each in bounds), max(each["last"] for each in bounds)
    size = max(1, -(-(last - first + 1) // max(1, chunks)))
    return [KeyRange(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def last_runs(*, now=None) -> tuple[dict[str, str | None], list[str]]:
    """Each daily job's last successful run (ISO time, None if never) and the jobs older than allowed.

    A job that never ran is reported but not counted as stale: a fresh installation is healthy until its
    first night has passed.
    """
    now = now or timezone.now()
    latest = dict.fromkeys(DAILY_JOBS)
    for name, finished in (
        JobRun.objects.filter(job__in=list(DAILY_JOBS), dry_run=False)
        .order_by("job", "-finished_at")
        .values_list("job", "finished_at")
    ):
        latest[name] = latest[name] or finished
    limit = now - timedelta(hours=settings.DAILY_JOB_MAX_AGE_HOURS)
    ages = {name: (finished.isoformat() if finished else None) for name, finished in latest.items()}
    return ages, sorted(name for name, finished in latest.items() if finished is not None and finished < limit)
