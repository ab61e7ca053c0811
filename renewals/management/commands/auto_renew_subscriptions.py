from customers.models import Customer
from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "Renew, on the anniversary, the subscriptions whose auto-renewal is on (the others are not renewed)."
    job = "auto_renew_subscriptions"

    def handle(self, *args, **options):
        day, run = self.run_job(options)
        if options["dry_run"]:
            self.stdout.write(f"{day.isoformat()}: {len(run.due)} customers would be auto-renewed")
            return
        self.stdout.write(f"{day.isoformat()}: {len(run.renewed)} customers auto-renewed, {len(run.refused)} refused")
        names = dict(Customer.objects.filter(pk__in=[*run.renewed, *run.refused]).values_list("pk", "company_name"))
        for pk in run.renewed:
            self.stdout.write(f"  {names.get(pk, '')} (id {pk})")
        for pk, code in run.refused.items():
            self.stdout.write(f"  refused: {names.get(pk, '')} (id {pk}): {code}")
