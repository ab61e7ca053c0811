from celery import shared_task

from jobs.tasks import beat_alias

from . import sending


@shared_task(name="notifications.deliver_email", ignore_result=True)
def deliver_email(email_id: int) -> int:
    return sending.email_deliver(email_ids=[email_id], limit=1).sent


@shared_task(name="notifications.send_pending_emails", ignore_result=True, expires=50)
def send_pending_emails() -> int:
    """The outbox sweep: delivers what was never queued (broker outage) or is due for a retry."""
    total = 0
    while (result := sending.email_deliver()).claimed:
        total += result.sent
    return total


#: The renewal notices' task as existing beat rows name it (the job is registered in jobs.py).
send_renewal_notices = beat_alias("notifications.send_renewal_notices", job="send_renewal_notices")
