from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "Put the renewal notices due on a day in the outbox (the worker sends them after commit)."
    job = "send_renewal_notices"

    def handle(self, *args, **options):
        day, run = self.run_job(options)
        verb = "would be" if options["dry_run"] else "were"
        for kind, created in run.created.items():
            self.stdout.write(f"{day.isoformat()}: {created} {kind} notices {verb} created")
