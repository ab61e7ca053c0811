"""Issue 17: logs are JSON lines in production (text in development) with the request's id, user and channel;
a job's line carries the job, its date and its counts."""

import io
import json
import logging
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
from structlog.stdlib import ProcessorFormatter

from jobs import services as job_services
from jobs.registry import DAILY_JOBS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def log_lines():
    """What the console's own log handler writes (its formatter and filters), one string a line."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, ProcessorFormatter))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: [line for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        handler.setStream(previous)


def events(lines, name):
    parsed = [json.loads(line) for line in lines]
    return [line for line in parsed if line.get("event") == name]


@pytest.mark.django_db
def test_a_request_id_from_the_proxy_is_logged_and_returned(client, log_lines):
    response = client.get("/ping", headers={"X-Request-Id": "req-2026-abc"})

    assert response["X-Request-Id"] == "req-2026-abc"
    finished = events(log_lines(), "request_finished")
    assert finished and finished[-1]["request_id"] == "req-2026-abc"
    assert finished[-1]["code"] == 200 and finished[-1]["channel"] == "console"
    assert finished[-1]["duration_ms"] >= 0


@pytest.mark.django_db
@pytest.mark.parametrize("offered", [None, "", "two words", "x" * 200, "semi;colon"])
def test_without_a_sane_request_id_the_console_makes_one(client, log_lines, offered):
    headers = {"X-Request-Id": offered} if offered is not None else {}
    response = client.get("/ping", headers=headers)

    made = response["X-Request-Id"]
    assert str(uuid.UUID(made)) == made
    assert events(log_lines(), "request_finished")[-1]["request_id"] == made


def test_each_request_gets_its_own_id(client, db, log_lines):
    first = client.get("/ping")["X-Request-Id"]
    second = client.get("/ping")["X-Request-Id"]

    assert first != second
    assert [line["request_id"] for line in events(log_lines(), "request_finished")] == [first, second]


def test_a_signed_in_users_lines_name_the_user_and_the_channel(sales_client, sales, log_lines):
    response = sales_client.get("/customers/")
    api = sales_client.get("/api/v1/customers/")

    assert response.status_code == 200 and api.status_code == 200
    console_line, api_line = events(log_lines(), "request_finished")
    assert console_line["user_id"] == sales.pk and console_line["channel"] == "console"
    assert api_line["user_id"] == sales.pk and api_line["channel"] == "api:session"
    assert api_line["request_id"] == api["X-Request-Id"]


def test_no_credential_reaches_a_request_line(client, db, log_lines):
    client.get("/invitations/eyJzZWNyZXQiOjF9:1abc:SiGnEd/")
    client.get("/api/v1/customers/?token=s3cr3t")

    text = "\n".join(log_lines())
    assert "eyJzZWNyZXQiOjF9" not in text and "s3cr3t" not in text
    assert "/invitations/[redacted]/" in text


@pytest.mark.django_db
def test_a_jobs_line_carries_the_job_its_date_and_counts(log_lines):
    name = next(iter(DAILY_JOBS))

    counts = job_services.run_job(name, on=date(2026, 11, 30))

    (line,) = [json.loads(each) for each in log_lines() if json.loads(each).get("logger") == "jobs"]
    assert line["job"] == name and line["date"] == "2026-11-30" and line["channel"] == "job"
    assert line["counts"] == counts and isinstance(line["duration_ms"], int)
    assert line["event"].startswith(f"job={name} date=2026-11-30")


def run_console(env: dict, code: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_ENV_FILE": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


REQUEST = (
    "import django; django.setup(); from django.test import Client; "
    "print(Client().get('/ping', headers={'X-Request-Id': 'from-proxy-1'})['X-Request-Id'])"
)
PRODUCTION = {
    "DJANGO_SECRET_KEY": "s" * 50,
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "CONSOLE_BASE_URL": "https://console.example.com",
}


def test_production_settings_write_json_lines_with_the_request_id(tmp_path):
    result = run_console({**PRODUCTION, "VAR_DIR": str(tmp_path)}, REQUEST)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-proxy-1"
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    finished = [line for line in lines if line["event"] == "request_finished"]
    assert finished and finished[0]["request_id"] == "from-proxy-1" and finished[0]["level"] == "info"
    assert all(line.startswith("{") for line in result.stderr.splitlines() if "request_" in line)


def test_development_settings_write_readable_text(tmp_path):
    result = run_console({"DJANGO_DEBUG": "true", "VAR_DIR": str(tmp_path)}, REQUEST)

    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "request_finished" in line]
    assert lines and not lines[0].startswith("{")
    assert "request_id=from-proxy-1" in lines[0]


def test_celery_tasks_carry_the_request_id_of_the_request_that_queued_them():
    import structlog
    from celery.signals import before_task_publish
    from django_structlog.celery.steps import DjangoStructLogInitStep

    from resellerconsole.celery import app

    # The worker binds the id from the task's headers (its boot step) ...
    assert DjangoStructLogInitStep in app.steps["worker"]
    # ... which publishing a task during a request fills in.
    headers: dict = {}
    with structlog.contextvars.bound_contextvars(request_id="queued-by-req-7"):
        before_task_publish.send(sender="jobs.run_daily_job", headers=headers, body={}, properties={}, routing_key="")
    assert headers["__django_structlog__"]["request_id"] == "queued-by-req-7"


def test_log_format_overrides_the_default_and_a_typo_is_refused(tmp_path):
    text = run_console({**PRODUCTION, "VAR_DIR": str(tmp_path), "LOG_FORMAT": "Text"}, REQUEST)
    typo = run_console({**PRODUCTION, "VAR_DIR": str(tmp_path), "LOG_FORMAT": "jsn"}, REQUEST)

    assert text.returncode == 0, text.stderr
    assert [line for line in text.stderr.splitlines() if "request_finished" in line][0][:1] != "{"
    assert typo.returncode != 0 and "LOG_FORMAT must be json or text" in typo.stderr
