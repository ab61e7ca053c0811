"""Error reports to Sentry (sentry-sdk with its Django and Celery integrations), on only when SENTRY_DSN is set.

Started from the settings (settings/observability.py), so web, worker and beat all report. No personal data is
sent (no user names, addresses or cookies), and credentials in URLs are redacted as in the logs.
"""

from __future__ import annotations

from typing import Any

from .redaction import redact_credentials


def configure(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start reporting to the DSN's project; returns whether it started (not without a DSN)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=redact_event,
        before_send_transaction=redact_event,
    )
    return True


def redact_event(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The request's URL and query (an invitation link, a `token=` value) as the logs write them."""
    request = event.get("request") or {}
    for key in ("url", "query_string"):
        if isinstance(request.get(key), str):
            request[key] = redact_credentials(request[key])
    if isinstance(event.get("transaction"), str):
        event["transaction"] = redact_credentials(event["transaction"])
    return event
