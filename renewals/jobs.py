"""The renewals' daily jobs, registered with jobs (which runs, logs and records them)."""

from datetime import date

from jobs.registry import Daily, daily_job
from resellerconsole.batching import KeyRange

from . import services


@daily_job(
    "refresh_renewal_overview",
    order=20,  # after the deadlines
    schedule=Daily(23, 30),
    keyed_by="customers.Customer",
    title="Refresh renewal overview (daily)",
    description="Puts the renewable licences of customers within 90 days of their anniversary in the overview.",
    # Beat rows in existing databases send this name (renewals/tasks.py keeps it).
    task="renewals.refresh_renewal_overview",
)
def refresh_renewal_overview(*, on: date, dry_run: bool, key_range: KeyRange | None):
    result = services.refresh_renewal_overview(on=on, dry_run=dry_run, key_range=key_range)
    return result, {"customers": len(result.customers), "added": result.added, "updated": result.updated}


@daily_job(
    "auto_renew_subscriptions",
    order=25,  # after the overview (its renewal quantities), before the notices (a renewed customer gets none)
    schedule=Daily(23, 35),
    keyed_by="customers.Customer",
    title="Auto-renew subscriptions (daily)",
    description="Renews, on the anniversary, the subscriptions whose auto-renewal is on; the others are not renewed.",
)
def auto_renew_subscriptions(*, on: date, dry_run: bool, key_range: KeyRange | None):
    run = services.auto_renew(on=on, dry_run=dry_run, key_range=key_range)
    return run, {"due": len(run.due), "renewed": len(run.renewed), "refused": len(run.refused)}


@daily_job(
    "remove_expired_access",
    order=40,  # last of the day, after the notices
    schedule=Daily(23, 50),
    keyed_by="customers.Customer",
    title="Remove expired access (daily)",
    description="Ends the deployments of customers whose grace period ended without a renewal.",
    # Beat rows in existing databases send this name (renewals/tasks.py keeps it).
    task="renewals.remove_expired_access",
)
def remove_expired_access(*, on: date, dry_run: bool, key_range: KeyRange | None):
    removed = services.remove_expired_access(on=on, dry_run=dry_run, key_range=key_range)
    return removed, {"removed": len(removed)}
