"""Where a change came from, for every audit row: the console, the API (token or session), the admin, or a job.

Set once per request (`AuditSourceMiddleware`) and per job run (`audit_source("job", name)`), read by the audit
models' field defaults — so rows built for `bulk_create` in a sweep carry it as well as single saves.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    CONSOLE = "console", _("Console")
    API = "api", _("API")
    ADMIN = "admin", _("Administration")
    JOB = "job", _("Scheduled job")
    COMMAND = "command", _("Command line")
    VIPMP = "vipmp", _("VIP Marketplace API")


@dataclass(frozen=True)
class AuditContext:
    source: str
    detail: str = ""


#: Outside a request or a job (a management command, a shell) the source is the command line.
_OUTSIDE = AuditContext(Source.COMMAND)
_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


@contextlib.contextmanager
def audit_source(source: str, detail: str = ""):
    token = _current.set(AuditContext(source, detail[:100]))
    try:
        yield
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class Channel:
    """The channel of one recorded change, as the history shows it (`str`: channel_text)."""

    source: str
    detail: str = ""

    def __str__(self) -> str:
        return channel_text(self.source, self.detail)


def channel_text(source: str, detail: str = "") -> str:
    """How every history names a row's channel: its label, and for the VIP Marketplace API which client
    (the one detail a reader can act on; a job's name or "token" is for the admin's audit list)."""
    label = str(Source(source).label) if source in Source.values else source
    if source == Source.VIPMP and detail:
        return gettext("%(channel)s (client %(client)s)") % {"channel": label, "client": detail}
    return label


def current_source() -> str:
    return (_current.get() or _OUTSIDE).source


def current_source_detail() -> str:
    return (_current.get() or _OUTSIDE).detail


class AuditEvent(models.Model):
    """What every audit row holds besides its subject and kind: who, when, the details, and the channel."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    parameters = models.JSONField(_("details"), default=dict, blank=True)
    #: The channel: console, API, admin, a scheduled job or the command line.
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=current_source)
    #: "token" or "session" for the API, the job's name for a job.
    source_detail = models.CharField(_("source detail"), max_length=100, blank=True, default=current_source_detail)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


class AuditSourceMiddleware:
    """Names the channel of each request: API (and whether by token), admin, or console."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            by_token = request.headers.get("Authorization", "").startswith("Token ")
            context = (Source.API, "token" if by_token else "session")
        elif request.path.startswith("/admin/"):
            context = (Source.ADMIN, "")
        else:
            context = (Source.CONSOLE, "")
        # The request's log lines name the channel too (api:token, api:session, admin, console).
        structlog.contextvars.bind_contextvars(channel=":".join(str(part) for part in context if part))
        with audit_source(*context):
            return self.get_response(request)
