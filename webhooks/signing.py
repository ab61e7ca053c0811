"""Signatures as the Standard Webhooks specification writes them (https://www.standardwebhooks.com/).

The signed content is "<webhook-id>.<webhook-timestamp>.<body>"; each signature is "v1,<base64 HMAC-SHA256>",
keyed with the secret's bytes (the base64 after "whsec_"). Several signatures are separated by spaces: during a
rotation's overlap the old secret signs too, so receivers may switch secrets at their own pace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105  (the format's prefix, not a secret)


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, event_id: str, timestamp: int, body: str) -> str:
    content = f"{event_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def signature_header(*, secrets_: list[str], event_id: str, timestamp: int, body: str) -> str:
    return " ".join(signature(secret=s, event_id=event_id, timestamp=timestamp, body=body) for s in secrets_)


def verify(*, secret: str, event_id: str, timestamp: int, body: str, header: str) -> bool:
    """Whether any signature in the header is the secret's (what a receiver checks)."""
    expected = signature(secret=secret, event_id=event_id, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, given) for given in header.split())
