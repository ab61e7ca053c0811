"""The daily jobs register themselves (each app's jobs.py); one task, one command path and run_job for all of them."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from accounts.models import User
from jobs import beat, services
from jobs.beat import write_beat_rows
from jobs.commands import DailyJobCommand
from jobs.models import JobRun
from jobs.registry import DAILY_JOBS, EXPIRE_SECONDS, RUN_DAILY_JOB, Daily, DailyJob, Registry
from jobs.tasks import run_daily_job
from resellerconsole.audit import Source
from resellerconsole.batching import KeyRange
from resellerconsole.celery import app as celery_app
from tests.factories import ActiveCustomerFactory, SalesFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 5, 1)
THE_DAY = [
    "enforce_order_deadlines",
    "refresh_renewal_overview",
    "auto_renew_subscriptions",
    "send_renewal_notices",
    "remove_expired_access",
]


def job(name: str, order: int, ran: list | None = None, **overrides) -> DailyJob:
    def run(*, on, dry_run, key_range):
        if ran is not None:
            ran.append((name, on, dry_run, key_range))
        return f"{name} result", {"done": 1}

    fields = {"schedule": Daily(1, order % 60), "keyed_by": "customers.Customer", "title": f"{name} (daily)"}
    return DailyJob(name=name, order=order, run=run, **{**fields, **overrides})


@pytest.fixture
def registry(monkeypatch):
    """A registry of made-up jobs in place of the apps' (run_job, /healthz and the beat rows read it)."""
    made_up = Registry()
    monkeypatch.setattr(services, "DAILY_JOBS", made_up)
    monkeypatch.setattr(beat, "DAILY_JOBS", made_up)
    return made_up


def beat_rows() -> dict[tuple[str, str], PeriodicTask]:
    """The daily beat rows by the task and arguments they send."""
    return {(row.task, row.args): row for row in PeriodicTask.objects.filter(crontab__isnull=False)}


def assert_beat_rows_are_the_registry() -> None:
    rows = beat_rows()
    assert sorted(rows) == sorted((job.task, json.dumps(job.beat_args)) for job in DAILY_JOBS.values())
    for job in DAILY_JOBS.values():
        row = rows[job.task, json.dumps(job.beat_args)]
        assert (row.name, row.crontab.hour, row.crontab.minute, str(row.crontab.timezone)) == (
            job.title,
            str(job.schedule.hour),
            str(job.schedule.minute),
            job.schedule.timezone,
        )
        assert row.enabled and row.expire_seconds == EXPIRE_SECONDS


def test_the_apps_register_the_day_in_its_order_with_beat_times_that_follow_it():
    assert list(DAILY_JOBS) == THE_DAY
    jobs = list(DAILY_JOBS.values())
    assert [j.order for j in jobs] == sorted(j.order for j in jobs)
    times = [(j.schedule.hour, j.schedule.minute) for j in jobs]
    assert times == sorted(times)
    assert {j.schedule.timezone for j in jobs} == {"UTC"}
    assert [str(j.schedule) for j in jobs] == ["23:15", "23:30", "23:35", "23:40", "23:50"]


def test_the_order_comes_from_the_registration_not_from_the_import_order(registry):
    ran: list = []
    for name, order in [("last", 30), ("first", 10), ("second", 20)]:
        registry.register(job(name, order, ran))
    assert list(registry) == ["first", "second", "last"]

    assert services.run_daily_jobs(on=DAY) == dict.fromkeys(["first", "second", "last"], {"done": 1})
    assert [name for name, *_ in ran] == ["first", "second", "last"]
    assert list(JobRun.objects.order_by("pk").values_list("job", flat=True)) == ["first", "second", "last"]


def test_a_registration_is_refused_when_its_name_order_or_beat_task_is_taken():
    registry = Registry()
    registry.register(job("one", 10, task="app.one"))
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        registry.register(job("one", 20))
    with pytest.raises(ImproperlyConfigured, match="have one order"):
        registry.register(job("two", 10))
    with pytest.raises(ImproperlyConfigured, match="have one beat task"):
        registry.register(job("two", 20, task="app.one"))
    with pytest.raises(ImproperlyConfigured, match="Not a time"):
        Daily(24, 0)
    assert list(registry) == ["one"]


def test_beat_sends_a_new_job_to_the_one_task_with_its_name_and_an_old_one_to_its_alias():
    assert job("new", 10).task == RUN_DAILY_JOB and job("new", 10).beat_args == ["new"]
    assert job("old", 10, task="app.old").beat_args == []


def test_every_registered_job_runs_through_run_job_from_the_task_its_beat_row_sends(caplog):
    celery_app.autodiscover_tasks(force=True)  # every app's tasks.py, as a worker imports them on start
    with caplog.at_level("INFO", logger="jobs"):
        for registered in DAILY_JOBS.values():
            counts = celery_app.tasks[registered.task](*registered.beat_args, DAY.isoformat())
            assert counts == services.run_job(registered.name, on=DAY, dry_run=True)
        assert run_daily_job("enforce_order_deadlines", DAY.isoformat()) == {"delayed": 0, "restored": 0}
    jobs_logged = [r.getMessage().split()[0] for r in caplog.records if "dry_run=false" in r.getMessage()]
    assert jobs_logged == [f"job={name}" for name in [*THE_DAY, "enforce_order_deadlines"]]
    assert list(JobRun.objects.order_by("pk").values_list("job", "source")) == [
        *((name, Source.JOB) for name in THE_DAY),
        ("enforce_order_deadlines", Source.JOB),
    ]


