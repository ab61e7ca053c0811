"""The daily jobs' beat rows in UTC (the business date is still today in TIME_ZONE when they run).

23:15–23:50 UTC is 00:15–00:50 in Stockholm in winter and 01:15–01:50 in summer: after local midnight
either way, so the day's deadlines and anniversaries have turned over. Rows an admin already edited keep
their schedule.
"""

from django.db import migrations

SCHEDULE = [
    # (name, task, minute): in the order a day needs them.
    ("Enforce order deadlines (daily)", "authorizations.enforce_order_deadlines", "15"),
    ("Refresh renewal overview (daily)", "renewals.refresh_renewal_overview", "30"),
    ("Send renewal notices (daily)", "notifications.send_renewal_notices", "40"),
    ("Remove expired access (daily)", "renewals.remove_expired_access", "50"),
]
#: What the first migrations created in TIME_ZONE: replaced only while nobody has changed it.
PREVIOUS = {"authorizations.enforce_order_deadlines": ("0", "15"), "renewals.refresh_renewal_overview": ("0", "30"),
            "renewals.remove_expired_access": ("0", "45")}


def to_utc(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute in SCHEDULE:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour="23", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        entry = PeriodicTask.objects.filter(task=task).first()
        if entry is None:
            PeriodicTask.objects.create(name=name, task=task, crontab=crontab, expire_seconds=6 * 3600)
        elif entry.crontab and (entry.crontab.hour, entry.crontab.minute) == PREVIOUS.get(task):
            entry.crontab = crontab
            entry.save(update_fields=["crontab"])


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("authorizations", "0002_order_deadline_schedule"),
        ("renewals", "0002_daily_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(to_utc, migrations.RunPython.noop)]
