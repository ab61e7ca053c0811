"""Issue 12, item 12: log-in lockout per address as well as per username, throttled API and sign-in doors."""

import json

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from resellerconsole.throttling import client_ip
from tests.factories import InvitedCustomerFactory, SalesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    """The counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def test_spraying_usernames_from_one_address_is_locked(client, settings):
    """Each username fails fewer times than its own limit; the address as a whole is locked."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 6
    victim = SalesFactory(username="victim")
    for number in range(settings.AXES_IP_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": f"guess-{number}", "password": "wrong"})

    locked = client.post(reverse("login"), {"username": victim.username, "password": "pw-for-tests-123"})

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    other_address = client.post(
        reverse("login"), {"username": victim.username, "password": "pw-for-tests-123"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other_address.status_code == 302


def test_a_username_is_still_locked_below_the_address_limit(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 30
    SalesFactory(username="target")
    for _ in range(3):
        client.post(reverse("login"), {"username": "target", "password": "wrong"})

    assert client.post(reverse("login"), {"username": "target", "password": "pw-for-tests-123"}).status_code == 429


def test_a_successful_log_in_does_not_reset_the_address_count(client, settings):
    """A sprayer with an account of their own cannot clear the address's failures by signing in."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 4
    SalesFactory(username="mine")
    for number in range(3):
        client.post(reverse("login"), {"username": f"guess-{number}", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "mine", "password": "pw-for-tests-123"}).status_code == 302
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "guess-9", "password": "wrong"})

    assert client.post(reverse("login"), {"username": "mine", "password": "pw-for-tests-123"}).status_code == 429


def test_the_admin_log_in_is_locked_per_address_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_IP_FAILURE_LIMIT = 4
    User.objects.create_superuser("root", "root@example.com", "a-long-password-42")
    for number in range(4):
        client.post(reverse("admin:login"), {"username": f"guess-{number}", "password": "wrong"})

    locked = client.post(reverse("admin:login"), {"username": "root", "password": "a-long-password-42"})

    assert locked.status_code == 429 and locked.has_header("Retry-After")


@pytest.mark.parametrize(
    "door", ["console", "admin", "invitation"], ids=["console log-in", "admin log-in", "VIP admin sign-in"]
)
def test_sign_in_doors_are_rate_limited_per_address(client, settings, door):
    settings.SIGN_IN_THROTTLE_RATE = "3/minute"
    settings.AXES_FAILURE_LIMIT = 10  # the rate limit answers first
    if door == "invitation":
        from customers.services import invitation_token

        url = reverse("invitation-accept", args=[invitation_token(InvitedCustomerFactory().vip_admins.first())])
        data = {"action": "sign_in", "email": "x@example.com", "password1": "p", "password2": "p"}
    else:
        url = reverse("login" if door == "console" else "admin:login")
        data = {"username": "someone", "password": "wrong"}
    answers = [client.post(url, data).status_code for _ in range(3)]

    throttled = client.post(url, data)
    elsewhere = client.post(url, data, REMOTE_ADDR="192.0.2.8")

    assert 429 not in answers
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in throttled.content.decode()
    assert elsewhere.status_code != 429
    assert client.get(url).status_code != 429  # reading the page is not an attempt


def test_api_is_throttled_per_token_with_retry_after(settings):
    settings.API_THROTTLE_USER_RATE = "3/minute"
    token = Token.objects.create(user=SalesFactory())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    answers = [api.get(reverse("api-customer-list")).status_code for _ in range(3)]

    throttled = api.get(reverse("api-customer-list"))
    other_user = APIClient()
    other_user.force_authenticate(SalesFactory())

    assert answers == [200, 200, 200]
    assert throttled.status_code == 429
    assert "throttled" in json.dumps(throttled.json())
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert other_user.get(reverse("api-customer-list")).status_code == 200


def test_api_is_throttled_per_address_whichever_user(settings):
    settings.API_THROTTLE_ADDRESS_RATE = "4/minute"
    answers = []
    for _ in range(5):
        api = APIClient()
        api.force_authenticate(SalesFactory())
        answers.append(api.get(reverse("api-customer-list")).status_code)
    elsewhere = APIClient(REMOTE_ADDR="192.0.2.9")
    elsewhere.force_authenticate(SalesFactory())

    assert answers == [200, 200, 200, 200, 429]
    assert elsewhere.get(reverse("api-customer-list")).status_code == 200


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy: the header is the client's own claim
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the proxy appended the real one
        (1, None, "10.0.0.1"),
    ],
)
def test_the_client_address_cannot_be_chosen_by_the_client(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": "10.0.0.1"}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded

    assert client_ip(RequestFactory().get("/", **headers)) == expected


def test_a_spoofed_forwarded_for_does_not_escape_the_api_throttle(settings):
    settings.API_THROTTLE_ADDRESS_RATE = "2/minute"
    statuses = []
    for number in range(3):
        api = APIClient(HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
        api.force_authenticate(SalesFactory())
        statuses.append(api.get(reverse("api-customer-list")).status_code)

    assert statuses == [200, 200, 429]


def test_rates_are_settings_read_from_the_environment():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "resellerconsole" / "settings" / "base.py").read_text()
    for name in (
        "API_THROTTLE_USER_RATE",
        "API_THROTTLE_ADDRESS_RATE",
        "SIGN_IN_THROTTLE_RATE",
        "AXES_IP_FAILURE_LIMIT",
        "DJANGO_TRUSTED_PROXY_COUNT",
    ):
        assert f'env("{name}"' in source or f'env.int("{name}"' in source, name
