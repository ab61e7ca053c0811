from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VipmpConfig(AppConfig):
    name = "vipmp"
    verbose_name = _("VIP Marketplace API")
