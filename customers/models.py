from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from catalogue.models import MarketSegment
from resellerconsole.audit import AuditEvent

#: 20 upper-case hexadecimal characters (domain.md, Customers and VIP IDs).
VIP_ID_PATTERN = r"^[0-9A-F]{20}$"


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SWEDISH = "sv", _("Swedish")


class CustomerStatus(models.TextChoices):
    NOT_INVITED = "not_invited", _("Not invited")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    ACTIVE = "active", _("Active")
    DELAYED = "delayed", _("Delayed")
    INACTIVE = "inactive", _("Inactive")

    @classmethod
    def live(cls) -> tuple[str, ...]:
        """Accounts that renew and get renewal notices (Inactive ones have lost access already, Not invited
        ones have nothing to renew): the renewal jobs, the notices and the dashboard ask this."""
        return (cls.INVITATION_SENT, cls.ACTIVE, cls.DELAYED)


#: Every status change the domain allows; `customers.transitions` enforces it (one customer or a batch).
CUSTOMER_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    CustomerStatus.NOT_INVITED: frozenset({CustomerStatus.INVITATION_SENT}),
    # An invited customer can order before accepting, so it can also miss its renewal and lose access.
    CustomerStatus.INVITATION_SENT: frozenset({CustomerStatus.ACTIVE, CustomerStatus.DELAYED, CustomerStatus.INACTIVE}),
    CustomerStatus.ACTIVE: frozenset({CustomerStatus.DELAYED, CustomerStatus.INACTIVE}),
    # Delayed returns to the status it came from once no overdue PA is left.
    CustomerStatus.DELAYED: frozenset({CustomerStatus.ACTIVE, CustomerStatus.INVITATION_SENT, CustomerStatus.INACTIVE}),
    # Reinstatement after a missed renewal is a recorded reseller action; it returns to Active only if the
    # invitation was accepted (an invited customer can order, and so lapse, before accepting).
    CustomerStatus.INACTIVE: frozenset({CustomerStatus.ACTIVE, CustomerStatus.INVITATION_SENT}),
}


