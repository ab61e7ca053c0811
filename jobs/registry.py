"""The daily jobs' register: each app's `jobs.py` registers its jobs here, and everything that runs them reads it.

`run_job` (jobs.services), the Celery task `jobs.run_daily_job`, the commands, the beat migration and /healthz
all take the jobs from this register, so jobs imports none of the apps whose jobs it runs: an app registers

    @daily_job("enforce_order_deadlines", order=10, schedule=Daily(23, 15), keyed_by="customers.Customer", ...)
    def enforce_order_deadlines_job(*, on, dry_run, key_range):
        sweep = services.enforce_order_deadlines(on=on, dry_run=dry_run, key_range=key_range)
        return sweep, {"delayed": len(sweep.delayed), ...}

and `JobsConfig.ready()` imports every installed app's `jobs` module (as the admin does with `admin`). The job
returns its service's own result (its command prints it) and the counts that are logged and recorded. A day runs
the jobs by their `order`, never by the order the modules happen to be imported in.

A new daily job: register it in its app's `jobs.py` (beat will send it to `jobs.run_daily_job` with its name),
give it a command if operators should run it alone (a `jobs.commands.DailyJobCommand` with `job = "<name>"`),
add a jobs migration that runs `jobs.beat.write_beat_rows` again (its beat row), and its row in the README's
schedule table; the tests in tests/test_jobs_registry.py check the last two against the registry. A task beat
sends every few minutes (an outbox sweep) is not a daily job: it registers with resellerconsole.sweeps instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from resellerconsole.batching import KeyRange

#: The Celery task that runs any daily job by name (jobs/tasks.py); a job's beat row sends it with the job's name
#: unless the job names an older task that existing beat rows still send.
RUN_DAILY_JOB = "jobs.run_daily_job"
#: A day's task still queued six hours later is dropped (the task's and the beat row's expiry): the next night's
#: run does its work.
EXPIRE_SECONDS = 6 * 3600


class JobFunction(Protocol):
    def __call__(self, *, on: date, dry_run: bool, key_range: KeyRange | None) -> tuple[Any, dict]: ...


@dataclass(frozen=True)
class Daily:
    """A time of the day for a job's beat row, in `timezone` (UTC by default: no daylight-saving jumps)."""

    hour: int
    minute: int
    timezone: str = "UTC"

    def __post_init__(self):
        if not (0 <= self.hour < 24 and 0 <= self.minute < 60):
            raise ImproperlyConfigured(f"Not a time of the day: {self.hour}:{self.minute}")

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass(frozen=True)
class DailyJob:
    #: The job's name: in the log line, its JobRun rows, /healthz and the command that runs it.
    name: str
    #: Where in the day it runs (lower first): a day's jobs run in this order, and beat's times follow it.
    order: int
    run: JobFunction
    schedule: Daily
    #: The model ("app_label.Model") whose primary keys the job's key ranges split, when a day is fanned out.
    keyed_by: str
    #: The beat row's name (what the admin's *Periodic tasks* lists) and description.
    title: str
    description: str = ""
    #: The Celery task beat sends: `jobs.run_daily_job`, or an older name existing beat rows still send.
    task: str = RUN_DAILY_JOB

    @property
    def beat_args(self) -> list[str]:
        """The arguments beat sends the task with: the job's name to `jobs.run_daily_job`, none to an alias."""
        return [self.name] if self.task == RUN_DAILY_JOB else []


class Registry(Mapping[str, DailyJob]):
    """The registered daily jobs by name, in their order of the day (iterating gives the names in that order)."""

    def __init__(self) -> None:
        self._jobs: dict[str, DailyJob] = {}

    def register(self, job: DailyJob) -> DailyJob:
        if job.name in self._jobs:
            raise ImproperlyConfigured(f"The daily job {job.name!r} is registered twice")
        for other in self._jobs.values():
            if other.order == job.order:
                raise ImproperlyConfigured(f"The daily jobs {other.name!r} and {job.name!r} have one order")
            if other.task == job.task and other.beat_args == job.beat_args:
                raise ImproperlyConfigured(f"The daily jobs {other.name!r} and {job.name!r} have one beat task")
        self._jobs = dict(sorted({**self._jobs, job.name: job}.items(), key=lambda item: item[1].order))
        return job

    def autodiscover(self) -> None:
        """Import each installed app's `jobs` module, which registers that app's jobs."""
        autodiscover_modules("jobs")

    def __getitem__(self, name: str) -> DailyJob:
        return self._jobs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def __repr__(self) -> str:
        return f"<daily jobs: {', '.join(self._jobs)}>"


#: Every daily job, filled by the apps' `jobs.py` when Django starts (JobsConfig.ready).
DAILY_JOBS = Registry()


def register(
    name: str,
    *,
    order: int,
    run: JobFunction,
    schedule: Daily,
    keyed_by: str,
    title: str,
    description: str = "",
    task: str = RUN_DAILY_JOB,
) -> DailyJob:
    """Register one daily job (see the module's docstring); returns its registration."""
    return DAILY_JOBS.register(
        DailyJob(
            name=name,
            order=order,
            run=run,
            schedule=schedule,
            keyed_by=keyed_by,
            title=title,
            description=description,
            task=task,
        )
    )


def daily_job(name: str, **registration: Any) -> Callable[[JobFunction], JobFunction]:
    """`register` as a decorator of the job's function (which it returns unchanged)."""

    def decorator(run: JobFunction) -> JobFunction:
        register(name, run=run, **registration)
        return run

    return decorator
