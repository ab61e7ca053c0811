"""VIP Marketplace API: the token URL (OAuth client credentials) and /v3's authentication."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from tests.factories import ResellerFactory
from tests.test_vipmp_support import CUSTOMERS_URL, TOKEN_URL, V3, make_client, northwind, post_form
from vipmp.models import AccessToken, ApiClient
from vipmp.selectors import token_hash
from vipmp.services import api_client_new_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def api(reseller):
    return V3(*make_client(reseller))


def post_token(**params):
    return post_form(Client(), TOKEN_URL, params)


def test_the_token_url_issues_a_bearer_token_for_24_hours(reseller):
    api_client, secret = make_client(reseller)
    response = post_token(
        grant_type="client_credentials", client_id=api_client.client_id, client_secret=secret, scope="openid,AdobeID"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 24 * 3600
    assert response["Cache-Control"] == "no-store"
    # Only a hash of the token and of the secret is stored.
    stored = AccessToken.objects.get(client=api_client)
    assert stored.token_hash == token_hash(body["access_token"]) != body["access_token"]
    api_client.refresh_from_db()
    assert secret not in api_client.secret_hash and check_password(secret, api_client.secret_hash)
    assert api_client.last_used_at is not None


def test_the_token_lifetime_is_a_setting(reseller, settings):
    settings.VIPMP_TOKEN_SECONDS = 600
    api_client, secret = make_client(reseller)
    body = post_token(grant_type="client_credentials", client_id=api_client.client_id, client_secret=secret).json()
    assert body["expires_in"] == 600


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "password", "client_id": "x", "client_secret": "y"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "guess"}, 401, "invalid_client"),
    ],
)
def test_token_refusals_answer_like_an_oauth_server(db, params, status, error):
    response = post_token(**params)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_a_wrong_secret_or_an_inactive_client_gets_no_token(reseller):
    api_client, secret = make_client(reseller)
    wrong = post_token(grant_type="client_credentials", client_id=api_client.client_id, client_secret=secret + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    ApiClient.objects.filter(pk=api_client.pk).update(is_active=False)
    inactive = post_token(grant_type="client_credentials", client_id=api_client.client_id, client_secret=secret)
    assert inactive.status_code == 401 and inactive.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_the_token_url_takes_only_form_posts(db):
    assert Client().get(TOKEN_URL).status_code == 405
    as_json = Client().post(TOKEN_URL, {"grant_type": "client_credentials"}, content_type="application/json")
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    multipart = Client().post(TOKEN_URL, {"grant_type": "client_credentials"})
    assert multipart.status_code == 400 and multipart.json()["error"] == "invalid_request"


def test_the_token_url_is_throttled_per_address(db, settings):
    cache.clear()
    settings.SIGN_IN_THROTTLE_RATE = "2/minute"
    answers = [post_token(grant_type="client_credentials").status_code for _ in range(3)]
    cache.clear()
    assert answers == [400, 400, 429]


# ---------------------------------------------------------------------------
# /v3 authentication
# ---------------------------------------------------------------------------
def assert_adobe_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "additionalDetails"}
    assert body["code"] == code and body["message"]


def test_a_valid_token_and_api_key_get_in(api):
    response = api.get(f"{CUSTOMERS_URL}/{'0' * 20}")
    assert_adobe_error(response, 404, "1116")  # authenticated: the customer just does not exist


def test_without_an_api_key_4115(api):
    headers = api.headers()
    del headers["X-Api-Key"]
    assert_adobe_error(api.http.get(f"{CUSTOMERS_URL}/X", headers=headers), 403, "4115")


def test_an_api_key_of_another_client_4115(api, reseller):
    other, _secret = make_client(reseller, name="Someone else")
    headers = {**api.headers(), "X-Api-Key": other.client_id}
    assert_adobe_error(api.http.get(f"{CUSTOMERS_URL}/X", headers=headers), 403, "4115")


def test_without_a_token_4117(api):
    headers = api.headers()
    del headers["Authorization"]
    assert_adobe_error(api.http.get(f"{CUSTOMERS_URL}/X", headers=headers), 403, "4117")


def test_an_unknown_token_4116(api):
    headers = {**api.headers(), "Authorization": "Bearer not-a-token-we-issued"}
    response = api.http.get(f"{CUSTOMERS_URL}/X", headers=headers)
    assert_adobe_error(response, 401, "4116")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_4116(api):
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert_adobe_error(api.get(f"{CUSTOMERS_URL}/X"), 401, "4116")


def test_an_inactive_client_4116(api):
    ApiClient.objects.filter(client_id=api.client_id).update(is_active=False)
    assert_adobe_error(api.get(f"{CUSTOMERS_URL}/X"), 401, "4116")


def test_a_new_secret_ends_the_tokens_issued_with_the_old_one(api):
    renewed = api_client_new_secret(client=ApiClient.objects.get(client_id=api.client_id))
    assert_adobe_error(api.get(f"{CUSTOMERS_URL}/X"), 401, "4116")
    assert fetch_ok(api.client_id, renewed.secret)


def fetch_ok(client_id, secret) -> bool:
    return post_token(grant_type="client_credentials", client_id=client_id, client_secret=secret).status_code == 200


def test_session_and_api_v1_tokens_do_not_open_v3(api, sales_client):
    assert_adobe_error(sales_client.get(f"{CUSTOMERS_URL}/X"), 403, "4115")


# ---------------------------------------------------------------------------
# The Django admin
# ---------------------------------------------------------------------------
@pytest.fixture
def admin_http(db):
    http = Client()
    http.force_login(User.objects.create_superuser("root-vipmp", "root@operator.example", "root-pass-123456"))
    return http


def shown_secret(response, client_id: str) -> str:
    [message] = [str(m) for m in response.context["messages"] if "secret" in str(m)]
    assert client_id in message
    return message.split("secret ", 1)[1].split(" ", 1)[0]


def test_the_admin_creates_a_client_and_shows_its_secret_once(admin_http, reseller):
    response = admin_http.post(
        "/admin/vipmp/apiclient/add/",
        {"name": "Distributor sync", "resellers": [reseller.pk], "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    api_client = ApiClient.objects.get()
    secret = shown_secret(response, api_client.client_id)
    assert check_password(secret, api_client.secret_hash)
    assert list(api_client.resellers.all()) == [reseller]
    assert api_client.actors.get().user.reseller == reseller
    # The secret works, and the change page does not show it again.
    assert fetch_ok(api_client.client_id, secret)
    assert secret not in admin_http.get(f"/admin/vipmp/apiclient/{api_client.pk}/change/").content.decode()


def test_the_admin_action_gives_a_new_secret(admin_http, reseller):
    api_client, old = make_client(reseller)
    response = admin_http.post(
        "/admin/vipmp/apiclient/",
        {"action": "new_secret", "_selected_action": [api_client.pk]},
        follow=True,
    )
    new = shown_secret(response, api_client.client_id)
    assert new != old and fetch_ok(api_client.client_id, new) and not fetch_ok(api_client.client_id, old)


def test_adding_a_reseller_in_the_admin_gives_the_client_its_user_there(admin_http, reseller):
    api_client, _secret = make_client(reseller)
    second = ResellerFactory()
    admin_http.post(
        f"/admin/vipmp/apiclient/{api_client.pk}/change/",
        {"name": api_client.name, "resellers": [reseller.pk, second.pk], "is_active": "on"},
    )
    assert sorted(api_client.actors.values_list("reseller_id", flat=True)) == sorted([reseller.pk, second.pk])
