from celery import shared_task

from jobs.tasks import run_daily_job


@shared_task(name="renewals.refresh_renewal_overview", ignore_result=True, expires=6 * 3600)
def refresh_renewal_overview(on: str | None = None) -> dict:
    """Daily: renewable licences of customers within 90 days of their anniversary into the overview."""
    return run_daily_job("refresh_renewal_overview", on)


@shared_task(name="renewals.remove_expired_access", ignore_result=True, expires=6 * 3600)
def remove_expired_access(on: str | None = None) -> dict:
    """Daily: customers past the grace period without a renewal lose their deployments."""
    return run_daily_job("remove_expired_access", on)
