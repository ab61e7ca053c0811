import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

# pytest-django's live_server runs in this process beside Playwright's sync API (stack-facts.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing(reason: str) -> None:
    """Skip on a developer's machine; in CI a missing service or browser is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"CI requires this: {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or ""


def tcp_reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _requirements(request):
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            missing("PostgreSQL (set DATABASE_URL=postgres://…)")
    if request.node.get_closest_marker("services"):
        url = redis_url()
        if not url.startswith("redis") or not tcp_reachable(url, 6379):
            missing("Redis (set REDIS_URL=redis://…)")
    if request.node.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def sales(db):
    from tests.factories import SalesFactory

    return SalesFactory()


@pytest.fixture
def sales_client(client, sales):
    client.force_login(sales)
    return client
