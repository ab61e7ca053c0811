import contextlib
import os
import shutil
import socket
import threading
import time
from urllib.parse import urlparse

import pytest

# pytest-django's live_server runs in this process beside Playwright's sync API, which Django treats as async.
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


def run_together(*functions, timeout: float = 30):
    """Start the functions at one barrier in their own threads (own connections); return results or errors."""
    from django.db import connections

    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # collected for the assertion
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results


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
    # Checked here as well: the session-scoped browser is launched before any function-scoped fixture runs.
    if not shutil.which(CHROMIUM):
        missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
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


class Sink:
    """Collects (envelope recipients, message) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 for the duration of the test; `restart()` after `stop()`."""
    sink = Sink()
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    state = {"controller": None}

    def start():
        from aiosmtpd.controller import Controller

        state["controller"] = Controller(sink, hostname="127.0.0.1", port=port)
        state["controller"].start()

    def stop():
        state["controller"].stop()
        time.sleep(0.1)

    sink.start, sink.stop = start, stop
    start()
    yield sink
    with contextlib.suppress(Exception):  # already stopped by the test
        stop()
