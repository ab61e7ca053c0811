"""Credentials that travel in URLs (invitation links, token= and key= query values) are kept out of logs.

Plain Python on purpose: gunicorn's access logger (resellerconsole/gunicorn_logging.py) uses it before
Django is set up.
"""

import logging
import re

#: Path prefixes whose next segment is a credential: the invitation link's signed token.
CREDENTIAL_PATH_PREFIXES = ("/invitations/",)
REDACTED = "[redacted]"

_PATH_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in CREDENTIAL_PATH_PREFIXES) + r")[^/?#\s\"']+"
)
# token=…, key=…, api_key=…, access_token=… in a query string or form body (case-insensitive).
_QUERY_VALUE = re.compile(r"(?i)(\b(?:[a-z_]*token|[a-z_]*key|password)=)[^&\s\"'#]*")


def redact_credentials(text: str) -> str:
    """The text with each credential in a path or query replaced by "[redacted]"."""
    if not text:
        return text
    return _QUERY_VALUE.sub(r"\1" + REDACTED, _PATH_SEGMENT.sub(r"\1" + REDACTED, text))


def is_credential_path(path: str) -> bool:
    """Whether the path carries a credential (its page must not be cached or logged as is)."""
    return path.startswith(CREDENTIAL_PATH_PREFIXES)


class RedactCredentialsFilter(logging.Filter):
    """Rewrites a record's message with credentials redacted; never drops a record.

    The message is formatted once here (msg % args) so a token inside an argument (django.server's request
    line, django.request's path) is caught too; a record with nothing to redact keeps its msg and args.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):
            # A structlog event: the structured formatter redacts each of its values (structured_logging.py).
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's to report, not ours
            return True
        redacted = redact_credentials(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
