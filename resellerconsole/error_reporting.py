"""Error reports to Sentry (sentry-sdk with its Django and Celery integrations), on only when SENTRY_DSN is set.

Started from the settings (settings/observability.py), so web, worker and beat all report. No personal data is
sent (no user names, addresses or cookies), and credentials in URLs are redacted as in the logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .redaction import redact_credentials


def configure(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start reporting to the DSN's project; returns whether it started (not without a DSN)."""
    if not dsn:
        return False
    # Imported only with a DSN: settings load this module, and without one the SDK and its integrations stay unloaded.
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


if TYPE_CHECKING:
    from sentry_sdk.types import Event


def redact_event(event: Event, hint: dict[str, Any]) -> Event:
    """The request's URL and query (an invitation link, a `token=` value) as the logs write them."""
    request: dict[str, Any] = dict(event.get("request") or {})
    for key in ("url", "query_string"):
        value = request.get(key)
        if isinstance(value, str):
            request[key] = redact_credentials(value)
    if request:
        event["request"] = request  # the same keys, redacted
    transaction = event.get("transaction")
    if isinstance(transaction, str):
        event["transaction"] = redact_credentials(transaction)
    return event
