from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# WindowState lives with the calendar's arithmetic (renewals/dates.py); named here too for the API's import.
from .dates import WindowState, anniversaries_in  # noqa: F401


def window_state_filter(state: str, today: date, field: str = "anniversary_date") -> Q:
    """The same states as `window_state` (renewals/dates.py), as a condition on an anniversary column
    (index-friendly ranges)."""
    first, last = anniversaries_in(state, today)
    condition = Q()
    if first is not None:
        condition &= Q(**{f"{field}__gte": first})
    if last is not None:
        condition &= Q(**{f"{field}__lte": last})
    return condition


class RenewalRow(models.Model):
    """One renewable product of a customer in the renewal overview, for one anniversary."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="renewal_rows"
    )
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    anniversary_date = models.DateField(_("anniversary date"))
    quantity_held = models.PositiveIntegerField(_("quantity held"))
    proposed_quantity = models.PositiveIntegerField(_("renewal quantity"))
    #: Set when a person chose the quantity; the daily refresh then keeps it.
    quantity_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quantity chosen by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    quantity_edited_at = models.DateTimeField(_("quantity chosen at"), null=True, blank=True)
    created_at = models.DateTimeField(_("in the overview since"), default=timezone.now)

    class Meta:
        ordering = ["anniversary_date", "customer_id", "product__name"]
        verbose_name = _("renewal overview row")
        verbose_name_plural = _("renewal overview")
        constraints = [
            models.UniqueConstraint(fields=["customer", "product", "anniversary_date"], name="renewal_row_once"),
        ]
        indexes = [models.Index(fields=["anniversary_date", "customer"], name="renewal_row_anniversary_idx")]

    def __str__(self) -> str:
        return f"{self.product} × {self.proposed_quantity}"


class Renewal(models.Model):
    """A processed renewal order: the Renewal history of the customer's VIP details."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="renewals"
    )
    order_number = models.CharField(_("order number"), max_length=40, unique=True)
    order_date = models.DateField(_("order date"))
    anniversary_before = models.DateField(_("anniversary renewed"))
    anniversary_after = models.DateField(_("new anniversary"))
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: Recorded in the console by a reseller admin or internal sales, not received from the licensing website.
    entered_by_hand = models.BooleanField(_("entered by hand"), default=False)
    #: Placed by the auto-renewal job on the anniversary (renewals.services.auto_renew), not by anyone.
    automatic = models.BooleanField(_("auto-renewal"), default=False)
    created_at = models.DateTimeField(_("processed at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("renewal")
        verbose_name_plural = _("renewal history")
        constraints = [
            # One renewal per customer and anniversary.
            models.UniqueConstraint(fields=["customer", "anniversary_before"], name="renewal_once_per_anniversary"),
        ]

    def __str__(self) -> str:
        return self.order_number


class RenewalLine(models.Model):
    renewal = models.ForeignKey(Renewal, verbose_name=_("renewal"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity_before = models.PositiveIntegerField(_("quantity before"))
    quantity_after = models.PositiveIntegerField(_("quantity renewed"))
    released_users = models.JSONField(_("users who lost access"), default=list, blank=True)

    class Meta:
        ordering = ["product__name"]
        verbose_name = _("renewal line")
        verbose_name_plural = _("renewal lines")

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity_before} → {self.quantity_after}"


class AutoRenewalDefault(models.Model):
    """Whether a customer's subscriptions renew by themselves on the anniversary unless one of them is set
    otherwise (AutoRenewal). Customers created through /v3 start with it on, as Adobe's do; a customer without a
    row — created in the console, the classic programme — has it off."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="auto_renewal_default",
    )
    enabled = models.BooleanField(_("subscriptions renew automatically"), default=True)

    class Meta:
        verbose_name = _("auto-renewal default")
        verbose_name_plural = _("auto-renewal defaults")

    def __str__(self) -> str:
        return f"{self.customer_id}: {'on' if self.enabled else 'off'}"


class AutoRenewal(models.Model):
    """One subscription's own auto-renewal (a Holding: the licences of one product), set in the console or by
    /v3's PATCH: on or off, and the quantity to renew. Without a row the customer's default applies; without an
    explicit quantity the renewal proposal's quantity is renewed (renewals.services.auto_renewal_lines)."""

    holding = models.OneToOneField(
        "licences.Holding", verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="auto_renewal"
    )
    enabled = models.BooleanField(_("renews automatically"))
    #: Kept through orders and returns until chosen again (as Adobe keeps it); None: the proposal's quantity.
    renewal_quantity = models.PositiveIntegerField(_("auto-renewal quantity"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("auto-renewal")
        verbose_name_plural = _("auto-renewals")

    def __str__(self) -> str:
        return f"{self.holding_id}: {'on' if self.enabled else 'off'} × {self.renewal_quantity}"
