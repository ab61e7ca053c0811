from jobs import services
from jobs.commands import DailyJobCommand
from resellerconsole import progress
from resellerconsole.audit import Source


class Command(DailyJobCommand):
    help = "Run every registered daily job, in its order of the day, for one business date."

    def handle(self, *args, **options):
        day = self.day(options)
        with progress.on_terminal(self.stdout):
            ran = services.run_daily_jobs(on=day, dry_run=options["dry_run"], source=Source.COMMAND)
        for name, counts in ran.items():
            summary = ", ".join(f"{key} {value}" for key, value in counts.items())
            self.stdout.write(f"{day.isoformat()} {name}: {summary}")
