from authorizations import services
from customers.models import Customer
from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "Mark Delayed the accounts with an overdue pending purchase authorization, and restore the others."

    def handle(self, *args, **options):
        day = self.day(options)
        sweep = services.enforce_order_deadlines(on=day, dry_run=options["dry_run"])
        verb = "would be" if options["dry_run"] else "were"
        names = dict(Customer.objects.filter(pk__in=sweep.delayed + sweep.restored).values_list("pk", "company_name"))
        for label, ids in (("delayed", sweep.delayed), ("restored", sweep.restored)):
            self.stdout.write(f"{len(ids)} accounts {verb} {label} for {day.isoformat()}")
            for pk in ids:
                self.stdout.write(f"  {label}: {names.get(pk, pk)} (id {pk})")
