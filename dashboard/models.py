"""The dashboard's figures, kept by PostgreSQL itself (dashboard/figures.py): read here, never written by the app.

Every change of a customer, a purchase authorization, a holding, a renewal-overview row or a product's price fires
a trigger that recomputes the figures of the customers it touched (`CustomerFigure`, one row per measure, day and
currency) and appends the difference to `Tally`. The dashboard sums a handful of `Tally` rows instead of every
holding and overview row. Triggers, not services, keep them: no write path, bulk update or admin edit can forget.
"""

from django.db import models


class Measure(models.TextChoices):
    PENDING_PAS = "pa", "pending purchase authorizations, by order deadline"
    PENDING_CUSTOMERS = "pa_customer", "customers with a pending purchase authorization"
    IN_OVERVIEW = "overview", "customers in the renewal overview, by anniversary"
    ANNIVERSARIES = "month", "licences and renewal value, by anniversary month and currency"
    DELAYED = "delayed", "Delayed customers"
    #: `currency` holds the days since the customer's previous pending deadline (1–8; 8: none within 7 days).
    PENDING_FIRST = (
        "pa_first",
        "pending purchase authorizations' deadlines, with the days since the customer's previous one",
    )


class _Figure(models.Model):
    reseller_id = models.BigIntegerField()
    #: The customer's status: the dashboard counts some measures for live customers only.
    status = models.CharField(max_length=20)
    measure = models.CharField(max_length=12, choices=Measure.choices)
    day = models.DateField(null=True)
    currency = models.CharField(max_length=3, blank=True)
    n = models.BigIntegerField()
    value = models.DecimalField(max_digits=20, decimal_places=2)
    #: Source rows behind the figure (a currency is shown while it has any, even at a value of 0).
    rows = models.BigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.measure} {self.reseller_id} {self.status} {self.day} {self.currency}: {self.n} {self.value}"


class CustomerFigure(_Figure):
    """One customer's share of a measure: what its last change left in the tallies."""

    customer_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["customer_id"], name="dashboard_figure_customer_idx"),
            models.Index(fields=["measure", "day", "reseller_id", "customer_id"], name="dashboard_figure_measure_idx"),
            # The first customers in the overview over all resellers, in (anniversary, key) order: read in that
            # order, not every one of the grace period's ~58,000 (at 1 M customers) sorted when the statistics lag.
            models.Index(
                fields=["day", "customer_id"],
                name="dashboard_figure_overview_idx",
                condition=models.Q(measure="overview"),
            ),
        ]


class Tally(_Figure):
    """Differences of the figures, appended by each change and summed when read (compacted as they pile up)."""

    class Meta:
        indexes = [models.Index(fields=["measure", "reseller_id", "day"], name="dashboard_tally_measure_idx")]
