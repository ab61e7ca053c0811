"""gunicorn's access log without credentials: the Dockerfile and docker-compose.yml start gunicorn with
`--logger-class resellerconsole.gunicorn_logging.RedactingLogger`, so no access-log format (request line,
path, query, referer, headers, environ) can print an invitation token or a token=/key= value."""

from gunicorn.glogging import Logger

from .redaction import redact_credentials


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {
            name: redact_credentials(value) if isinstance(value, str) else value
            for name, value in super().atoms(resp, req, environ, request_time).items()
        }
