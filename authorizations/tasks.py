from celery import shared_task

from jobs.tasks import run_daily_job


@shared_task(name="authorizations.enforce_order_deadlines", ignore_result=True, expires=6 * 3600)
def enforce_order_deadlines(on: str | None = None) -> dict:
    """Daily: Delayed exactly the accounts with an overdue pending purchase authorization."""
    return run_daily_job("enforce_order_deadlines", on)
