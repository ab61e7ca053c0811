from celery import shared_task

from . import services


@shared_task(name="notifications.deliver_email", ignore_result=True)
def deliver_email(email_id: int) -> int:
    return services.email_deliver(email_ids=[email_id], limit=1).sent


@shared_task(name="notifications.send_pending_emails", ignore_result=True, expires=50)
def send_pending_emails() -> int:
    """The outbox sweep: delivers what was never queued (broker outage) or is due for a retry."""
    total = 0
    while (result := services.email_deliver()).claimed:
        total += result.sent
    return total


@shared_task(name="notifications.send_renewal_notices", ignore_result=True, expires=6 * 3600)
def send_renewal_notices(on: str | None = None) -> dict:
    """Daily: the due renewal notices into the outbox (sent after commit by the sender)."""
    from jobs.tasks import run_daily_job

    return run_daily_job("send_renewal_notices", on)
