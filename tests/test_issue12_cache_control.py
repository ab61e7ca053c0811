"""Issue 12, item 17: personal answers carry `Cache-Control: private, no-store`; public ones keep theirs."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import InvitedCustomerFactory

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "name", ["dashboard", "customer-list", "renewal-overview", "renewal-overview-csv", "staff-list", "password_change"]
)
def test_signed_in_pages_and_exports_are_private_and_not_stored(sales_client, name):
    response = sales_client.get(reverse(name))

    assert {"private", "no-store"} <= directives(response), (name, response.status_code)
    assert "public" not in directives(response)


def test_the_admin_is_private_and_not_stored(admin_client):
    assert {"private", "no-store"} <= directives(admin_client.get(reverse("admin:index")))


def test_api_answers_are_private_and_not_stored_by_token_and_anonymously(sales):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=sales).key}")
    signed_in = api.get(reverse("api-customer-list"))
    anonymous = APIClient().get(reverse("api-customer-list"))

    assert signed_in.status_code == 200 and {"private", "no-store"} <= directives(signed_in)
    assert anonymous.status_code in (401, 403) and {"private", "no-store"} <= directives(anonymous)


def test_the_invitation_page_is_private_and_not_stored(client):
    from customers.services import invitation_token

    vip_admin = InvitedCustomerFactory().vip_admins.first()
    response = client.get(reverse("invitation-accept", args=[invitation_token(vip_admin)]))

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_the_public_log_in_page_keeps_its_own_headers(client):
    """Django's LoginView already says never_cache; the middleware adds nothing to an anonymous page."""
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "private" in directives(response)  # never_cache's own
    assert directives(response) == {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_keep_their_caching(sales):
    client = Client()  # a new client loads the middleware, and WhiteNoise its settings, now
    client.force_login(sales)
    response = client.get("/static/css/console.css")

    assert response.status_code == 200
    assert "no-store" not in directives(response) and "private" not in directives(response)
