from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class DailyJobCommand(BaseCommand):
    """A daily job as a command: --date to run for another business date, --dry-run to change nothing.

    Every daily-job command parses its options here, so they all take and check them the same way.
    """

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for (YYYY-MM-DD); default: today in TIME_ZONE.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def day(self, options) -> date:
        try:
            return date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-29, not {options['date']!r}") from None