class Customer(models.Model):
    """An organisation in the VIP programme, signed up by one reseller."""

    reseller = models.ForeignKey(
        "accounts.Reseller", verbose_name=_("reseller"), on_delete=models.PROTECT, related_name="customers"
    )
    company_name = models.CharField(_("company name"), max_length=120)
    address_line1 = models.CharField(_("address"), max_length=120)
    address_line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20)
    city = models.CharField(_("city"), max_length=80)
    country = CountryField(_("country"))
    market_segment = models.CharField(_("market segment"), max_length=20, choices=MarketSegment.choices)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.NOT_INVITED
    )
    vip_id = models.CharField(_("VIP ID"), max_length=20, unique=True, null=True, blank=True, editable=False)
    invitation_sent_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True, editable=False)
    invitation_accepted_at = models.DateTimeField(_("invitation accepted at"), null=True, blank=True, editable=False)
    #: Set by the first order (12 months after it); moved one year on by each renewal.
    anniversary_date = models.DateField(_("anniversary date"), null=True, blank=True, editable=False)
    #: The anniversary's own day of month, so a 29 February anniversary comes back in leap years.
    anniversary_day = models.PositiveSmallIntegerField(_("anniversary day"), null=True, blank=True, editable=False)
    #: The lapsed anniversary for which the reseller reinstated the account (a late renewal is then accepted).
    reinstated_for = models.DateField(_("reinstated for the anniversary"), null=True, blank=True, editable=False)
    #: While Delayed: the latest business date for which the order-deadline rule found the account Delayed. A run
    #: (or a live change) for an earlier date judges "nothing overdue" as of this date, so it never undoes it.
    delayed_for = models.DateField(_("delayed for the date"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["company_name", "pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            # The customer list's keyset pages, one index per sort a reseller can choose.
            models.Index(fields=["reseller", "company_name"], name="customer_reseller_name_idx"),
            models.Index(fields=["reseller", "status", "company_name", "id"], name="customer_reseller_status_idx"),
            models.Index(fields=["reseller", "created_at", "id"], name="customer_reseller_created_idx"),
            models.Index(fields=["reseller", "anniversary_date", "id"], name="customer_reseller_anniv_idx"),
            # Status descending with names ascending mixes directions: the index above cannot be read backwards
            # for it (100,000 rows sorted per page at 1 M customers).
            models.Index(fields=["reseller", "-status", "company_name", "id"], name="customer_reseller_status_d_idx"),
            # The deadline sweep's "restore" pass reads the (few) Delayed accounts only.
            models.Index(fields=["id"], name="customer_delayed_idx", condition=Q(status="delayed")),
            # The same sorts for internal sales, who list every reseller's customers.
            models.Index(fields=["company_name", "id"], name="customer_name_idx"),
            models.Index(fields=["status", "company_name", "id"], name="customer_status_name_idx"),
            models.Index(fields=["created_at", "id"], name="customer_created_idx"),
            models.Index(fields=["-status", "company_name", "id"], name="customer_status_desc_name_idx"),
            # Internal sales' renewal overview, soonest anniversary first over every status (an Inactive
            # customer's rows stay listed): without it, 1 M customers were sorted per page (0.65 s).
            models.Index(fields=["anniversary_date", "id"], name="customer_anniversary_idx"),
            # The renewal jobs read live accounts by anniversary (overview, notices, removal of access).
            models.Index(
                fields=["anniversary_date", "id"],
                name="customer_live_anniversary_idx",
                condition=Q(status__in=["invitation_sent", "active", "delayed"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(vip_id__isnull=True) | Q(vip_id__regex=VIP_ID_PATTERN),
                name="customer_vip_id_format",
            ),
            # Once invited, a customer always has its VIP ID.
            models.CheckConstraint(
                condition=Q(status="not_invited") | Q(vip_id__isnull=False),
                name="customer_invited_has_vip_id",
            ),
        ]

    def __str__(self) -> str:
        return self.company_name


class VipAdmin(models.Model):
    """A person at the customer who administers licences and receives the programme's e-mails."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="vip_admins"
    )
    name = models.CharField(_("full name"), max_length=120)
    email = models.EmailField(_("e-mail"))
    #: Bumped by every invitation e-mail to this admin: only the link naming the current number is valid.
    invitation_nonce = models.PositiveIntegerField(_("invitation sending"), default=0, editable=False)
    #: When the current link created the sign-in (a link works once).
    invitation_used_at = models.DateTimeField(_("invitation link used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("VIP admin")
        verbose_name_plural = _("VIP admins")
        constraints = [
            models.UniqueConstraint("customer", Lower("email"), name="vip_admin_unique_email_per_customer"),
        ]
        # The admin finds customers by a VIP admin's address (customers.selectors.customer_search_condition).
        indexes = [models.Index(Lower("email"), name="vip_admin_email_idx")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class CustomerEvent(AuditEvent):
    """One recorded change to a customer: who did what, when. The history pages read these rows."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Customer created")
        UPDATED = "updated", _("Customer details changed")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_RESENT = "invitation_resent", _("Invitation resent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        STATUS_CHANGED = "status_changed", _("Status changed")
        PA_CREATED = "pa_created", _("Purchase authorization created")
        PA_WITHDRAWN = "pa_withdrawn", _("Purchase authorization withdrawn")
        PA_PRODUCTS_REMOVED = "pa_products_removed", _("Products removed from purchase authorization")
        ORDER_PLACED = "order_placed", _("Order placed")
        DURATION_SET = "duration_set", _("Order duration set")
        RETURN_REQUESTED = "return_requested", _("Return authorization")
        LICENSE_ASSIGNED = "license_assigned", _("Licence assigned")
        LICENSE_RELEASED = "license_released", _("Licence released")
        VIP_ADMIN_SIGN_IN_CREATED = "vip_admin_sign_in_created", _("VIP admin sign-in created")
        VIP_ADMIN_SIGN_IN_REVOKED = "vip_admin_sign_in_revoked", _("VIP admin sign-in revoked")
        RENEWAL_QUANTITY_CHOSEN = "renewal_quantity_chosen", _("Renewal quantity chosen")
        RENEWED = "renewed", _("Renewal processed")
        ACCESS_REMOVED = "access_removed", _("Access removed")
        REINSTATED = "reinstated", _("Account reinstated")
        AUTO_RENEWAL_CHANGED = "auto_renewal_changed", _("Auto-renewal changed")

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        indexes = [
            models.Index(fields=["customer", "-at"], name="customer_event_customer_at_idx"),
            # The history's cards and export find the event of a PA by its reference, of an order, a return or a
            # renewal by its order number (customers.selectors.recorded_channels, renewals.exports): partial, so
            # only those kinds' rows pay for them.
            models.Index(
                F("customer"),
                KT("parameters__reference"),
                name="customer_event_pa_ref_idx",
                condition=Q(kind="pa_created"),
            ),
            models.Index(
                F("customer"),
                F("kind"),
                KT("parameters__order_number"),
                name="customer_event_order_no_idx",
                condition=Q(kind__in=["order_placed", "return_requested", "renewed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def details(self) -> str:
        """A short, translated account of what the event changed, for history lists (each app says for its kinds)."""
        # events.py writes these rows, so it imports this module; its registry is looked up when a history is shown.
        from .events import describe

        return describe(self.kind, self.parameters or {})
