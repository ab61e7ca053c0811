from customers.models import Customer
from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "Mark Delayed the accounts with an overdue pending purchase authorization, and restore the others."
    job = "enforce_order_deadlines"

    def handle(self, *args, **options):
        day, sweep = self.run_job(options)
        verb = "would be" if options["dry_run"] else "were"
        names = dict(Customer.objects.filter(pk__in=sweep.delayed + sweep.restored).values_list("pk", "company_name"))
        for label, ids in (("delayed", sweep.delayed), ("restored", sweep.restored)):
            self.stdout.write(f"{len(ids)} accounts {verb} {label} for {day.isoformat()}")
            for pk in ids:
                self.stdout.write(f"  {label}: {names.get(pk, pk)} (id {pk})")
        if sweep.kept:
            self.stdout.write(
                f"restore pass skipped for {sweep.kept} accounts: a run for {sweep.decided_for.isoformat()} "
                "already decided them (their overdue purchase authorizations are still pending)"
            )
