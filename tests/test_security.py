"""Security settings a reseller relies on: deploy check clean, headers on every page, cookie flags."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import SalesFactory

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
    "DJANGO_SECRET_KEY": "k3Y-" + "x9Qz#Lm2!vB7@pR4$tW8^nC6&" * 3,
    "DJANGO_ALLOWED_HOSTS": "console.example.com",
    "CONSOLE_BASE_URL": "https://console.example.com",
    "DJANGO_BEHIND_TLS_PROXY": "true",
    # A production host has no development .env (make setup writes one into a checkout): read none.
    "DJANGO_ENV_FILE": "",
}


def test_deploy_check_with_production_settings_gives_no_warnings(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(PRODUCTION_ENV, VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_console_pages_carry_the_security_headers(client):
    client.force_login(SalesFactory())
    response = client.get(reverse("customer-list"))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"  # no inline script, no eval
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_console_pages_hold_no_inline_script_or_event_handler(client):
    """What the policy forbids must not be in our pages either, or the console would break silently."""
    client.force_login(SalesFactory())
    for name in ("customer-list", "renewal-overview", "customer-create", "home"):
        html = client.get(reverse(name), follow=True).content.decode()
        assert "<script>" not in html
        for handler in (" onclick=", " onchange=", " onsubmit=", " hx-on", " style="):
            assert handler not in html, (name, handler)


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only_and_same_site(client):
    SalesFactory(username="cookie", password="a-long-password-42")
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "cookie", "password": "a-long-password-42"})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    csrf = client.get(reverse("customer-list")).cookies.get("csrftoken") or response.cookies.get("csrftoken")
    if csrf is not None:
        assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_production_cookies_are_secure_and_hsts_is_on():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.SESSION_COOKIE_AGE)"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True", "True", "True", "31536000", "43200"], result.stderr
