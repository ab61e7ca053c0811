"""GET /metrics: the Prometheus endpoint, for operators only (a bearer token, METRICS_TOKEN; off when unset).

What it shows and the alert a team would set on each: docs/operations.md. The database figures are read when
Prometheus scrapes (a handful of indexed queries), so every web worker answers the same whatever served it.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from jobs.selectors import last_successful_runs
from notifications.selectors import oldest_pending_created_at, outbox_depth
from resellerconsole.celery import app as celery_app
from resellerconsole.metrics import process_registry, task_failures


class ConsoleCollector:
    """The figures read from the database and the cache at scrape time."""

    def collect(self):
        now = timezone.now()
        depth = GaugeMetricFamily(
            "console_outbox_emails", "E-mails in the outbox by state (sent ones not counted).", labels=["state"]
        )
        for state, count in outbox_depth().items():
            depth.add_metric([state], count)
        yield depth

        oldest = oldest_pending_created_at()
        yield GaugeMetricFamily(
            "console_outbox_oldest_pending_age_seconds",
            "Age of the oldest e-mail still waiting to be sent (0 when none waits).",
            value=(now - oldest).total_seconds() if oldest else 0,
        )

        success = GaugeMetricFamily(
            "console_daily_job_last_success_timestamp_seconds",
            "When each daily job last finished a run (Unix time; 0 if it never ran).",
            labels=["job"],
        )
        duration = GaugeMetricFamily(
            "console_daily_job_last_duration_seconds", "How long each daily job's last run took.", labels=["job"]
        )
        for name, run in last_successful_runs().items():
            success.add_metric([name], run.finished_at.timestamp() if run else 0)
            duration.add_metric([name], run.duration_ms / 1000 if run else 0)
        yield success
        yield duration

        failures = CounterMetricFamily(
            "console_worker_task_failures", "Celery tasks that ended in an error, by task.", labels=["task"]
        )
        for task, count in task_failures(console_tasks()).items():
            failures.add_metric([task], count)
        yield failures


def console_tasks() -> list[str]:
    """The console's own Celery tasks (not Celery's built-in ones)."""
    return sorted(name for name in celery_app.tasks if not name.startswith("celery."))


def _authorised(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), settings.METRICS_TOKEN.encode())


@never_cache
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        response = HttpResponse("A bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    registry.register(ConsoleCollector())
    body = generate_latest(registry) + generate_latest(process_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
