"""Issue 12, item 14: API tokens die with a password change or a deactivation, may expire, and record their
last use (at most once a minute)."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiTokenUse, User
from tests.factories import ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db


def api_get(token: Token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api.get(reverse("api-customer-list"))


@pytest.fixture
def member():
    return SalesFactory(username="tokenholder")


@pytest.fixture
def token(member):
    return Token.objects.create(user=member)


def test_changing_the_password_in_the_console_revokes_the_token(client, member, token):
    client.force_login(member)
    client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-123",
            "new_password1": "another-long-pass-7",
            "new_password2": "another-long-pass-7",
        },
    )

    assert not Token.objects.filter(key=token.key).exists()
    assert api_get(token).status_code == 401


def test_set_password_in_code_revokes_the_token(member, token):
    member.set_password("yet-another-pass-99")
    member.save()

    assert not Token.objects.filter(user=member).exists()


def test_an_admin_password_change_revokes_the_token(admin_client, member, token):
    admin_client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": "admin-set-pass-314", "password2": "admin-set-pass-314", "usable_password": "true"},
    )

    member.refresh_from_db()
    assert member.check_password("admin-set-pass-314")
    assert not Token.objects.filter(user=member).exists()


def test_console_deactivation_revokes_the_token_and_reactivation_does_not_revive_it(member, token):
    admin = ResellerAdminFactory(reseller=member.reseller)
    services.staff_member_set_active(member=member, actor=admin, active=False)
    services.staff_member_set_active(member=member, actor=admin, active=True)

    assert not Token.objects.filter(user=member).exists()
    assert api_get(token).status_code == 401


def test_deactivation_in_the_admin_revokes_the_token(member, token):
    member.is_active = False
    member.save()

    assert not Token.objects.filter(user=member).exists()


def test_other_saves_and_a_hasher_upgrade_keep_the_token(member, token):
    member.first_name = "Renamed"
    member.save()
    member.save(update_fields=["last_login"])
    # What Django does when a log-in upgrades the stored hash.
    User.objects.filter(pk=member.pk).update(password="md5$legacy$" + "0" * 32)
    member.refresh_from_db()
    member.check_password("whatever")

    assert Token.objects.filter(user=member).exists()


def test_tokens_never_expire_by_default(member, token):
    with time_machine.travel(timezone.now() + timedelta(days=3650)):
        assert api_get(token).status_code == 200


def test_an_expired_token_is_a_clear_401(settings, member, token):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    with time_machine.travel(token.created + timedelta(days=89)):
        assert api_get(token).status_code == 200
    with time_machine.travel(token.created + timedelta(days=90, seconds=1)):
        expired = api_get(token)

    assert expired.status_code == 401
    assert "This API token has expired" in json.dumps(expired.json())


def test_last_use_is_recorded_at_most_once_a_minute(member, token, django_assert_num_queries):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_get(token)
    # The token with its user and last use, the (empty) page: no write.
    with time_machine.travel(start + timedelta(seconds=30), tick=False), django_assert_num_queries(2):
        api_get(token)
    assert ApiTokenUse.objects.get(token=token).last_used_at == start
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        api_get(token)
    assert ApiTokenUse.objects.get(token=token).last_used_at == start + timedelta(minutes=2)


def test_the_admin_lists_each_tokens_last_use(admin_client, member, token):
    unused = Token.objects.create(user=SalesFactory(username="idle"))
    api_get(token)

    page = admin_client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()

    assert "last used" in page.lower()
    assert "never" in page
    assert unused.user.username in page
