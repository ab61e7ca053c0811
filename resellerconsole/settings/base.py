"""Settings for every environment, read from environment variables (12-factor).

Development defaults need no server: SQLite under var/ and kombu's filesystem broker.
Production selects PostgreSQL, Redis and SMTP through the same variables (see README).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A development checkout's .env (make setup writes it: DEBUG on, its own key); variables already set win.
# DJANGO_ENV_FILE names another file, or none when empty (the test settings: the suite sees only what it sets).
ENV_FILE = env("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)
# The embedded defaults' working files: SQLite database, filesystem broker, e-mail files.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

# ---------------------------------------------------------------------------
# Core
# ---------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# A development key exists only with DEBUG on; production must supply its own.
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    default="django-insecure-development-only-key-never-use-in-production" if DEBUG else environ.Env.NOTSET,
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else environ.Env.NOTSET,
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# JSON for API paths, Django's page for the console's.
CSRF_FAILURE_VIEW = "resellerconsole.api_error_views.csrf_failure"
ROOT_URLCONF = "pages.urls"
WSGI_APPLICATION = "resellerconsole.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Absolute base of links in e-mails (invitation links are opened outside the console). In development it is the
# address `make run` serves (CONSOLE_ADDRESS, which Procfile.dev gives runserver), so the links open that console.
CONSOLE_ADDRESS = env("CONSOLE_ADDRESS", default="127.0.0.1:8000")
CONSOLE_BASE_URL = env("CONSOLE_BASE_URL", default=f"http://{CONSOLE_ADDRESS}" if DEBUG else environ.Env.NOTSET)

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "django_countries",
    "axes",
    "django_structlog",
]
LOCAL_APPS = [
    "accounts",
    "customers",
    "licences",
    "authorizations",
    "renewals",
    "intake",
    "vipmp",
    "notifications",
    "webhooks",
    "catalogue",
    "jobs",
    "idempotency",
    "dashboard",
    "pages",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "resellerconsole.metrics.RequestMetricsMiddleware",
    # The request's id (X-Request-Id in and out) and address, then django-structlog's request lines (with the
    # user and the channel AuditSourceMiddleware binds): early, so even a refused host's 400 has its id.
    "resellerconsole.request_logging.RequestContextMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "resellerconsole.audit.AuditSourceMiddleware",
    "resellerconsole.cache_control.PrivateResponseMiddleware",
    "resellerconsole.throttling.SignInThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "idempotency.middleware.IdempotencyKeyMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pages.context_processors.renewal_banner",
            ],
            # Numbers, amounts and month labels in the language's format (resellerconsole/l10n.py).
            "libraries": {"console_formats": "resellerconsole.l10n"},
        },
    },
]

# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets web, worker and beat read while one of them writes; IMMEDIATE makes a
    # writing transaction take the lock up front instead of failing on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # Short OLTP queries: JIT compilation costs more than it saves (30 ms of JIT for a 3 ms query when an
        # estimate is off); the benchmarks' big statements run fine without it.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: lock a username+IP pair after repeated failures, and an IP address after more failures
# with any usernames (spraying); a successful log-in clears only its own pair's count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "resellerconsole.throttling.AxesHandler"
AXES_CLIENT_IP_CALLABLE = "resellerconsole.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "resellerconsole.throttling.axes_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Requests per client address to the sign-in doors (console and admin log-in, the invitation's sign-in form),
# checked before any password is hashed; "N/second|minute|hour|day".
SIGN_IN_THROTTLE_RATE = env("SIGN_IN_THROTTLE_RATE", default="20/minute")
SIGN_IN_VIEWS = ["login", "admin:login", "invitation-accept"]
# API tokens: optional maximum age (unset: never expire); tokens are revoked on password change and deactivation.
API_TOKEN_MAX_AGE_DAYS = env.int("API_TOKEN_MAX_AGE_DAYS", default=None)

# ---------------------------------------------------------------------------
# Security
# ---------------------------------------------------------------------------
BEHIND_TLS_PROXY = env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front of the app that append to X-Forwarded-For (0: use the connection's address, so a client
# cannot choose its own address for the throttles).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=BEHIND_TLS_PROXY or not DEBUG)
# A working day; a reseller's session should not outlive the device being left unattended for a weekend.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_HOURS", default=12) * 3600
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pages send the token from the template (forms, and hx-headers for HTMX), never read from the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=BEHIND_TLS_PROXY)
# Probes inside the cluster speak plain HTTP to the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ping$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preloading is the operator's choice (it means submitting the domain to browsers' list), not a default.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): nothing inline may run; every script and style is a file we serve.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Stockholm")
# One date and number format per language: en-GB's "1 Dec 2026" and "10,000", Swedish "1 dec. 2026" and "10 000"
# (resellerconsole/formats/). Thousands are grouped where a template asks (console_formats' count), not in every
# number a template prints: ids and coordinates stay plain.
FORMAT_MODULE_PATH = ["resellerconsole.formats"]

# ---------------------------------------------------------------------------
# Static files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Development: each message becomes a file under var/mail, so it can be read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Reseller Console <no-reply@resellerconsole.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------------------
# Celery
# ---------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default="filesystem://localhost/"))
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
# No task runs longer than this: the worker kills it (the soft limit first raises inside it).
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker died (acks_late) goes back to the queue only after this long. Longer than any task can
    # run (the hard limit), so a slow task is never handed out twice at once; shorter than Redis' 1 hour, so a
    # day's job whose worker was killed runs again within 35 minutes (docs/operations.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60)
    }
    if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
        raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT")
elif CELERY_BROKER_URL.startswith("filesystem://"):
    # A broker with no server: messages are files under var/broker (its control folder must be absolute).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must not hang on a broker outage: the outbox sweep delivers what could not be queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# ---------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------
# API writes with an Idempotency-Key header: keys are remembered this long (never less than 24 hours), and a
# claim whose request never finished (a killed worker) may be taken over by a retry after this many seconds.
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=48)
IDEMPOTENCY_ABANDONED_SECONDS = env.int("IDEMPOTENCY_ABANDONED_SECONDS", default=300)
# API throttles (state in the cache: Redis through CACHE_URL in production, so every worker shares it):
# per signed-in user or token, and per client address whoever signs in; answered 429 with Retry-After.
API_THROTTLE_USER_RATE = env("API_THROTTLE_USER_RATE", default="600/minute")
API_THROTTLE_ADDRESS_RATE = env("API_THROTTLE_ADDRESS_RATE", default="1200/minute")
# The VIP Marketplace partner API (/v3, docs/vip-marketplace-api.md): bearer tokens from /ims/token/v3 live this
# many seconds (Adobe's IMS: 24 hours), and X-Correlation-Id keys are kept this many days (at least 10, as
# Adobe documents).
VIPMP_TOKEN_SECONDS = env.int("VIPMP_TOKEN_SECONDS", default=24 * 3600)
VIPMP_CORRELATION_ID_DAYS = env.int("VIPMP_CORRELATION_ID_DAYS", default=10)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.IsConsoleUser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "resellerconsole.throttling.ApiUserRateThrottle",
        "resellerconsole.throttling.ApiAddressRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "resellerconsole.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
    ],
    # JSON to a browser too (Accept: text/html), not 406; see resellerconsole/negotiation.py.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "resellerconsole.negotiation.JSONWhenUnmatched",
    "DEFAULT_PARSER_CLASSES": [
        "resellerconsole.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Deepest JSON nesting an API request may have (ours need 3); deeper is refused with 400 before parsing.
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
SPECTACULAR_SETTINGS = {
    "TITLE": "Reseller Console API",
    "DESCRIPTION": "Manage VIP customers, invitations and licences.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "idempotency.openapi.document_idempotency_key",
    ],
}

# ---------------------------------------------------------------------------
# Domain (the rules and their numbers: docs/domain.md; each one a setting)
# ---------------------------------------------------------------------------
INVITATION_LINK_MAX_AGE_DAYS = env.int("INVITATION_LINK_MAX_AGE_DAYS", default=30)
# An order must reference a purchase authorization within this many days (some programme pages say 14).
PA_ORDER_DEADLINE_DAYS = env.int("PA_ORDER_DEADLINE_DAYS", default=30)
PA_MAX_LINES = env.int("PA_MAX_LINES", default=499)
PA_MAX_QUANTITY = {
    "team": env.int("PA_MAX_QUANTITY_TEAM", default=10_000),
    "enterprise": env.int("PA_MAX_QUANTITY_ENTERPRISE", default=200_000),
}
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=14)
# Renewals: the overview fills this many days before the anniversary; the window opens before it and
# closes at the end of the grace period after it.
RENEWAL_OVERVIEW_DAYS = env.int("RENEWAL_OVERVIEW_DAYS", default=90)
RENEWAL_WINDOW_OPENS_DAYS = env.int("RENEWAL_WINDOW_OPENS_DAYS", default=30)
RENEWAL_GRACE_DAYS = env.int("RENEWAL_GRACE_DAYS", default=30)
# The last-chance e-mail goes this many days before the grace period ends.
ACCESS_REMOVAL_NOTICE_DAYS = env.int("ACCESS_REMOVAL_NOTICE_DAYS", default=7)
# /healthz fails when a daily job's last successful run is older than this.
DAILY_JOB_MAX_AGE_HOURS = env.int("DAILY_JOB_MAX_AGE_HOURS", default=26)
# The daily sweeps work through customers in primary-key batches of this size.
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=5_000)
# Outbox: a row left "sending" longer than this by a crashed worker is retried. It must exceed the
# longest a batch can take (20 messages x EMAIL_TIMEOUT of 30 s = 10 minutes).
OUTBOX_SENDING_TIMEOUT_SECONDS = env.int("OUTBOX_SENDING_TIMEOUT_SECONDS", default=1800)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
# The sender records what the server accepted in groups: one UPDATE per this many messages, or per this many
# seconds since the last one. A crash re-sends at most one group (docs/reliability.md); 1 marks every message.
OUTBOX_MARK_EVERY = env.int("OUTBOX_MARK_EVERY", default=20)
OUTBOX_MARK_SECONDS = env.float("OUTBOX_MARK_SECONDS", default=2)
# Webhooks (docs/webhooks.md): only https:// targets unless DEBUG; never private, loopback or link-local
# addresses unless allowed (the tests' receiver on 127.0.0.1); an answer within the timeout; retries for this long.
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=not DEBUG)
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10)
WEBHOOKS_RETRY_HOURS = env.int("WEBHOOKS_RETRY_HOURS", default=72)
WEBHOOKS_RESPONSE_MAX_BYTES = env.int("WEBHOOKS_RESPONSE_MAX_BYTES", default=64 * 1024)
# A delivery left "sending" this long by a worker that died is sent again (well above the timeout).
WEBHOOKS_SENDING_TIMEOUT_SECONDS = env.int("WEBHOOKS_SENDING_TIMEOUT_SECONDS", default=300)
# After a rotation the old secret still signs for this long.
WEBHOOKS_SECRET_OVERLAP_HOURS = env.int("WEBHOOKS_SECRET_OVERLAP_HOURS", default=24)

# ---------------------------------------------------------------------------
# Logs, metrics and error reporting
# ---------------------------------------------------------------------------
from .observability import *  # noqa: E402,F403
