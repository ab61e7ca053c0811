"""Where webhooks may go: https only in production, never to this machine's or its network's own addresses.

A URL is checked when it is saved and again at every send: the host is resolved, every address it resolves to
must be a public one, and the connection is made to the address that was checked (so a DNS answer that changes
between the check and the connection, DNS rebinding, cannot reach an internal service). Redirects are never
followed (http.client does not), answers are read up to a cap.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(Exception):
    """A URL or address webhooks may not be sent to; the message says why, in the user's language."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection goes to


def url_check(url: str) -> tuple[str, str, int, str]:
    """The URL's scheme, host, port and path, or TargetRefused (no address lookup: `target_resolve` does it)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(_("Enter a valid URL.")) from error
    allowed = ("https",) if settings.WEBHOOKS_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed:
        raise TargetRefused(_("The URL must start with https://."))
    if not parts.hostname:
        raise TargetRefused(_("Enter a valid URL."))
    if parts.username or parts.password:
        raise TargetRefused(_("The URL may not contain a user name or password."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def address_refused(address: str) -> bool:
    """Loopback, private, link-local (the clouds' metadata address 169.254.169.254), shared, reserved …: any
    address that is not a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def target_resolve(url: str) -> Target:
    """Check the URL and resolve its host; every address must be public (unless the setting allows others)."""
    scheme, host, port, path = url_check(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetRefused(_("The host name could not be resolved.")) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TargetRefused(_("The host name could not be resolved."))
    if not settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS and any(address_refused(a) for a in addresses):
        raise TargetRefused(_("The URL points to a private, loopback or link-local address, which is not allowed."))
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, not to whatever the host name resolves to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self):
        super().connect()
        # The certificate is checked against the host name, as for any https request.
        self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    latency_ms: int


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float, max_bytes: int) -> Answer:
    """POST once; the whole exchange must end within `timeout` seconds; the answer is read up to `max_bytes`."""
    started = time.monotonic()
    deadline = started + timeout
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout=timeout)
    sock = None
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        sock = connection.sock  # the answer keeps reading from it after the connection lets go of it
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = connection.getresponse()
        chunks, size = [], 0
        while size < max_bytes:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(_("No complete answer within %(seconds)s s") % {"seconds": timeout})
            sock.settimeout(remaining)
            chunk = response.read1(min(65536, max_bytes - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return Answer(
            status=response.status, body=b"".join(chunks), latency_ms=int((time.monotonic() - started) * 1000)
        )
    finally:
        connection.close()
        if sock is not None:
            sock.close()
