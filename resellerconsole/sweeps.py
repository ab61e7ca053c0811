"""The periodic sweeps' register: tasks beat sends every few minutes or hours, beside the daily jobs (jobs.registry).

A sweep is not a day's job: it takes no date, records no JobRun and runs whatever is due when it runs (the outbox
sweep, the webhook sweep, the idempotency-key purge). Each app registers its sweeps in its `jobs.py`

    register_sweep(task="notifications.send_pending_emails", every=Every(minutes=1), expire_seconds=50,
                   title="Send pending e-mails (outbox sweep)", description="...")

and `jobs.beat.write_beat_rows` (run by a jobs migration) writes the beat row of each one that has none, so no app
writes beat rows by hand any more. It lives in the kernel because the apps that own sweeps sit at every layer,
idempotency beside jobs among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Every:
    """An interval for a sweep's beat row: minutes or hours (django-celery-beat's IntervalSchedule)."""

    minutes: int = 0
    hours: int = 0

    def __post_init__(self):
        if (self.minutes > 0) == (self.hours > 0) or min(self.minutes, self.hours) < 0:
            raise ImproperlyConfigured("A sweep runs every so many minutes or every so many hours")

    @property
    def period(self) -> str:
        return "minutes" if self.minutes else "hours"

    @property
    def every(self) -> int:
        return self.minutes or self.hours

    def __str__(self) -> str:
        return f"every {self.every} {self.period}"


@dataclass(frozen=True)
class Sweep:
    #: The Celery task beat sends (without arguments).
    task: str
    every: Every
    #: A sweep still queued this long after beat sent it is dropped: the next one does its work.
    expire_seconds: int
    #: The beat row's name (what the admin's *Periodic tasks* lists) and description.
    title: str
    description: str = ""


#: Every periodic sweep by its task, filled by the apps' `jobs.py` when Django starts (JobsConfig.ready).
SWEEPS: dict[str, Sweep] = {}


def register_sweep(*, task: str, every: Every, expire_seconds: int, title: str, description: str = "") -> Sweep:
    """Register one periodic sweep (see the module's docstring); returns its registration."""
    if task in SWEEPS:
        raise ImproperlyConfigured(f"The sweep {task!r} is registered twice")
    if any(other.title == title for other in SWEEPS.values()):
        raise ImproperlyConfigured(f"Two sweeps are named {title!r}")
    sweep = SWEEPS[task] = Sweep(
        task=task, every=every, expire_seconds=expire_seconds, title=title, description=description
    )
    return sweep
