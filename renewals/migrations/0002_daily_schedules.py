"""Put the two daily renewal jobs in the beat schedule once; admin edits are kept afterwards."""

from django.db import migrations

SCHEDULES = [
    # (name, task, hour, minute): after the order deadlines (00:15), before people start work.
    ("Refresh renewal overview (daily)", "renewals.refresh_renewal_overview", "0", "30"),
    ("Remove expired access (daily)", "renewals.remove_expired_access", "0", "45"),
]


def add_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*"
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "expire_seconds": 6 * 3600}
        )


def remove_schedules(apps, schema_editor):
    names = [name for name, *_ in SCHEDULES]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
