from celery import shared_task

from . import services


@shared_task(name="idempotency.purge_idempotency_keys", ignore_result=True, expires=3000)
def purge_idempotency_keys() -> int:
    """Hourly: forget API idempotency keys past their retention (a delete by age: safe to run twice)."""
    return services.idempotency_keys_purge()
