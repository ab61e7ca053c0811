"""Throttles: the API per user (or token) and per client address, the sign-in doors per client address, and
django-axes' failure lockout per username and address and per address. Counters live in the cache (Redis
through CACHE_URL in production, so every worker counts together); a throttled request gets 429 with
Retry-After. Rates are settings, read on each request so a test or an operator can change them."""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from rest_framework.throttling import SimpleRateThrottle

from .redaction import redact_credentials


def client_ip(request) -> str:
    """The client's address: the connection's, or the one the trusted proxies appended to X-Forwarded-For
    (counted from the right), so a client cannot choose its own address by sending the header."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not proxies or not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


class SettingRateThrottle(SimpleRateThrottle):
    """A DRF throttle whose rate is the setting named `rate_setting` (None: not throttled)."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting)

    def get_ident(self, request):
        return client_ip(request)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ApiUserRateThrottle(SettingRateThrottle):
    """Per signed-in user, whether by token or session."""

    scope = "api_user"
    rate_setting = "API_THROTTLE_USER_RATE"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ApiAddressRateThrottle(SettingRateThrottle):
    """Per client address, however many users or tokens it uses."""

    scope = "api_address"
    rate_setting = "API_THROTTLE_ADDRESS_RATE"


class SignInRateThrottle(SettingRateThrottle):
    scope = "sign_in"
    rate_setting = "SIGN_IN_THROTTLE_RATE"


def too_many_requests(request, *, retry_after: float | None, template: str):
    response = render(request, template, status=429)
    response["Retry-After"] = str(max(1, math.ceil(retry_after or 1)))
    return response


class SignInThrottleMiddleware:
    """Counts POSTs to the sign-in views (SIGN_IN_VIEWS) per client address before the view hashes a
    password: many clients guessing at ~1 s of hashing each would otherwise starve everyone else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match.view_name not in settings.SIGN_IN_VIEWS:
            return None
        throttle = SignInRateThrottle()
        if throttle.allow_request(request, None):
            return None
        return too_many_requests(request, retry_after=throttle.wait(), template="registration/throttled.html")


def axes_lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page, with Retry-After: the cool-off time."""
    cool_off = get_cool_off(request)
    return too_many_requests(
        request,
        retry_after=cool_off.total_seconds() if cool_off else None,
        template=settings.AXES_LOCKOUT_TEMPLATE,
    )


def _redact_axes_path(request) -> None:
    if request is not None and getattr(request, "axes_path_info", None):
        request.axes_path_info = redact_credentials(request.axes_path_info)


class AxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits: AXES_FAILURE_LIMIT failures for a username from an
    address, AXES_IP_FAILURE_LIMIT failures from an address whatever the usernames (spraying). Axes has one
    limit for every lockout parameter, so the address's count is mapped onto it here."""

    def get_failures(self, request, credentials=None) -> int:
        # One queryset per AXES_LOCKOUT_PARAMETERS entry: [username and address, address].
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        pair = counts[0]
        if len(counts) > 1 and counts[1] >= settings.AXES_IP_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair

    # Axes stores the request's path with each attempt; the VIP admin's sign-in path carries the invitation token.
    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        _redact_axes_path(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        _redact_axes_path(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):
        _redact_axes_path(request)
        return super().user_logged_out(sender, request, user, **kwargs)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A successful log-in clears its own username's failures, not the address's: else a sprayer would
        # reset the address's count by signing in to an account of its own now and then.
        count, _ = self.filter_user_attempts(request, credentials)[0].delete()
        return count
