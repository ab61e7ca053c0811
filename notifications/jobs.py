"""The notifications' daily job, registered with jobs (which runs, logs and records it), and the outbox sweep."""

from datetime import date

from jobs.registry import Daily, daily_job
from resellerconsole.batching import KeyRange
from resellerconsole.sweeps import Every, register_sweep

from . import notices


@daily_job(
    "send_renewal_notices",
    order=30,  # after the overview, before the removals
    schedule=Daily(23, 40),
    keyed_by="customers.Customer",
    title="Send renewal notices (daily)",
    description="Puts the renewal notices due today in the outbox (sent after commit).",
    # Beat rows in existing databases send this name (notifications/tasks.py keeps it).
    task="notifications.send_renewal_notices",
)
def send_renewal_notices(*, on: date, dry_run: bool, key_range: KeyRange | None):
    run = notices.send_renewal_notices(on=on, dry_run=dry_run, key_range=key_range)
    return run, run.created


# Every minute: delivers what a broker outage kept from being queued, and retries due failures.
register_sweep(
    task="notifications.send_pending_emails",
    every=Every(minutes=1),
    expire_seconds=50,
    title="Send pending e-mails (outbox sweep)",
    description="Delivers outbox e-mails that are pending or due for a retry.",
)
