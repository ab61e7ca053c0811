"""What a customer holds: licences deployed per product (Holding) and the users they are assigned to (Assignment).

Purchase authorizations, returns, renewals and the removal of access change them, always through
licences.services; the tables kept their names from when the models lived in authorizations.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Holding(models.Model):
    """Licences of one product deployed to a customer: what purchase authorizations added, less what left."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="holdings"
    )
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    deployed = models.PositiveIntegerField(_("licences deployed"), default=0)

    class Meta:
        db_table = "authorizations_holding"
        ordering = ["product__name"]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [models.UniqueConstraint(fields=["customer", "product"], name="holding_one_per_product")]

    def __str__(self) -> str:
        return f"{self.product}: {self.deployed}"


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        """Assignments not released: the users who hold a licence now."""
        return self.filter(released_at__isnull=True)


class Assignment(models.Model):
    """A licence assigned by a VIP admin to one of the customer's users (identified by e-mail)."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="assignments"
    )
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    email = models.EmailField(_("user's e-mail"))
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("released by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        db_table = "authorizations_assignment"
        ordering = ["product__name", "email"]
        verbose_name = _("licence assignment")
        verbose_name_plural = _("licence assignments")
        constraints = [
            models.UniqueConstraint(
                "customer",
                "product",
                Lower("email"),
                condition=Q(released_at__isnull=True),
                name="assignment_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.product}"
