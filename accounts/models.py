from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from resellerconsole.audit import AuditEvent


class Reseller(models.Model):
    """A partner company that sells licences to customers."""

    name = models.CharField(_("company name"), max_length=120)
    partner_id = models.CharField(_("partner ID"), max_length=20, unique=True)
    country = CountryField(_("country"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reseller")
        verbose_name_plural = _("resellers")

    def __str__(self) -> str:
        return f"{self.name} ({self.partner_id})"


def end_sign_in(collector, field, sub_objs, using):
    """`on_delete` for a sign-in's VIP admin row: the sign-in ends with it (unlinked and deactivated).

    The user row stays so the audit trail keeps its actor; the services also drop the sessions.
    """
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(field.model._meta.get_field("is_active"), False, sub_objs)


class User(AbstractUser):
    class Role(models.TextChoices):
        RESELLER_ADMIN = "reseller_admin", _("Reseller admin")
        SALES = "sales", _("Sales")
        INTERNAL_SALES = "internal_sales", _("Internal sales")
        VIP_ADMIN = "vip_admin", _("VIP admin")
        LICENSING_WEBSITE = "licensing_website", _("Licensing website integration")

    #: Roles that belong to one reseller and see only its customers.
    RESELLER_ROLES = (Role.RESELLER_ADMIN, Role.SALES)

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    reseller = models.ForeignKey(
        Reseller,
        verbose_name=_("reseller"),
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    #: The organisation a VIP admin administers in the customer-side admin console.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="admin_console_users",
        null=True,
        blank=True,
    )
    #: The VIP admin (contact) this admin-console sign-in belongs to; removing the contact ends the sign-in.
    vip_admin = models.OneToOneField(
        "customers.VipAdmin",
        verbose_name=_("VIP admin"),
        on_delete=end_sign_in,
        related_name="sign_in",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Reseller staff belong to exactly one reseller; nobody else belongs to any.
            models.CheckConstraint(
                condition=(Q(role__in=["reseller_admin", "sales"], reseller__isnull=False))
                | (~Q(role__in=["reseller_admin", "sales"]) & Q(reseller__isnull=True)),
                name="user_reseller_matches_role",
            ),
            # VIP admins belong to exactly one customer; nobody else belongs to any.
            models.CheckConstraint(
                condition=Q(role="vip_admin", customer__isnull=False)
                | (~Q(role="vip_admin") & Q(customer__isnull=True)),
                name="user_customer_matches_role",
            ),
        ]

    @property
    def is_reseller_staff(self) -> bool:
        return self.role in self.RESELLER_ROLES

    @property
    def is_reseller_admin(self) -> bool:
        return self.role == self.Role.RESELLER_ADMIN

    @property
    def is_internal_sales(self) -> bool:
        return self.role == self.Role.INTERNAL_SALES

    @property
    def is_vip_admin(self) -> bool:
        """A sign-in to the admin console that still belongs to a VIP admin (contact) of its customer."""
        return (
            self.is_active
            and self.role == self.Role.VIP_ADMIN
            and self.customer_id is not None
            and self.vip_admin_id is not None
        )

    def administers(self, customer_id: int | None) -> bool:
        """The one check every admin-console door asks: a current VIP admin of that customer (reads the row)."""
        if not (self.is_vip_admin and customer_id is not None and self.customer_id == customer_id):
            return False
        contacts = self._meta.get_field("vip_admin").related_model._default_manager
        return contacts.filter(pk=self.vip_admin_id, customer_id=customer_id).exists()

    @property
    def is_licensing_website(self) -> bool:
        return self.is_active and self.role == self.Role.LICENSING_WEBSITE

    @property
    def is_console_user(self) -> bool:
        """May use the reseller console (superusers use the Django admin)."""
        return self.is_active and (self.is_reseller_staff or self.is_internal_sales)


class StaffEvent(AuditEvent):
    """A change to a reseller's staff made in the console: who added or (de)activated whom, when, from where."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Staff member added")
        DEACTIVATED = "deactivated", _("Staff member deactivated")
        REACTIVATED = "reactivated", _("Staff member reactivated")

    reseller = models.ForeignKey(Reseller, verbose_name=_("reseller"), on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(User, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("staff event")
        verbose_name_plural = _("staff events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.member} ({self.at:%Y-%m-%d %H:%M})"


class ApiTokenUse(models.Model):
    """When an API token (DRF's Token, which has no such column) was last used; written at most once a
    minute per token, not on every request."""

    token = models.OneToOneField(
        "authtoken.Token", verbose_name=_("API token"), on_delete=models.CASCADE, primary_key=True, related_name="use"
    )
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")

    def __str__(self) -> str:
        return f"{self.token.user_id} {self.last_used_at:%Y-%m-%d %H:%M}"
