from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resellerconsole.audit import Source


class JobRun(models.Model):
    """One finished run of a daily job: what operators and /healthz read to know the workers are alive."""

    job = models.CharField(_("job"), max_length=60)
    business_date = models.DateField(_("business date"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    #: Who ran it: beat and the workers ("job"), or an operator's management command ("command").
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.JOB)
    counts = models.JSONField(_("counts"), default=dict)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    finished_at = models.DateTimeField(_("finished at"), default=timezone.now)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        indexes = [models.Index(fields=["job", "-finished_at"], name="job_run_latest_idx")]

    def __str__(self) -> str:
        return f"{self.job} {self.business_date}"
