"""The one Celery task that runs a daily job (beat's rows and the fan-out both use it), and its chunked form."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from resellerconsole.batching import KeyRange

from . import services
from .registry import EXPIRE_SECONDS, RUN_DAILY_JOB


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


@shared_task(name=RUN_DAILY_JOB, ignore_result=True, expires=EXPIRE_SECONDS)
def run_daily_job(name: str, on: str | None = None) -> dict:
    """Beat's entry point for every daily job; the business date is today in TIME_ZONE."""
    return services.run_job(name, on=_day(on))


def beat_alias(task: str, *, job: str):
    """A Celery task under an older name that beat rows in existing databases still send: `run_daily_job(job)`.

    The name is the registration's `task` (the app's `jobs.py`); the app's tasks.py keeps the alias so Celery
    finds it there. New jobs need none: their beat rows send `jobs.run_daily_job` with the job's name.
    """

    def alias(on: str | None = None) -> dict:
        return run_daily_job(job, on)

    alias.__name__ = alias.__qualname__ = job
    alias.__doc__ = f"The daily job {job} under the task name existing beat rows send (see jobs.run_daily_job)."
    return shared_task(name=task, ignore_result=True, expires=EXPIRE_SECONDS)(alias)


@shared_task(name="jobs.fan_out_daily_job", ignore_result=True, expires=EXPIRE_SECONDS)
def fan_out_daily_job(name: str, on: str | None = None, chunks: int = 8) -> int:
    """Split one day's job into key-range chunks so several workers (on several machines) share it.

    Each chunk is idempotent, so a chunk redelivered after a worker died changes and sends nothing twice.
    """
    day = _day(on).isoformat()
    ranges = services.key_ranges(chunks, name=name)
    for key_range in ranges:
        run_daily_job_chunk.delay(name, day, key_range.first, key_range.last)
    return len(ranges)


@shared_task(name="jobs.run_daily_job_chunk", ignore_result=True, acks_late=True, expires=EXPIRE_SECONDS)
def run_daily_job_chunk(name: str, on: str, first: int, last: int) -> dict:
    return services.run_job(name, on=date.fromisoformat(on), key_range=KeyRange(first, last))
