from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The order intake: owns order numbers and sends each order to new orders or renewals."""

    name = "intake"
    verbose_name = _("Order intake")
