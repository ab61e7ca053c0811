"""Structured logs (structlog): one JSON object a line in production, readable text in development.

Every log line, whether written by structlog (django-structlog's request lines, Celery task lines) or by a
standard `logging` logger (Django, Celery, the jobs' `job=…` line), goes through one formatter, which adds the
context bound for the request or task (request_id, user_id, channel, ip; task_id; job, date) and the record's
`extra` fields (a job's counts and duration). Plain Python on purpose: the settings import it before Django is set up.
"""

from __future__ import annotations

from typing import Any

import structlog
from structlog.typing import EventDict

from .redaction import redact_credentials

#: What both the structlog and the standard-library lines get before rendering.
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def redact_event(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """Credentials in any value (a request line with an invitation token, a `token=` query) are redacted.

    Objects a record carries as `extra` (django.request's WSGIRequest) are written as their redacted text.
    """
    return {key: _redacted(value) for key, value in event_dict.items()}


def _redacted(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, dict, list, tuple)):
        return value
    return redact_credentials(value if isinstance(value, str) else repr(value))


def formatter(*, json: bool) -> dict:
    """A `logging.config` formatter rendering every record as JSON or as plain text."""
    renderer = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0)
    )
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        # Standard-library records: their bound context and their `extra` fields become keys.
        "foreign_pre_chain": [*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if json else _keep,
            redact_event,
            renderer,
        ],
    }


def _keep(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    # The text renderer prints a traceback itself, nicer than format_exc_info's.
    return event_dict


def configure_structlog() -> None:
    """structlog's own loggers hand their events to the standard library, so one formatter renders everything."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            # Before the event leaves structlog, so no handler (pytest's caplog too) sees a credential.
            redact_event,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def logging_config(*, json: bool, level: str) -> dict:
    """Django's LOGGING: every line through the structured formatter, credentials redacted."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter(json=json)},
        # Invitation tokens and token=/key= query values never reach a log (see resellerconsole/redaction.py).
        "filters": {"redact_credentials": {"()": "resellerconsole.redaction.RedactCredentialsFilter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["redact_credentials"],
            },
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["redact_credentials"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            "django.server": {
                "handlers": ["django.server"],
                "level": "INFO",
                "propagate": False,
                "filters": ["redact_credentials"],
            },
            "django.request": {"filters": ["redact_credentials"]},
            # django-structlog's request_started/request_finished lines are the access log at INFO.
            "django_structlog": {"level": level},
        },
    }


def bound_context() -> dict:
    """The context bound for the current request or task (for tests and for passing on)."""
    return dict(structlog.contextvars.get_contextvars())

