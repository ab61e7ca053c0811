from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    verbose_name = _("Purchase authorizations")