def test_every_registered_job_has_its_command_and_every_daily_job_command_names_a_registered_job():
    commands = {}
    for name, app_name in get_commands().items():
        command = load_command_class(app_name, name)
        if isinstance(command, DailyJobCommand) and command.job:
            commands[name] = command.job
    assert commands == {name: name for name in THE_DAY}


def test_a_command_runs_its_job_through_run_job_as_the_command_line(registry, monkeypatch):
    ran: list = []
    registry.register(job("enforce_order_deadlines", 10, ran))
    monkeypatch.setattr(
        "authorizations.management.commands.enforce_order_deadlines.Command.handle",
        lambda self, *args, **options: self.run_job(options) and None,
    )
    call_command("enforce_order_deadlines", "--date", DAY.isoformat())
    call_command("enforce_order_deadlines", "--date", DAY.isoformat(), "--dry-run")
    assert ran == [("enforce_order_deadlines", DAY, False, None), ("enforce_order_deadlines", DAY, True, None)]
    assert list(JobRun.objects.values_list("job", "source")) == [("enforce_order_deadlines", Source.COMMAND)]


def test_key_ranges_split_the_model_a_job_is_keyed_by(registry):
    sales = SalesFactory()
    customers = [ActiveCustomerFactory(reseller=sales.reseller) for _ in range(4)]
    registry.register(job("by_customer", 10))
    registry.register(job("by_user", 20, keyed_by="accounts.User"))

    users = sorted(User.objects.values_list("pk", flat=True))
    assert sales.pk in users

    by_customer = services.key_ranges(2, name="by_customer")
    assert (by_customer[0].first, by_customer[-1].last) == (customers[0].pk, customers[-1].pk)
    assert services.key_ranges(1, name="by_user") == [KeyRange(users[0], users[-1])]
    # Without a name: the keys of every model a job is keyed by.
    everything = services.key_ranges(1)
    assert everything == [KeyRange(min(users[0], customers[0].pk), max(users[-1], customers[-1].pk))]


def replay_the_beat_migrations() -> list[str]:
    """The beat rows as `migrate` leaves them: every data migration that writes django_celery_beat's tables, run
    in the order migrate applies them, each with the models as they were then (another test's flush may have
    emptied the tables, so the rows are made again rather than trusted). Returns the migrations it ran."""
    PeriodicTask.objects.all().delete()
    executor = MigrationExecutor(connection)
    ran = []
    for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True):
        writes_beat = any(app_label == "django_celery_beat" for app_label, _ in migration.dependencies)
        if not writes_beat or migration.app_label == "django_celery_beat":
            continue
        state = executor.loader.project_state((migration.app_label, migration.name), at_end=False)
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                operation.code(state.apps, None)
        ran.append(f"{migration.app_label}.{migration.name}")
    return ran


def test_the_migrations_leave_one_beat_row_per_registered_job_at_its_time():
    ran = replay_the_beat_migrations()
    assert {"authorizations.0002_order_deadline_schedule", "renewals.0002_daily_schedules"} < set(ran)
    assert ran.index("jobs.0002_daily_schedule_in_utc") < ran.index("jobs.0004_beat_rows_from_the_registry")
    assert_beat_rows_are_the_registry()


def test_writing_the_beat_rows_creates_what_is_missing_and_keeps_the_admins_edits():
    PeriodicTask.objects.filter(crontab__isnull=False).delete()
    write_beat_rows(apps)
    write_beat_rows(apps)
    assert_beat_rows_are_the_registry()

    deadlines = DAILY_JOBS["enforce_order_deadlines"]
    edited = PeriodicTask.objects.get(task=deadlines.task)
    edited.crontab = CrontabSchedule.objects.create(minute="5", hour="3")  # an operator moved it and paused it
    edited.enabled = False
    edited.save()
    write_beat_rows(apps)
    edited.refresh_from_db()
    assert (edited.crontab.hour, edited.crontab.minute, edited.enabled) == ("3", "5", False)
    assert len(beat_rows()) == len(DAILY_JOBS)


def test_a_job_whose_task_changes_keeps_its_beat_row_and_time(registry):
    old = PeriodicTask.objects.create(
        name="Old (daily)", task="app.old", crontab=CrontabSchedule.objects.create(minute="5", hour="3")
    )
    registry.register(job("old", 10, title="Old (daily)", schedule=Daily(23, 0)))  # now sent to run_daily_job
    registry.register(job("new", 20, title="New (daily)", schedule=Daily(23, 5)))
    write_beat_rows(apps)
    write_beat_rows(apps)

    old.refresh_from_db()
    assert (old.task, old.args, old.crontab.hour, old.crontab.minute) == (RUN_DAILY_JOB, '["old"]', "3", "5")
    new = PeriodicTask.objects.get(name="New (daily)")
    assert (new.task, new.args, new.crontab.hour, new.crontab.minute) == (RUN_DAILY_JOB, '["new"]', "23", "5")
    assert new.expire_seconds == EXPIRE_SECONDS and str(new.crontab.timezone) == "UTC"


def test_the_readme_schedule_table_is_the_registry():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = re.findall(r"^ *\| `(\w+)` \| (\d\d:\d\d) \|", readme, re.MULTILINE)
    assert table == [(name, str(registered.schedule)) for name, registered in DAILY_JOBS.items()]


def test_healthz_reports_the_registered_jobs(registry, client):
    registry.register(job("first", 10))
    registry.register(job("second", 20))
    services.run_job("first", on=DAY)
    health = client.get(reverse("healthz")).json()
    assert list(health["daily_jobs_last_success"]) == ["first", "second"]
    assert health["daily_jobs_last_success"]["first"] and health["daily_jobs_last_success"]["second"] is None
