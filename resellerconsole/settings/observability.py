"""What the console tells operators: structured logs, metrics, error reporting (docs/operations.md).

Imported at the end of base.py, after base has read the development .env into the environment.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

from resellerconsole import error_reporting
from resellerconsole.structured_logging import configure_structlog, logging_config

env = environ.Env()
_DEBUG = env.bool("DJANGO_DEBUG", default=False)

# ---------------------------------------------------------------------------
# Logs: one JSON object a line in production, text in development (LOG_FORMAT=json|text chooses either)
# ---------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="text" if _DEBUG else "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = logging_config(json=LOG_FORMAT == "json", level=env("LOG_LEVEL", default="INFO"))
configure_structlog()
# A request's id comes from the proxy's X-Request-Id when it sends a sane one (resellerconsole/request_logging.py
# checks it first), so the proxy's and the console's lines share it; otherwise a new one. The response returns it.
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# The user's primary key, never a name or an e-mail address.
DJANGO_STRUCTLOG_USER_ID_FIELD = "pk"
# The address is bound by request_logging.py as the throttles see it (trusted proxies only).
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

# ---------------------------------------------------------------------------
# Metrics: GET /metrics for Prometheus with "Authorization: Bearer <METRICS_TOKEN>"; no token set, no endpoint (404)
# ---------------------------------------------------------------------------
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Several web processes (gunicorn's workers): each writes its request latencies to this folder (emptied before
# the server starts), and a scrape of any of them sums all (prometheus-client's multiprocess mode). Unset: one
# process's own figures (runserver, a single worker). prometheus-client itself reads the variable as well.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")

# ---------------------------------------------------------------------------
# Error reports: Sentry, only when SENTRY_DSN is set
# ---------------------------------------------------------------------------
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENABLED = error_reporting.configure(
    dsn=SENTRY_DSN,
    environment=env("SENTRY_ENVIRONMENT", default="development" if _DEBUG else "production"),
    release=env("SENTRY_RELEASE", default=""),
    # Share of requests and tasks also sent as performance traces (0: errors only).
    traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
)

# Only the settings go to base.py's namespace (a literal list, so type checkers see them too).
__all__ = [
    "LOG_FORMAT",
    "LOGGING",
    "DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID",
    "DJANGO_STRUCTLOG_CELERY_ENABLED",
    "DJANGO_STRUCTLOG_USER_ID_FIELD",
    "DJANGO_STRUCTLOG_IP_LOGGING_ENABLED",
    "METRICS_TOKEN",
    "PROMETHEUS_MULTIPROC_DIR",
    "SENTRY_DSN",
    "SENTRY_ENABLED",
]
