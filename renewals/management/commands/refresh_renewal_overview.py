from jobs.commands import DailyJobCommand
from renewals import services


class Command(DailyJobCommand):
    help = "Put the renewable licences of customers within 90 days of their anniversary in the renewal overview."

    def handle(self, *args, **options):
        day = self.day(options)
        result = services.refresh_renewal_overview(on=day, dry_run=options["dry_run"])
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{day.isoformat()}: {len(result.customers)} customers due; {result.added} rows {verb} added, "
            f"{result.updated} {verb} updated"
        )
