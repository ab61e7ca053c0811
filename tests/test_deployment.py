"""The deployment files agree with the settings: docker-compose.yml, the Dockerfile and Procfile.dev.

Plain file reading, no database and no Docker: these catch a renamed variable, a lost healthcheck or
a debug switch before anyone runs `docker compose up`.
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
BACKING_SERVICES = ("postgres", "redis")
# What django-environ's env.bool() reads as true.
TRUTHY = {"true", "on", "ok", "y", "yes", "1"}

SETTINGS_READ = re.compile(
    r"""\benv(?:\.(?:bool|int|float|str|list|tuple|dict|json|url|db|db_url|cache|cache_url|email|email_url|path))?"""
    r"""\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
SETTINGS_CONTAINS = re.compile(r"""["']([A-Z][A-Z0-9_]*)["']\s+in\s+env\b""")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<rest>[^}]*))?\}")


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variable_names() -> set[str]:
    # base.py and the settings it imports (observability.py: logs, metrics, error reporting).
    source = "\n".join(
        (ROOT / "resellerconsole" / "settings" / name).read_text() for name in ("base.py", "observability.py")
    )
    return set(SETTINGS_READ.findall(source)) | set(SETTINGS_CONTAINS.findall(source))


def environment(service: dict) -> dict[str, str | None]:
    """A service's environment as a dict, whichever of compose's two forms it is written in."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {name: None if value is None else str(value) for name, value in env.items()}


def effective_default(value: str | None) -> str | None:
    """The value compose uses when the host does not set the variable (None when it must be set)."""
    if value is None:
        return None
    match = INTERPOLATION.fullmatch(value.strip())
    if not match:
        return value
    if match["op"] in ("-", ":-"):
        return match["rest"]
    return None


def command_text(service: dict) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


# ---------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------
def test_compose_has_the_six_services():
    services = load_compose()["services"]

    assert set(services) >= {"web", "worker", "beat", "postgres", "redis", "mailpit"}


def test_app_services_share_one_image_definition():
    compose = load_compose()
    services = compose["services"]
    shared = compose["x-app"]

    assert shared["build"] == "."
    for name in APP_SERVICES:
        assert services[name]["build"] == shared["build"], name
        assert services[name].get("image") == shared.get("image"), name
        assert environment(services[name]) == environment(shared), name


def test_web_migrates_before_starting_gunicorn():
    command = command_text(load_compose()["services"]["web"])

    assert "manage.py migrate --no-input" in command
    assert "gunicorn resellerconsole.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "0.0.0.0:8000" in command


def test_web_publishes_8000_and_checks_healthz():
    web = load_compose()["services"]["web"]

    assert any(str(port).endswith("8000") for port in web["ports"])
    assert "http://localhost:8000/healthz" in " ".join(web["healthcheck"]["test"])


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_services_run_the_resellerconsole_app(service):
    command = shlex.split(command_text(load_compose()["services"][service]))

    assert command[:4] == ["celery", "-A", "resellerconsole", service]
    assert "--loglevel=INFO" in command


@pytest.mark.parametrize("backing", BACKING_SERVICES)
def test_backing_services_have_healthchecks(backing):
    service = load_compose()["services"][backing]

    assert service["healthcheck"]["test"]


def test_postgres_keeps_its_data_in_a_named_volume():
    compose = load_compose()
    volumes = compose["services"]["postgres"]["volumes"]
    named = [volume.split(":", 1)[0] for volume in volumes if volume.endswith(":/var/lib/postgresql/data")]

    assert named
    assert named[0] in compose["volumes"]
    assert "pg_isready" in " ".join(compose["services"]["postgres"]["healthcheck"]["test"])


@pytest.mark.parametrize("app", APP_SERVICES)
def test_app_services_wait_for_healthy_backing_services(app):
    depends_on = load_compose()["services"][app]["depends_on"]

    assert isinstance(depends_on, dict), "the long form is needed to state a condition"
    for backing in BACKING_SERVICES:
        assert depends_on[backing]["condition"] == "service_healthy", (app, backing)


def test_settings_variable_extraction_finds_the_known_names():
    # Guards the regex: an empty set would make the next test pass for nothing.
    assert settings_variable_names() >= {
        "DJANGO_DEBUG",
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "TIME_ZONE",
    }


@pytest.mark.parametrize("app", APP_SERVICES)
def test_app_environment_uses_only_names_the_settings_read(app):
    service = load_compose()["services"][app]
    unknown = set(environment(service)) - settings_variable_names()

    assert "env_file" not in service, "every variable should be visible (and checked) here"
    assert not unknown, f"{app} sets variables base.py never reads: {sorted(unknown)}"


@pytest.mark.parametrize("app", APP_SERVICES)
def test_app_environment_has_what_production_needs(app):
    env = environment(load_compose()["services"][app])

    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        assert env.get(name), (app, name)
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert env["EMAIL_URL"].startswith("smtp://")


def test_debug_is_never_switched_on():
    compose = load_compose()
    for name, service in {"x-app": compose["x-app"], **compose["services"]}.items():
        value = effective_default(environment(service).get("DJANGO_DEBUG"))
        assert (value or "").strip().lower() not in TRUTHY, name
    for keyword, arguments in dockerfile_instructions():
        if keyword in ("ENV", "ARG", "RUN"):
            assert not re.search(r"DJANGO_DEBUG[= ]\s*[\"']?(true|on|ok|y|yes|1)\b", arguments, re.I), arguments


def test_secret_key_has_no_default():
    compose = load_compose()
    for name in APP_SERVICES:
        value = environment(compose["services"][name])["DJANGO_SECRET_KEY"]
        match = INTERPOLATION.fullmatch(value.strip())

        assert match, f"{name}: the secret must come from the host, not the file"
        assert match["name"] == "DJANGO_SECRET_KEY"
        assert match["op"] in ("?", ":?"), f"{name}: compose must refuse to start without the secret"


# ---------------------------------------------------------------------------
# Dockerfile and .dockerignore
# ---------------------------------------------------------------------------
def test_dockerfile_builds_translations_and_static_files():
    runs = " ".join(arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN")

    assert "manage.py compilemessages" in runs
    assert "manage.py collectstatic --no-input" in runs
    assert "pip install --no-cache-dir -r requirements.txt" in runs


def test_dockerfile_runs_as_a_non_root_user():
    instructions = dockerfile_instructions()
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]

    assert users, "no USER line: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_dockerfile_bakes_in_no_secret():
    for keyword, arguments in dockerfile_instructions():
        if keyword in ("ENV", "ARG"):
            assert "DJANGO_SECRET_KEY" not in arguments, "a baked-in key would stand in for a missing one"


def test_dockerfile_serves_gunicorn_on_8000():
    instructions = dict(dockerfile_instructions())

    assert instructions["FROM"].startswith("python:3.11-slim")
    assert "8000" in instructions["EXPOSE"].split()
    assert "resellerconsole.wsgi:application" in instructions["CMD"]
    assert "0.0.0.0:8000" in instructions["CMD"]


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}

    assert {".env", ".venv", ".git", "var"} <= ignored


# ---------------------------------------------------------------------------
# Procfile.dev
# ---------------------------------------------------------------------------
def test_procfile_runs_web_worker_and_beat():
    processes = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )

    assert {"web", "worker", "beat"} <= set(processes)
    assert "celery -A resellerconsole worker" in processes["worker"]
    assert "celery -A resellerconsole beat" in processes["beat"]
