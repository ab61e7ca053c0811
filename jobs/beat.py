"""The beat rows of the daily jobs and the periodic sweeps, written from their registers (jobs.registry and
resellerconsole.sweeps): what jobs/migrations/0004 (and any later one) runs.

Before the registers, data migrations in five apps wrote these rows (they stay as history); from here on this
function writes them. A job or sweep registered later gets its row from a new jobs migration that runs it again.
"""

import json

from django.utils import timezone

from resellerconsole.sweeps import SWEEPS

from .registry import DAILY_JOBS, EXPIRE_SECONDS


def write_beat_rows(apps, schema_editor=None) -> None:
    """Every registered daily job's beat row, created from its registration when no row sends the job yet.

    A row already sending the job's task and arguments is left as it is (its time, expiry and description are the
    admin's to change). A row named like the job but sending something else is pointed at the job, keeping its
    schedule: so a job whose task changes (say, from its old alias to `jobs.run_daily_job`) keeps its row and time.
    Safe to run any number of times.
    """
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for job in DAILY_JOBS.values():
        sends = {"task": job.task, "args": json.dumps(job.beat_args)}
        if PeriodicTask.objects.filter(**sends).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(job.schedule.minute),
            hour=str(job.schedule.hour),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=job.schedule.timezone,
        )
        PeriodicTask.objects.update_or_create(
            name=job.title,
            defaults=sends,
            create_defaults={
                **sends,
                "crontab": crontab,
                "expire_seconds": EXPIRE_SECONDS,
                "description": job.description,
            },
        )
    write_sweep_rows(apps)
    # A running beat rereads its schedule when this changes (the historical model has no save() that bumps it).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def write_sweep_rows(apps) -> None:
    """Every registered sweep's beat row, created when no row sends its task yet (an existing one is the admin's)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for sweep in SWEEPS.values():
        if PeriodicTask.objects.filter(task=sweep.task).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=sweep.every.every, period=sweep.every.period)
        PeriodicTask.objects.update_or_create(
            name=sweep.title,
            defaults={"task": sweep.task, "args": "[]"},
            create_defaults={
                "task": sweep.task,
                "interval": interval,
                "expire_seconds": sweep.expire_seconds,
                "description": sweep.description,
            },
        )
