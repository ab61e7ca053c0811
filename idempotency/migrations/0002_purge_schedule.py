"""Put the hourly purge of old idempotency keys in the beat schedule once; admin edits are kept."""

from django.db import migrations

NAME = "Purge old API idempotency keys (hourly)"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "idempotency.purge_idempotency_keys",
            "interval": hourly,
            "expire_seconds": 3000,
            "description": "Forgets API idempotency keys older than IDEMPOTENCY_KEY_HOURS.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("idempotency", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
