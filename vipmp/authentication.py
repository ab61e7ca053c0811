"""/v3's authentication: `Authorization: Bearer <token>` from the token URL AND `X-Api-Key: <client_id>` of the
same client, as Adobe's gateway asks. The request's user is the client's service user (a licensing-website user,
the one its orders are placed as: it sees no customer by itself); the views reach a reseller's customers as the
client's user at that reseller."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from . import errors, selectors, services
from .models import AccessToken


def _bearer(request) -> str:
    scheme, _space, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class VipMarketplaceAuthentication(BaseAuthentication):
    """Refuses with Adobe's codes: 4115 (403) without or with another X-Api-Key, 4117 (403) without a bearer
    token, 4116 (401) for a token that is unknown, expired, or of a deactivated client."""

    def authenticate(self, request):
        api_key = request.headers.get("X-Api-Key", "").strip()
        if not api_key:
            raise errors.VipmpError(errors.API_KEY_INVALID, _("API key is invalid or missing."), status=403)
        token = _bearer(request)
        if not token:
            raise errors.VipmpError(errors.AUTHORIZATION_MISSING, _("Authorization token is missing."), status=403)
        found = selectors.access_token_find(token)
        now = timezone.now()
        if found is None or found.expires_at <= now or not found.client.is_active:
            raise errors.VipmpError(
                errors.AUTHORIZATION_INVALID,
                _("Authorization token is invalid."),
                status=401,
                headers={"WWW-Authenticate": self.authenticate_header(request)},
            )
        if api_key != found.client.client_id:
            raise errors.VipmpError(errors.API_KEY_INVALID, _("API key is invalid or missing."), status=403)
        services.api_client_record_use(client=found.client, at=now)
        return found.client.user, found

    def authenticate_header(self, request):
        return 'Bearer realm="VIP Marketplace API"'


class IsApiClient(BasePermission):
    """Only a request the authentication above let through (a view never runs for anyone else)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, AccessToken)
