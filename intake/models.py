from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    NEW = "new", _("New purchase")
    RENEWAL = "renewal", _("Renewal")


class OrderNumber(models.Model):
    """Every order number received, new order or renewal: its unique index lets a number land only once, even
    when an order and a renewal with the same number arrive at the same moment for different customers."""

    number = models.CharField(_("order number"), max_length=40, unique=True)
    kind = models.CharField(_("order type"), max_length=10, choices=OrderKind.choices)
    order = models.OneToOneField(
        "authorizations.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    renewal = models.OneToOneField(
        "renewals.Renewal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("order number")
        verbose_name_plural = _("order numbers")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=OrderKind.NEW, order__isnull=False, renewal__isnull=True))
                | Q(kind=OrderKind.RENEWAL, order__isnull=True, renewal__isnull=False),
                name="order_number_has_one_holder_of_its_kind",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def holder(self):
        return self.order if self.kind == OrderKind.NEW else self.renewal
