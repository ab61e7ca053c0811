"""Issue 17: a task whose worker was SIGKILLed comes back after Redis' visibility timeout, which fits the longest
task: longer than the hard time limit (so no task runs twice at once), far shorter than Redis' default hour."""

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CODE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.CELERY_BROKER_TRANSPORT_OPTIONS, s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_ACKS_LATE]))"
)


def production(**env) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "console.example.com",
        "CONSOLE_BASE_URL": "https://console.example.com",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        **env,
    }
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=clean_env, capture_output=True, text=True)


def test_redis_hands_a_dead_workers_task_on_after_the_time_limit_and_well_within_the_hour():
    result = production()

    assert result.returncode == 0, result.stderr
    options, time_limit, acks_late = json.loads(result.stdout)
    assert acks_late is True  # a task is acknowledged when it ends, so a killed worker's task is redelivered
    assert time_limit < options["visibility_timeout"] == time_limit + 300 < 3600


def test_the_longest_task_fits_under_the_time_limit():
    # The outbox sender's worst batch: every message waits the full SMTP timeout (20 x 30 s = 10 minutes); the
    # longest daily job measured, send_renewal_notices at 1,000,000 customers, took 108 s (docs/performance.md).
    worst_outbox_batch = 20 * settings.EMAIL_TIMEOUT
    assert worst_outbox_batch < settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.OUTBOX_SENDING_TIMEOUT_SECONDS >= settings.CELERY_TASK_TIME_LIMIT


def test_a_visibility_timeout_within_the_time_limit_is_refused():
    result = production(CELERY_VISIBILITY_TIMEOUT="600")

    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT" in result.stderr
