from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="jobs.run_daily_job", ignore_result=True, expires=6 * 3600)
def run_daily_job(name: str, on: str | None = None) -> dict:
    """Beat's entry point for every daily job; the business date is today in TIME_ZONE."""
    return services.run_job(name, on=date.fromisoformat(on) if on else timezone.localdate())
