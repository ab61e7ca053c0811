"""Issue 17: GET /metrics answers operators (a bearer token) with the console's figures, and nobody else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers import services as customer_services
from jobs import services as job_services
from jobs.registry import DAILY_JOBS
from jobs.tasks import run_daily_job
from notifications import sending as email_sending
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
TOKEN = "test-metrics-token"
LISTED = (
    "console_request_duration_seconds",
    "console_outbox_emails",
    "console_outbox_oldest_pending_age_seconds",
    "console_daily_job_last_success_timestamp_seconds",
    "console_daily_job_last_duration_seconds",
    "console_worker_task_failures_total",
)


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def value(samples, name, **labels) -> float:
    wanted = [f'{key}="{label}"' for key, label in labels.items()]
    found = [v for key, v in samples.items() if key.split("{")[0] == name and all(w in key for w in wanted)]
    assert found, f"no {name} {labels} in {sorted(samples)}"
    return sum(found)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Token {TOKEN}"}, {"Authorization": TOKEN}],
)
def test_anyone_without_the_token_is_refused_and_sees_no_figures(client, headers):
    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"console_" not in response.content


def test_a_signed_in_console_user_is_refused_too(sales_client):
    assert sales_client.get("/metrics").status_code == 401


def test_without_a_token_set_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_the_metrics_after_a_job_run_and_an_email_send(client, sales_client, sales):
    job = next(iter(DAILY_JOBS))
    customer = CustomerFactory(reseller=sales.reseller)
    written = timezone.now()
    customer_services.customer_send_invitation(customer=customer, actor=sales)
    run_on = date(2026, 11, 30)
    job_services.run_job(job, on=run_on)
    sales_client.get("/customers/")

    with time_machine.travel(written + timedelta(minutes=10)):
        before = scrape(client)
    assert value(before, "console_outbox_emails", state="pending") == 1
    assert 590 <= value(before, "console_outbox_oldest_pending_age_seconds") <= 610
    assert value(before, "console_daily_job_last_success_timestamp_seconds", job=job) == pytest.approx(
        timezone.now().timestamp(), abs=60
    )
    assert value(before, "console_daily_job_last_duration_seconds", job=job) >= 0
    assert value(before, "console_request_duration_seconds_count", view="customer-list", method="GET") >= 1
    for name in LISTED:
        assert any(key.split("{")[0].startswith(name) for key in before), name

    email_sending.email_deliver()

    after = scrape(client)
    assert len(mail.outbox) == 1
    assert value(after, "console_outbox_emails", state="pending") == 0
    assert value(after, "console_outbox_oldest_pending_age_seconds") == 0


def test_a_failed_worker_task_is_counted(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(job_services, "run_job", broken)
    before = value(scrape(client), "console_worker_task_failures_total", task="jobs.run_daily_job")

    result = run_daily_job.apply(args=[next(iter(DAILY_JOBS))], throw=False)

    assert result.failed()
    after = value(scrape(client), "console_worker_task_failures_total", task="jobs.run_daily_job")
    assert after == before + 1


def test_a_jobs_duration_and_time_come_from_its_latest_run(client):
    job = next(iter(DAILY_JOBS))
    with time_machine.travel("2026-11-29 23:15:00Z", tick=False):
        job_services.run_job(job, on=date(2026, 11, 30))
    job_services.run_job(job, on=date(2026, 12, 1), dry_run=True)  # records nothing

    samples = scrape(client)

    finished = datetime(2026, 11, 29, 23, 15, tzinfo=UTC).timestamp()
    assert value(samples, "console_daily_job_last_success_timestamp_seconds", job=job) == finished
    never = [name for name in DAILY_JOBS if name != job]
    assert all(value(samples, "console_daily_job_last_success_timestamp_seconds", job=name) == 0 for name in never)


def test_a_scrape_costs_the_same_queries_however_full_the_outbox_and_job_history(client, sales):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape(client)
        return len(captured)

    customer_services.customer_send_invitation(customer=CustomerFactory(reseller=sales.reseller), actor=sales)
    job_services.run_job(next(iter(DAILY_JOBS)), on=date(2026, 11, 30))
    small = queries()
    for _ in range(10):
        customer_services.customer_send_invitation(customer=CustomerFactory(reseller=sales.reseller), actor=sales)
    for day in range(1, 11):
        for name in DAILY_JOBS:
            job_services.run_job(name, on=date(2026, 11, 30) + timedelta(days=day))
    large = queries()

    assert small == large <= 2 + len(DAILY_JOBS)


def test_the_operations_guide_lists_every_metric_with_an_alert():
    from pathlib import Path

    guide = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    for name in LISTED:
        assert re.search(rf"`{name}", guide), f"docs/operations.md does not list {name}"
