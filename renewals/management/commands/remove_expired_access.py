from customers.models import Customer
from jobs.commands import DailyJobCommand


class Command(DailyJobCommand):
    help = "End the deployments of customers whose grace period ended without a renewal; mark them Inactive."
    job = "remove_expired_access"

    def handle(self, *args, **options):
        day, removed = self.run_job(options)
        verb = "would lose" if options["dry_run"] else "lost"
        self.stdout.write(f"{day.isoformat()}: {len(removed)} customers {verb} access")
        for pk, name in Customer.objects.filter(pk__in=removed).values_list("pk", "company_name"):
            self.stdout.write(f"  {name} (id {pk})")
