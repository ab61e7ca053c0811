from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jobs import services


class Command(BaseCommand):
    help = "Run every daily job in order for one business date (deadlines, overview, notices, removals)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The business date (YYYY-MM-DD); default: today in TIME_ZONE.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-29, not {options['date']!r}") from None
        for name, counts in services.run_daily_jobs(on=day, dry_run=options["dry_run"]).items():
            summary = ", ".join(f"{key} {value}" for key, value in counts.items())
            self.stdout.write(f"{day.isoformat()} {name}: {summary}")
