from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    verbose_name = _("Purchase authorizations")

    def ready(self):
        from . import events  # noqa: F401  (registers how its kinds read in the customer history)
