"""The purchase authorizations' daily job, registered with jobs (which runs, logs and records it)."""

from datetime import date

from jobs.registry import Daily, daily_job
from resellerconsole.batching import KeyRange

from . import services


@daily_job(
    "enforce_order_deadlines",
    order=10,
    # 23:15 UTC is 00:15 in Stockholm in winter, 01:15 in summer: after midnight has made yesterday's day-30 PAs
    # overdue either way.
    schedule=Daily(23, 15),
    keyed_by="customers.Customer",
    title="Enforce order deadlines (daily)",
    description="Marks accounts Delayed from overdue pending purchase authorizations, and back.",
    # Beat rows in existing databases send this name (authorizations/tasks.py keeps it).
    task="authorizations.enforce_order_deadlines",
)
def enforce_order_deadlines(*, on: date, dry_run: bool, key_range: KeyRange | None):
    """First of the day: Delayed exactly the accounts with an overdue pending purchase authorization."""
    sweep = services.enforce_order_deadlines(on=on, dry_run=dry_run, key_range=key_range)
    counts = {"delayed": len(sweep.delayed), "restored": len(sweep.restored)}
    if sweep.kept:
        # The log line says that a backdated run left alone what a run for a later date decided.
        counts.update(kept_delayed=sweep.kept, decided_for=sweep.decided_for.isoformat())
    return sweep, counts
