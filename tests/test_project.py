"""Project-wide promises: migrations match the models, settings stay production-safe."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def run_settings(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND)"
    )
    clean_env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        # Not the checkout's development .env (make setup writes one): only what the test gives.
        "DJANGO_ENV_FILE": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_defaults_need_no_server():
    result = run_settings({"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://localhost/",
        "django.core.mail.backends.filebased.EmailBackend",
    ]


def test_production_is_selected_by_environment_variables_alone():
    result = run_settings(
        {
            "DJANGO_SECRET_KEY": "s" * 50,
            "DJANGO_ALLOWED_HOSTS": "console.example.com",
            "DATABASE_URL": "postgres://u:p@db:5432/rc",
            "CELERY_BROKER_URL": "redis://redis:6379/0",
            "EMAIL_URL": "smtp://mail:1025",
            "CONSOLE_BASE_URL": "https://console.example.com",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://redis:6379/0",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


@pytest.mark.django_db
def test_demo_data_loads_every_status_and_twice_gives_the_same_data(settings):
    from authorizations.models import PurchaseAuthorization
    from customers.models import Customer

    def census():
        return (
            sorted(Customer.objects.values_list("company_name", "status", "vip_id")),
            sorted(PurchaseAuthorization.objects.values_list("reference", "status")),
        )

    settings.DEBUG = True
    call_command("load_demo_data", verbosity=0)
    first = census()
    call_command("load_demo_data", verbosity=0)

    assert census() == first
    assert {status for _name, status, _vip in first[0]} >= {
        "not_invited",
        "invitation_sent",
        "active",
        "delayed",
        "inactive",
    }
    assert {status for _ref, status in first[1]} == {"pending", "ordered"}


def test_demo_data_refuses_to_run_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo_data")


def test_a_development_checkout_works_from_the_shell_and_production_still_needs_its_secrets(tmp_path):
    """make setup writes .env once (DEBUG on, a key of its own); settings read it, and without it they refuse."""
    dot_env = tmp_path / ".env"
    for _ in range(2):  # the second run keeps the first file
        subprocess.run([sys.executable, str(ROOT / "scripts" / "write_dev_env.py"), str(dot_env)], check=True)
    first = dot_env.read_text()
    assert "DJANGO_DEBUG=true" in first and "DJANGO_SECRET_KEY=django-insecure-dev-" in first
    assert dot_env.read_text() == first

    from_the_shell = run_settings({"DJANGO_ENV_FILE": str(dot_env)})
    assert from_the_shell.returncode == 0, from_the_shell.stderr
    assert from_the_shell.stdout.split()[0] == "django.db.backends.sqlite3"
    assert run_settings({}).returncode != 0


def test_the_production_image_installs_no_development_tool():
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for tool in ("honcho", "pytest", "playwright", "hypothesis", "schemathesis", "ruff", "factory-boy"):
        assert tool not in runtime, tool
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and "requirements-local" not in dockerfile
    assert "requirements-dev" not in dockerfile.replace("requirements-dev.txt stays out", "")
