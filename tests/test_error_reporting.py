"""Issue 17: Sentry reports errors (Django and Celery) when SENTRY_DSN is set, and is off without it."""

import subprocess
import sys
from pathlib import Path

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from resellerconsole import error_reporting

ROOT = Path(__file__).resolve().parent.parent
DSN = "https://public@sentry.invalid/1"


def test_without_a_dsn_nothing_is_started(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))

    started = error_reporting.configure(dsn="", environment="production", release="", traces_sample_rate=0)

    assert started is False and calls == []
    assert settings.SENTRY_ENABLED is False  # the suite sets no SENTRY_DSN


def test_with_a_dsn_sentry_starts_with_the_django_and_celery_integrations(monkeypatch):
    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))

    started = error_reporting.configure(dsn=DSN, environment="production", release="1.2", traces_sample_rate=0.1)

    assert started is True
    (options,) = calls
    assert options["dsn"] == DSN and options["environment"] == "production" and options["release"] == "1.2"
    assert {type(each) for each in options["integrations"]} == {DjangoIntegration, CeleryIntegration}
    assert options["send_default_pii"] is False and options["traces_sample_rate"] == 0.1


def test_reports_carry_no_invitation_token():
    event = {
        "request": {"url": "https://console.example/invitations/eyJzZWNyZXQiOjF9:1abc:SiGn/", "query_string": "key=k1"},
        "transaction": "/invitations/eyJzZWNyZXQiOjF9:1abc:SiGn/",
    }

    redacted = error_reporting.redact_event(event, {})

    assert "eyJzZWNyZXQiOjF9" not in str(redacted) and "k1" not in str(redacted)


def test_the_production_settings_start_sentry_only_with_a_dsn(tmp_path):
    code = (
        "import django; django.setup(); import sentry_sdk; from django.conf import settings; "
        "client = sentry_sdk.get_client(); "
        "print(settings.SENTRY_ENABLED, client.is_active(), sorted(client.integrations))"
    )
    base = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "console.example.com",
        "CONSOLE_BASE_URL": "https://console.example.com",
        "VAR_DIR": str(tmp_path),
    }

    def run(env):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert run({}).startswith("False False")
    with_dsn = run({"SENTRY_DSN": DSN})
    assert with_dsn.startswith("True True") and "'celery'" in with_dsn and "'django'" in with_dsn
