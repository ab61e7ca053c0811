from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthorizationsConfig(AppConfig):
    name = "authorizations"
    verbose_name = _("Purchase authorizations")

    def ready(self):
        # Imported here: events and selectors need the models, which are not loaded when apps.py is imported.
        from customers.selectors import CustomerFilter, register_request_filter

        from . import events  # noqa: F401  (registers how its kinds read in the customer history)
        from .selectors import RequestFilter, customer_request_filter

        # The customer list's "Show" filter reads this app's data (customers may not import it).
        register_request_filter(CustomerFilter(choices=RequestFilter, apply=customer_request_filter))
