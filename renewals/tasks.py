import logging
from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services

logger = logging.getLogger(__name__)


def _day(on: str | None) -> date:
    return date.fromisoformat(on) if on else timezone.localdate()


@shared_task(name="renewals.refresh_renewal_overview", ignore_result=True, expires=3600)
def refresh_renewal_overview(on: str | None = None) -> dict:
    """Daily: renewable licences of customers within 90 days of their anniversary into the overview."""
    result = services.refresh_renewal_overview(on=_day(on))
    logger.info("Renewal overview: %s rows added, %s updated", result.added, result.updated)
    return {"customers": len(result.customers), "added": result.added, "updated": result.updated}


@shared_task(name="renewals.remove_expired_access", ignore_result=True, expires=3600)
def remove_expired_access(on: str | None = None) -> dict:
    """Daily: customers past the grace period without a renewal lose their deployments."""
    removed = services.remove_expired_access(on=_day(on))
    logger.info("Expired access removed for %s customers", len(removed))
    return {"removed": len(removed)}
