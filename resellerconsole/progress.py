"""Progress of long commands on a terminal: a line per batch with its rows, the running total and the rate.

A command turns it on for its own run (`on_terminal(self.stdout)`), and only when its output is a terminal:
under cron, a container's log or a pipe it writes nothing, so logs keep only the one `job=…` line per job. The
work reports through `batch_done` (the daily jobs' keyset batches do) and names itself with `stage`; without a
command listening both cost one context-variable look-up.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol


class _Writable(Protocol):
    def write(self, text: str) -> object: ...


class Progress:
    def __init__(self, out: _Writable, *, clock=time.monotonic) -> None:
        self.out = out
        self.clock = clock
        self.label = ""
        self._start(self.label)

    def _start(self, label: str) -> None:
        self.label, self.batches, self.rows, self.started = label, 0, 0, self.clock()

    def batch(self, rows: int) -> None:
        self.batches += 1
        self.rows += rows
        elapsed = max(self.clock() - self.started, 1e-9)
        self.out.write(
            f"{self.label or 'batch'}: batch {self.batches}, {rows:,} rows "
            f"({self.rows:,} in {elapsed:.1f} s, {self.rows / elapsed:,.0f} rows/s)\n"
        )

    def finish(self, summary: str = "") -> None:
        elapsed = self.clock() - self.started
        rate = f", {self.rows / elapsed:,.0f} rows/s" if self.rows and elapsed > 0 else ""
        self.out.write(
            f"{self.label}: done, {self.batches:,} batches, {self.rows:,} rows in {elapsed:.1f} s{rate}"
            f"{' - ' + summary if summary else ''}\n"
        )


_current: ContextVar[Progress | None] = ContextVar("progress", default=None)


def is_terminal(out) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@contextlib.contextmanager
def on_terminal(out) -> Iterator[Progress | None]:
    """Report progress to `out` while the block runs, if `out` is a terminal (else report nothing)."""
    if not is_terminal(out):
        yield None
        return
    token = _current.set(Progress(_Lines(out)))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def stage(label: str) -> Iterator[None]:
    """One named part of the work (a daily job, a seeding step): its batches are counted from zero."""
    progress = _current.get()
    if progress is not None:
        progress._start(label)
    yield


def batch_done(rows: int) -> None:
    """One batch of `rows` rows has been worked through."""
    progress = _current.get()
    if progress is not None:
        progress.batch(rows)


def stage_done(summary: str = "") -> None:
    """The stage ended: its totals, and the summary (a job's counts)."""
    progress = _current.get()
    if progress is not None:
        progress.finish(summary)


class _Lines:
    """Django's OutputWrapper adds its own line ending: hand it lines without one."""

    def __init__(self, out) -> None:
        self.out = out

    def write(self, text: str) -> None:
        if hasattr(self.out, "style_func"):
            self.out.write(text.rstrip("\n"))
        else:
            self.out.write(text)
