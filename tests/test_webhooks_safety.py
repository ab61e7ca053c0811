"""Webhooks go only where they may (issue 18): https in production, never to private, loopback, link-local or
metadata addresses, checked at save and again at send (DNS rebinding), connected to by the checked address."""

from __future__ import annotations

import socket

import pytest

from resellerconsole.errors import DomainError
from tests.factories import ResellerAdminFactory
from tests.webhook_receiver import Receiver
from webhooks import safety, services
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


@pytest.fixture
def refusing(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    return settings


@pytest.fixture
def admin():
    return ResellerAdminFactory()


def resolving_to(monkeypatch, *addresses: str):
    """Make every host name resolve to these addresses (as a DNS server would answer)."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    monkeypatch.setattr(safety.socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://172.16.5.5/hooks",
        "http://169.254.169.254/latest/meta-data/",  # the clouds' metadata service
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",  # shared address space (another cloud's metadata)
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_a_private_address_is_refused_at_save(admin, refusing, url):
    with pytest.raises(DomainError) as refused:
        services.endpoint_create(reseller=admin.reseller, actor=admin, url=url, event_types=["customer.created"])
    assert refused.value.problems[0].field == "url"
    assert "private" in refused.value.message
    assert not Endpoint.objects.exists()


def test_a_host_name_resolving_to_a_private_address_is_refused(admin, refusing, monkeypatch):
    resolving_to(monkeypatch, PUBLIC, "10.0.0.7")  # one private answer among public ones is enough
    with pytest.raises(DomainError):
        services.endpoint_create(
            reseller=admin.reseller, actor=admin, url="http://hooks.example/", event_types=["customer.created"]
        )


def test_a_private_address_is_refused_at_send_too(admin, refusing, monkeypatch, django_capture_on_commit_callbacks):
    """DNS rebinding: public when saved, this machine when sent. Nothing reaches the receiver."""
    receiver = Receiver().start()
    try:
        port = receiver.server.server_address[1]
        resolving_to(monkeypatch, PUBLIC)
        endpoint = services.endpoint_create(
            reseller=admin.reseller,
            actor=admin,
            url=f"http://hooks.example:{port}/",
            event_types=["customer.created"],
        )
        resolving_to(monkeypatch, "127.0.0.1")
        with django_capture_on_commit_callbacks(execute=True):
            delivery = services.endpoint_send_test(endpoint=endpoint, actor=admin)
        delivery.refresh_from_db()
        assert receiver.received == []
        assert delivery.state == "pending" and delivery.last_status_code is None
        assert "private" in delivery.last_error
        assert "private" in delivery.attempt_log.get().error
    finally:
        receiver.stop()


def test_the_connection_goes_to_the_address_that_was_checked(admin, monkeypatch, django_capture_on_commit_callbacks):
    """The host name is resolved once per send; the connection uses that answer, not a second lookup."""
    receiver = Receiver().start()
    try:
        port = receiver.server.server_address[1]
        lookups = []

        def getaddrinfo(host, port_, *args, **kwargs):
            if host == "hooks.example":  # a DNS lookup (the connection to an address literal is none)
                lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]

        monkeypatch.setattr(safety.socket, "getaddrinfo", getaddrinfo)
        endpoint = services.endpoint_create(
            reseller=admin.reseller,
            actor=admin,
            url=f"http://hooks.example:{port}/in",
            event_types=["customer.created"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.endpoint_send_test(endpoint=endpoint, actor=admin)
        (received,) = receiver.received
        assert received.headers["host"] == f"hooks.example:{port}"
        assert lookups == ["hooks.example", "hooks.example"]  # once at save, once at send, none by the connection
    finally:
        receiver.stop()


def test_only_https_in_production(admin, settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    for url in ("http://hooks.example/", "ftp://hooks.example/", "file:///etc/passwd", "hooks.example"):
        with pytest.raises(DomainError) as refused:
            services.endpoint_create(reseller=admin.reseller, actor=admin, url=url, event_types=["customer.created"])
        assert "https://" in refused.value.message


def test_credentials_in_the_url_are_refused(admin):
    with pytest.raises(DomainError):
        services.endpoint_create(
            reseller=admin.reseller, actor=admin, url="https://user:pw@hooks.example/", event_types=["order.placed"]
        )


def test_the_production_settings_refuse_http_and_private_targets():
    from django.conf import settings

    from resellerconsole.settings import base

    assert base.WEBHOOKS_ALLOW_PRIVATE_TARGETS is False
    assert base.WEBHOOKS_REQUIRE_HTTPS is (not base.DEBUG)
    assert settings.WEBHOOKS_TIMEOUT_SECONDS <= 10
