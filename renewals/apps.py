from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = _("Renewals")

    def ready(self):
        from . import events  # noqa: F401  (registers how its kinds read in the customer history)
