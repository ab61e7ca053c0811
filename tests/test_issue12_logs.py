"""Issue 12, item 15: invitation tokens and token=/key= values never reach a log line."""

import logging
import shlex
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.urls import reverse

from resellerconsole.redaction import redact_credentials

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "eyJjdXN0b21lciI6MSwidmlwX2lkIjoiVklQLTEifQ:1u2v3w:AbCdEf-gh_IJ"
LOGGER_CLASS = "resellerconsole.gunicorn_logging.RedactingLogger"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /invitations/{TOKEN}/ HTTP/1.1", "GET /invitations/[redacted]/ HTTP/1.1"),
        (f"Bad Request: /invitations/{TOKEN}/", "Bad Request: /invitations/[redacted]/"),
        (f"/invitations/{TOKEN}", "/invitations/[redacted]"),
        (f"http://testserver/invitations/{TOKEN}/?next=/x", "http://testserver/invitations/[redacted]/?next=/x"),
        ("GET /api/v1/customers/?token=s3cr3t&page=2", "GET /api/v1/customers/?token=[redacted]&page=2"),
        ("/x?api_key=abc&Key=def&access_token=ghi", "/x?api_key=[redacted]&Key=[redacted]&access_token=[redacted]"),
        ("GET /customers/?q=acme HTTP/1.1", "GET /customers/?q=acme HTTP/1.1"),
        ("GET /invitations/ HTTP/1.1", "GET /invitations/ HTTP/1.1"),
    ],
)
def test_redaction(text, expected):
    assert redact_credentials(text) == expected


def records_of(logger_name: str, emit) -> list[str]:
    """What the logger's real handlers (with their configured filters) would write."""
    logger = logging.getLogger(logger_name)
    written: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            written.append(record.getMessage())

    capture = Capture()
    handler = next(h for h in logger.handlers)  # the configured handler: its filters apply to the capture too
    capture.filters = list(handler.filters)
    logger.addHandler(capture)
    try:
        emit(logger)
    finally:
        logger.removeHandler(capture)
    return written


def test_runserver_request_lines_are_redacted_by_the_django_server_logger():
    # django.core.servers.basehttp logs each request as '"%s" %s %s' % (request line, status, size).
    lines = records_of(
        "django.server",
        lambda logger: logger.info('"%s" %s %s', f"GET /invitations/{TOKEN}/ HTTP/1.1", "200", "512"),
    )

    assert lines == ['"GET /invitations/[redacted]/ HTTP/1.1" 200 512']
    assert any(f.__class__.__name__ == "RedactCredentialsFilter" for f in logging.getLogger("django.server").filters)


def test_django_request_warnings_carry_no_token(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(reverse("invitation-accept", args=["forged-" + TOKEN]))

    assert caplog.records, "an invalid link is a 400, which django.request logs"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert any("/invitations/[redacted]/" in record.getMessage() for record in caplog.records)


def test_the_root_handler_redacts_too():
    root_handler = logging.getLogger().handlers[0]
    record = logging.LogRecord("customers", logging.INFO, __file__, 1, "visited %s", (f"/invitations/{TOKEN}/",), None)

    assert all(f.filter(record) for f in root_handler.filters)
    assert TOKEN not in record.getMessage()


def test_gunicorn_access_log_atoms_are_redacted():
    from gunicorn.config import Config

    from resellerconsole.gunicorn_logging import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/invitations/{TOKEN}/?key=abc",
        "PATH_INFO": f"/invitations/{TOKEN}/",
        "QUERY_STRING": "key=abc",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://console.example/invitations/{TOKEN}/",
    }
    request = SimpleNamespace(headers=[("REFERER", f"https://console.example/invitations/{TOKEN}/")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.1))
    line = logger.cfg.access_log_format % logger.atoms_wrapper_class(atoms)

    assert TOKEN not in line and "abc" not in line
    assert "/invitations/[redacted]/?key=[redacted]" in line
    assert all(TOKEN not in str(value) for value in atoms.values())


def test_gunicorn_is_started_with_the_redacting_logger_everywhere():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["command"]
    web = " ".join(web) if isinstance(web, list) else web
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert f"--logger-class {LOGGER_CLASS}" in " ".join(shlex.split(web.replace("\n", " ")))
    assert f'"--logger-class", "{LOGGER_CLASS}"' in dockerfile


def test_django_axes_access_log_keeps_no_invitation_token(client, sales):
    """Signing up from the invitation link logs the VIP admin in; axes' access log stores the request's path."""
    from axes.models import AccessLog

    from customers import services
    from tests.factories import CustomerFactory

    customer = CustomerFactory(reseller=sales.reseller)
    services.customer_send_invitation(customer=customer, actor=sales)
    token = services.invitation_token(customer.vip_admins.first())
    services.customer_accept_invitation(token=token)
    password = "a-long-pass-2026!"

    response = client.post(
        reverse("invitation-accept", args=[token]),
        {"action": "sign_in", "password1": password, "password2": password},
    )

    assert response.status_code == 302
    paths = list(AccessLog.objects.values_list("path_info", flat=True))
    assert paths and all(token not in path and "[redacted]" in path for path in paths), paths
