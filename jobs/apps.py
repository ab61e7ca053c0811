from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .registry import DAILY_JOBS


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Scheduled jobs")

    def ready(self) -> None:
        # Every app's jobs.py registers its daily jobs, so jobs imports none of those apps.
        DAILY_JOBS.autodiscover()
