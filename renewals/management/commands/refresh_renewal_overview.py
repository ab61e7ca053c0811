from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "Put the renewable licences of customers within 90 days of their anniversary in the renewal overview."
    job = "refresh_renewal_overview"

    def handle(self, *args, **options):
        day, result = self.run_job(options)
        verb = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{day.isoformat()}: {len(result.customers)} customers due; {result.added} rows {verb} added, "
            f"{result.updated} {verb} updated"
        )
