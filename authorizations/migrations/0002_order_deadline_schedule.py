"""Put the daily order-deadline sweep in the beat schedule once; admin edits are kept afterwards."""

from django.db import migrations

NAME = "Enforce order deadlines (daily)"


def add_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 00:15 every day in TIME_ZONE, after midnight has made yesterday's day-30 PAs overdue.
    at_quarter_past_midnight, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="0", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "authorizations.enforce_order_deadlines",
            "crontab": at_quarter_past_midnight,
            "expire_seconds": 6 * 3600,
            "description": "Marks accounts Delayed from overdue pending purchase authorizations, and back.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
