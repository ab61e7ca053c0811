from jobs.commands import DailyJobCommand
from notifications.notices import send_renewal_notices


class Command(DailyJobCommand):
    help = "Put the renewal notices due on a day in the outbox (the worker sends them after commit)."

    def handle(self, *args, **options):
        day = self.day(options)
        run = send_renewal_notices(on=day, dry_run=options["dry_run"])
        verb = "would be" if options["dry_run"] else "were"
        for kind, created in run.created.items():
            self.stdout.write(f"{day.isoformat()}: {created} {kind} notices {verb} created")
