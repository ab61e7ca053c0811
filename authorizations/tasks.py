import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="authorizations.enforce_order_deadlines", ignore_result=True, expires=3600)
def enforce_order_deadlines(on: str | None = None) -> dict:
    """Daily: Delayed exactly the accounts with an overdue pending purchase authorization."""
    day = date.fromisoformat(on) if on else timezone.localdate()
    sweep = services.enforce_order_deadlines(on=day)
    logger.info("Order deadlines for %s: %s delayed, %s restored", day, len(sweep.delayed), len(sweep.restored))
    return {"delayed": len(sweep.delayed), "restored": len(sweep.restored)}
