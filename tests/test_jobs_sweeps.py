"""The periodic sweeps register themselves (resellerconsole.sweeps, each app's jobs.py) and get their beat rows
from that register, as the daily jobs do: no app writes a beat row by hand any more."""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from jobs import beat
from jobs.beat import write_beat_rows
from resellerconsole.celery import app as celery_app
from resellerconsole.sweeps import SWEEPS, Every, Sweep, register_sweep
from tests.test_jobs_registry import replay_the_beat_migrations

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
#: Beat rows written by an app's own migration before the registers existed; they stay as history, no new one joins.
HISTORICAL_BEAT_MIGRATIONS = {
    "authorizations/migrations/0002_order_deadline_schedule.py",
    "renewals/migrations/0002_daily_schedules.py",
    "idempotency/migrations/0002_purge_schedule.py",
    "notifications/migrations/0002_outbox_sweep_schedule.py",
    "webhooks/migrations/0002_sweep_schedule.py",
}


def sweep_rows() -> dict[str, PeriodicTask]:
    return {row.task: row for row in PeriodicTask.objects.filter(interval__isnull=False).select_related("interval")}


def assert_sweep_rows_are_the_register() -> None:
    rows = sweep_rows()
    assert sorted(rows) == sorted(SWEEPS)
    for sweep in SWEEPS.values():
        row = rows[sweep.task]
        assert (row.name, row.interval.every, row.interval.period, row.expire_seconds, row.args) == (
            sweep.title,
            sweep.every.every,
            sweep.every.period,
            sweep.expire_seconds,
            "[]",
        )
        assert row.enabled


def test_the_apps_register_their_sweeps_and_each_is_a_celery_task():
    assert {task: (str(s.every), s.expire_seconds) for task, s in SWEEPS.items()} == {
        "idempotency.purge_idempotency_keys": ("every 1 hours", 3000),
        "notifications.send_pending_emails": ("every 1 minutes", 50),
        "webhooks.send_due": ("every 1 minutes", 50),
    }
    celery_app.loader.import_default_modules()
    assert set(SWEEPS) <= set(celery_app.tasks)


def test_the_migrations_leave_one_beat_row_per_registered_sweep():
    ran = replay_the_beat_migrations()
    assert "jobs.0007_sweep_rows_from_the_registry" in ran
    assert_sweep_rows_are_the_register()


def test_writing_the_beat_rows_puts_back_a_missing_sweep_and_keeps_the_admins_edits():
    PeriodicTask.objects.filter(interval__isnull=False).delete()
    write_beat_rows(apps)
    write_beat_rows(apps)
    assert_sweep_rows_are_the_register()

    outbox = sweep_rows()["notifications.send_pending_emails"]
    outbox.interval = IntervalSchedule.objects.create(every=5, period="minutes")  # an operator slowed it, paused it
    outbox.enabled = False
    outbox.save()
    PeriodicTask.objects.filter(task="webhooks.send_due").delete()
    write_beat_rows(apps)
    outbox.refresh_from_db()
    assert (outbox.interval.every, outbox.enabled) == (5, False)
    assert sorted(sweep_rows()) == sorted(SWEEPS)


def test_a_sweep_registered_later_gets_its_row(monkeypatch):
    later = {"app.sweep": Sweep(task="app.sweep", every=Every(minutes=10), expire_seconds=500, title="Later sweep")}
    monkeypatch.setattr(beat, "SWEEPS", later)
    write_beat_rows(apps)
    row = PeriodicTask.objects.get(task="app.sweep")
    assert (row.name, row.interval.every, row.interval.period, row.expire_seconds) == (
        "Later sweep",
        10,
        "minutes",
        500,
    )


@pytest.mark.parametrize("every", [{}, {"minutes": 1, "hours": 1}, {"minutes": -1}, {"hours": -2, "minutes": 3}])
def test_an_interval_is_minutes_or_hours(every):
    with pytest.raises(ImproperlyConfigured):
        Every(**every)


def test_a_sweep_is_registered_once_under_one_name():
    existing = next(iter(SWEEPS.values()))
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        register_sweep(task=existing.task, every=Every(minutes=1), expire_seconds=50, title="Another title")
    with pytest.raises(ImproperlyConfigured, match="named"):
        register_sweep(task="app.other", every=Every(minutes=1), expire_seconds=50, title=existing.title)
    assert "app.other" not in SWEEPS


def test_no_app_migration_writes_beat_rows_by_hand_any_more():
    writing = {
        str(path.relative_to(ROOT))
        for path in ROOT.glob("*/migrations/0*.py")
        if "PeriodicTask" in path.read_text() and not path.is_relative_to(ROOT / "jobs")
    }
    assert writing == HISTORICAL_BEAT_MIGRATIONS, "register the sweep or job instead (resellerconsole/sweeps.py)"
