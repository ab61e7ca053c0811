from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import LicenseType


class PurchaseAuthorizationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ORDERED = "ordered", _("Ordered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The only status changes a purchase authorization can make; `authorizations.transitions` enforces it.
PURCHASE_AUTHORIZATION_TRANSITIONS: dict[str, frozenset[str]] = {
    PurchaseAuthorizationStatus.PENDING: frozenset(
        {PurchaseAuthorizationStatus.ORDERED, PurchaseAuthorizationStatus.WITHDRAWN}
    ),
    PurchaseAuthorizationStatus.ORDERED: frozenset(),
    PurchaseAuthorizationStatus.WITHDRAWN: frozenset(),
}


class PurchaseAuthorization(models.Model):
    """Products deployed to a customer at once, to be ordered on the licensing website within the deadline."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="purchase_authorizations",
    )
    license_type = models.CharField(_("licence type"), max_length=20, choices=LicenseType.choices)
    po_number = models.CharField(_("customer PO number"), max_length=35, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PurchaseAuthorizationStatus.choices,
        default=PurchaseAuthorizationStatus.PENDING,
    )
    deployed_at = models.DateTimeField(_("deployment date"), default=timezone.now)
    order_deadline = models.DateField(_("order deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-deployed_at", "-pk"]
        verbose_name = _("purchase authorization")
        verbose_name_plural = _("purchase authorizations")
        indexes = [
            models.Index(fields=["customer", "-deployed_at"], name="pa_customer_deployed_idx"),
            # The deadline sweep reads only pending PAs by deadline.
            models.Index(
                fields=["order_deadline", "customer"],
                name="pa_pending_deadline_idx",
                condition=Q(status="pending"),
            ),
            # The dashboard's first overdue PAs in (deadline, key) order: read until ten match, not every PA of
            # the earliest day sorted (1,920 at 1 M customers).
            models.Index(
                fields=["order_deadline", "id"],
                name="pa_pending_deadline_pk_idx",
                condition=Q(status="pending"),
            ),
            # The admin finds a PA by its customer's PO number.
            models.Index(fields=["po_number"], name="pa_po_number_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class PurchaseAuthorizationLine(models.Model):
    purchase_authorization = models.ForeignKey(
        PurchaseAuthorization, verbose_name=_("purchase authorization"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("number of licences"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("purchase authorization line")
        verbose_name_plural = _("purchase authorization lines")
        constraints = [
            models.UniqueConstraint(fields=["purchase_authorization", "product"], name="pa_line_one_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="pa_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class Order(models.Model):
    """An order placed on the licensing website (LWS) that references one purchase authorization."""

    order_number = models.CharField(_("order number"), max_length=40, unique=True)
    purchase_authorization = models.OneToOneField(
        PurchaseAuthorization, verbose_name=_("purchase authorization"), on_delete=models.PROTECT, related_name="order"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    order_date = models.DateField(_("order date"))
    #: Digest of the order's content: a retried request with the same number must carry the same content.
    fingerprint = models.CharField(_("content fingerprint"), max_length=64, editable=False)
    duration_months_proposed = models.PositiveSmallIntegerField(_("proposed duration (months)"))
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"), null=True, blank=True)
    duration_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("duration set by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    duration_set_at = models.DateTimeField(_("duration set at"), null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: Recorded in the console by a reseller admin or internal sales, not received from the licensing website.
    entered_by_hand = models.BooleanField(_("entered by hand"), default=False)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-order_date", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        # The order lists (API, admin) page newest order date first: walked backwards, this finds a reseller's
        # first page in ~500 rows instead of sorting all its orders (0.3 s at 1 M customers).
        indexes = [models.Index(fields=["order_date", "id"], name="order_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_months__isnull=True) | Q(duration_months__gte=1, duration_months__lte=12),
                name="order_duration_1_to_12",
            ),
        ]

    def __str__(self) -> str:
        return self.order_number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", verbose_name=_("product"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("number of licences"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [models.UniqueConstraint(fields=["order", "product"], name="order_line_one_per_product")]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class ReturnAuthorization(models.Model):
    """Order lines given back within the return window, whole or in part; their licences are no longer deployed."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="returns")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("return authorization")
        verbose_name_plural = _("return authorizations")

    def __str__(self) -> str:
        return f"RA-{self.pk}"


class ReturnLine(models.Model):
    """Licences of one order line given back: the whole line or part of it. A line may be returned in several
    returns, never more than it ordered (authorizations.services.returns keeps that, under the customer's lock)."""

    return_authorization = models.ForeignKey(
        ReturnAuthorization, verbose_name=_("return authorization"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="return_lines",
        related_query_name="return_line",
    )
    quantity = models.PositiveIntegerField(_("number of licences returned"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("returned line")
        verbose_name_plural = _("returned lines")
        constraints = [
            models.UniqueConstraint(fields=["return_authorization", "order_line"], name="return_line_once_per_return"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_line.product} × {self.quantity}"


class PendingCustomer(models.Model):
    """A customer with at least one pending purchase authorization, beside its reseller: kept by PostgreSQL
    triggers (migration 0008), never written by the app; other databases leave it empty and ask the PAs instead.

    /v3's notification list counts a reseller's such customers on every page: ~7,800 entries of one index here,
    against a semi-join of the reseller's 100,000 customers with every reseller's ~86,000 pending PAs at 1 M."""

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    #: The customer's reseller (the index below starts with it: a reseller's customers are one range).
    reseller = models.ForeignKey("accounts.Reseller", on_delete=models.DO_NOTHING, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("customer with a pending purchase authorization")
        verbose_name_plural = _("customers with a pending purchase authorization")
        indexes = [models.Index(fields=["reseller", "customer"], name="pa_pending_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.reseller_id})"
