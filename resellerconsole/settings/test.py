"""Test settings: the base settings with fast hashing, in-memory e-mail and an eager broker.

DATABASE_URL still selects the database, so CI runs the same suite on PostgreSQL.
"""

import os

# A development .env must not change what the suite tests (nor what the programs it starts see).
os.environ["DJANGO_ENV_FILE"] = ""
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("CONSOLE_BASE_URL", "http://testserver")

from .base import *  # noqa: E402,F403
from .base import DATABASES, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In-memory test database; the WAL pragma does not apply there.
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
    DATABASES["default"]["TEST"] = {"NAME": None}

# Tasks queued on commit run in-process; tests that need a real broker start a real worker.
# Celery lets a CELERY_BROKER_URL environment variable override configuration, so the suite
# drops it (CI exports it for the services) and names its broker explicitly.
os.environ.pop("CELERY_BROKER_URL", None)
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="memory://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

AXES_FAILURE_LIMIT = 3
# Throttle counters live in the cache, which outlives a test; rates this high never throttle the rest of the
# suite, and the throttle tests set their own (and clear the cache).
API_THROTTLE_USER_RATE = "100000/minute"
API_THROTTLE_ADDRESS_RATE = "100000/minute"
SIGN_IN_THROTTLE_RATE = "100000/minute"
# The metrics endpoint is on in the suite (tests/test_metrics.py turns it off to see it gone).
METRICS_TOKEN = "test-metrics-token"  # noqa: S105 - the suite's own

# The webhook tests' receivers listen on 127.0.0.1 over plain HTTP; the safety tests turn the refusals back on.
WEBHOOKS_REQUIRE_HTTPS = False
WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
WEBHOOKS_TIMEOUT_SECONDS = 2
