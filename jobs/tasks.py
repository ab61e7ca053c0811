from datetime import date

from celery import shared_task
from django.utils import timezone

from resellerconsole.batching import KeyRange

from . import services


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


@shared_task(name="jobs.run_daily_job", ignore_result=True, expires=6 * 3600)
def run_daily_job(name: str, on: str | None = None) -> dict:
    """Beat's entry point for every daily job; the business date is today in TIME_ZONE."""
    return services.run_job(name, on=_day(on))


@shared_task(name="jobs.fan_out_daily_job", ignore_result=True, expires=6 * 3600)
def fan_out_daily_job(name: str, on: str | None = None, chunks: int = 8) -> int:
    """Split one day's job into key-range chunks so several workers (on several machines) share it.

    Each chunk is idempotent, so a chunk redelivered after a worker died changes and sends nothing twice.
    """
    day = _day(on).isoformat()
    ranges = services.key_ranges(chunks)
    for key_range in ranges:
        run_daily_job_chunk.delay(name, day, key_range.first, key_range.last)
    return len(ranges)


@shared_task(name="jobs.run_daily_job_chunk", ignore_result=True, acks_late=True, expires=6 * 3600)
def run_daily_job_chunk(name: str, on: str, first: int, last: int) -> dict:
    return services.run_job(name, on=date.fromisoformat(on), key_range=KeyRange(first, last))
