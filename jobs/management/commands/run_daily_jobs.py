from jobs import services
from jobs.commands import DailyJobCommand
from resellerconsole.audit import Source


class Command(DailyJobCommand):
    help = "Run every daily job in order for one business date (deadlines, overview, notices, removals)."

    def handle(self, *args, **options):
        day = self.day(options)
        for name, counts in services.run_daily_jobs(on=day, dry_run=options["dry_run"], source=Source.COMMAND).items():
            summary = ", ".join(f"{key} {value}" for key, value in counts.items())
            self.stdout.write(f"{day.isoformat()} {name}: {summary}")
