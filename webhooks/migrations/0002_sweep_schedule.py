"""Put the webhook outbox sweep in the beat schedule once; later edits in the admin are kept (never recreated)."""

from django.db import migrations

SWEEP_NAME = "Send due webhooks (webhook outbox sweep)"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Every minute: queues what a broker outage kept from being queued, and the retries that are due.
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "webhooks.send_due",
            "interval": every_minute,
            "expire_seconds": 50,
            "description": "Queues webhook deliveries that are pending or due for a retry, one task each.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
