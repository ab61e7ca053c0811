from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from resellerconsole import progress
from resellerconsole.audit import Source

from . import services


class DailyJobCommand(BaseCommand):
    """A daily job as a command: --date to run for another business date, --dry-run to change nothing.

    Every daily-job command parses its options here, so they all take and check them the same way, and runs its
    job through `jobs.services.run_job` like beat does: one `job=…` log line and a JobRun row (source "command"), so
    /healthz sees a catch-up done by hand. A dry run logs its line and records nothing. On a terminal it shows a
    line per batch (resellerconsole/progress.py).
    """

    #: The job's registered name (jobs.registry); empty for a command that is not one daily job.
    job = ""

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for (YYYY-MM-DD); default: today in TIME_ZONE.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def day(self, options) -> date:
        try:
            return date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-29, not {options['date']!r}") from None

    def run_job(self, options) -> tuple[date, Any]:
        """Run this command's job for the chosen day; returns the day and the service's result."""
        day = self.day(options)
        # On a terminal, a line per batch with its rows and rate; in a log or a pipe, nothing more.
        with progress.on_terminal(self.stdout):
            result, _counts = services.run_job_with_result(
                self.job, on=day, dry_run=options["dry_run"], source=Source.COMMAND
            )
        return day, result
