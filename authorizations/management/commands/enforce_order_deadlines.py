from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from authorizations import services
from customers.models import Customer


class Command(BaseCommand):
    help = "Mark Delayed the accounts with an overdue pending purchase authorization, and restore the others."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to run for (YYYY-MM-DD); default: today in TIME_ZONE.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date must look like 2026-11-29, not {options['date']!r}") from None
        sweep = services.enforce_order_deadlines(on=day, dry_run=options["dry_run"])
        verb = "would be" if options["dry_run"] else "were"
        names = dict(Customer.objects.filter(pk__in=sweep.delayed + sweep.restored).values_list("pk", "company_name"))
        for label, ids in (("delayed", sweep.delayed), ("restored", sweep.restored)):
            self.stdout.write(f"{len(ids)} accounts {verb} {label} for {day.isoformat()}")
            for pk in ids:
                self.stdout.write(f"  {label}: {names.get(pk, pk)} (id {pk})")
