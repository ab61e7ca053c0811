"""Prometheus metrics kept while the console runs: request latency by view and worker task failures.

The figures read from the database (outbox, daily jobs) are computed when Prometheus scrapes (pages/metrics.py),
so they need no shared state. These two are counted as things happen:

- request latency, in this process's registry; with gunicorn's several workers set PROMETHEUS_MULTIPROC_DIR (an
  empty folder per container, e.g. a tmpfs) so every worker writes its samples there and a scrape of any worker
  sums them all (prometheus-client's multiprocess mode; docs/operations.md);
- worker task failures, in the cache (Redis through CACHE_URL in production), because they happen in the Celery
  workers, other processes and usually other containers than the one Prometheus scrapes.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.registry import REGISTRY

REQUEST_SECONDS = Histogram(
    "console_request_duration_seconds",
    "Time from the request reaching Django to its response, by view (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_TASK_FAILURES_KEY = "metrics:task-failures:{}"


class RequestMetricsMiddleware:
    """Times each request by the name of the view that answered it (a bounded set: the URL names)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        REQUEST_SECONDS.labels(view=view, method=request.method, status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


def process_registry() -> CollectorRegistry:
    """The metrics counted in the web processes: every gunicorn worker's in multiprocess mode, else this one's."""
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


def count_task_failure(task: str) -> None:
    """One more failure of the Celery task (celery's task_failure signal, resellerconsole/celery.py)."""
    key = _TASK_FAILURES_KEY.format(task)
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, timeout=None)


def task_failures(tasks: list[str]) -> dict[str, int]:
    """Failures counted so far for each of the tasks (one cache round trip)."""
    found = cache.get_many([_TASK_FAILURES_KEY.format(task) for task in tasks])
    return {task: int(found.get(_TASK_FAILURES_KEY.format(task), 0)) for task in tasks}
