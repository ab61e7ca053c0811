import contextlib
import os
import shutil
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
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


def mail_key(recipients, subject: str) -> tuple[tuple[str, ...], str]:
    return tuple(sorted(recipients)), subject


def row_keys(rows=None) -> Counter:
    """What the server should have accepted for outbox `rows` (default: all): one message to each recipient."""
    from notifications.models import OutboundEmail  # conftest is imported before Django is set up

    rows = OutboundEmail.objects.all() if rows is None else rows
    return Counter(mail_key([recipient], row.subject) for row in rows for recipient in row.recipients)


class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 recording each message it accepted with "250", and counting
    the connections (EHLO) it was given.

    `faults` scripts the next messages' DATA: "accept", "accept_then_drop" (250, then the connection closes
    before the next message), "drop" (the connection closes with no answer: not accepted), "421" (refused).
    """

    def __init__(self):
        self.port = free_port()
        self.smtp_url = f"smtp://127.0.0.1:{self.port}"
        self.accepted: list[tuple[tuple[str, ...], str]] = []
        self.faults: list[str] = []
        self.doomed: set[int] = set()
        self.connections = 0
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd's hook
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd's hook
        if id(session) in self.doomed:
            server.transport.close()
            return "421 4.4.2 Connection dropped"  # never reaches the client
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        fault = self.faults.pop(0) if self.faults else "accept"
        if fault == "drop":
            server.transport.close()
            return "451 4.4.2 Connection dropped"  # never reaches the client
        if fault == "421":
            self.doomed.add(id(session))
            return "421 4.3.2 Service shutting down"
        subject = message_from_bytes(envelope.original_content, policy=policy.default)["subject"]
        self.accepted.append(mail_key(envelope.rcpt_tos, str(subject)))
        if fault == "accept_then_drop":
            self.doomed.add(id(session))
        return "250 OK"

    def counts(self) -> Counter:
        return Counter(self.accepted)


@pytest.fixture
def mail_server(settings):
    """The scripted SMTP server, for this process (settings) and for worker processes (`smtp_url`)."""
    server = MailServer()
    send_mail_to(settings, server.port)
    server.start()
    yield server
    server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send_mail_to(settings, port: int) -> None:
    """Django's SMTP backend, plain and unauthenticated, to a test server on 127.0.0.1:`port`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 for the duration of the test; `restart()` after `stop()`."""
    sink = Sink()
    port = free_port()
    send_mail_to(settings, port)
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
