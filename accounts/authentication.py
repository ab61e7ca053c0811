"""API token authentication: DRF's tokens, with an optional maximum age and a record of their last use."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import services

#: A token's last use is written at most this often.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def api_token_expired(token, *, now) -> bool:
    """API_TOKEN_MAX_AGE_DAYS (unset: tokens never expire) counted from the token's creation."""
    days = settings.API_TOKEN_MAX_AGE_DAYS
    return days is not None and token.created <= now - timedelta(days=days)


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        # The last use comes with the token and its user: no query beyond DRF's own unless a write is due.
        token = model.objects.select_related("user", "use").filter(key=key).first()
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own 401 answers
        now = timezone.now()
        if api_token_expired(token, now=now):
            raise AuthenticationFailed(_("This API token has expired. Ask an administrator for a new one."))
        use = getattr(token, "use", None)
        if use is None or use.last_used_at <= now - LAST_USE_RESOLUTION:
            services.api_token_record_use(token=token, at=now)
        return token.user, token
