"""API clients of the VIP Marketplace partner API (/v3), their bearer tokens, and what /v3 keeps of a customer
that our own model has no field for (the marketplace's reference, the region, phone numbers)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiClient(models.Model):
    """An integration (a distributor's or marketplace's system) that speaks the VIP Marketplace API for the
    resellers it is given. Its secret is stored hashed, as Django stores passwords."""

    name = models.CharField(_("name"), max_length=120)
    #: Public: the client sends it as client_id to the token URL and as X-Api-Key on every call.
    client_id = models.CharField(_("client ID"), max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(_("secret (hashed)"), max_length=256, editable=False)
    resellers = models.ManyToManyField(
        "accounts.Reseller",
        verbose_name=_("resellers"),
        related_name="api_clients",
        blank=True,
        help_text=_("The resellers this client may act for: it sees and creates only their customers."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    #: Who the client is to the rest of the project (throttles, X-Correlation-Id keys, the orders it places): a
    #: licensing-website user, who sees no customer; each reseller's customers are reached through that
    #: reseller's ApiClientActor.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service user"),
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("VIP Marketplace API client")
        verbose_name_plural = _("VIP Marketplace API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ApiClientActor(models.Model):
    """The user a client acts as for one of its resellers: a Sales user of that reseller with no usable
    password, so every selector's tenancy (customers_visible_to and the rest) applies to the client unchanged,
    and the history names the client as the one who acted."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="actors")
    reseller = models.ForeignKey(
        "accounts.Reseller", verbose_name=_("reseller"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("API client's user at a reseller")
        verbose_name_plural = _("API client's users at resellers")
        constraints = [models.UniqueConstraint(fields=["client", "reseller"], name="vipmp_one_actor_per_reseller")]

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.reseller_id}"


class AccessToken(models.Model):
    """A bearer token the token URL issued; only its SHA-256 is stored (the token itself is random)."""

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class CustomerProfile(models.Model):
    """What /v3 keeps of a customer beyond our Customer: the marketplace's own reference for it, the address's
    region and phone number, and each contact's first and last name and phone number (keyed by e-mail, lower
    case), so that a customer reads back as it was written. The customer's own fields stay on Customer and
    VipAdmin; these are never used by any rule."""

    customer = models.OneToOneField(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="vipmp_profile"
    )
    external_reference_id = models.CharField(_("external reference"), max_length=35, blank=True)
    region = models.CharField(_("region"), max_length=255, blank=True)
    phone_number = models.CharField(_("phone number"), max_length=40, blank=True)
    contacts = models.JSONField(_("contacts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("VIP Marketplace customer details")
        verbose_name_plural = _("VIP Marketplace customer details")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.external_reference_id}"


class MarketplaceOrder(models.Model):
    """What /v3 keeps of an order or a return placed through it that our model has no field for: the
    marketplace's line numbers (extLineItemNumber, by product id) and a return's externalReferenceId (an
    order's is its purchase authorization's PO number). Never used by any rule."""

    order = models.OneToOneField(
        "authorizations.Order",
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vipmp_details",
    )
    return_authorization = models.OneToOneField(
        "authorizations.ReturnAuthorization",
        verbose_name=_("return authorization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vipmp_details",
    )
    external_reference_id = models.CharField(_("external reference"), max_length=35, blank=True)
    #: {product id (as a string): extLineItemNumber}
    line_numbers = models.JSONField(_("line numbers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("VIP Marketplace order details")
        verbose_name_plural = _("VIP Marketplace order details")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(order__isnull=False, return_authorization__isnull=True)
                | models.Q(order__isnull=True, return_authorization__isnull=False),
                name="vipmp_order_details_of_one",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id or self.return_authorization_id} {self.external_reference_id}"
