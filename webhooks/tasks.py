from celery import shared_task

from . import delivery


@shared_task(name="webhooks.deliver", ignore_result=True, acks_late=True, soft_time_limit=60, time_limit=90)
def deliver_webhook(delivery_id: int) -> bool | None:
    return delivery.delivery_send(delivery_id=delivery_id)


@shared_task(name="webhooks.send_due", ignore_result=True, expires=50)
def send_due_webhooks() -> int:
    """The outbox sweep (every minute): queues what was never queued (broker outage) or is due for a retry."""
    return delivery.deliveries_sweep()
