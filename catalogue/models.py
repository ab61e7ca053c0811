from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MarketSegment(models.TextChoices):
    COMMERCIAL = "commercial", _("Commercial")
    EDUCATION = "education", _("Education")
    GOVERNMENT = "government", _("Government")


#: An Adobe-style part number: 8 digits, 2 letters, 2 digits (volume level), a letter and 2 digits (term),
#: e.g. 65304520CA01A12.
SKU_PATTERN = r"^[0-9]{8}[A-Z]{2}[0-9]{2}[A-Z][0-9]{2}$"

#: The flag on Product that says whether a market segment may buy it.
SEGMENT_FIELDS: dict[str, str] = {
    MarketSegment.COMMERCIAL: "for_commercial",
    MarketSegment.EDUCATION: "for_education",
    MarketSegment.GOVERNMENT: "for_government",
}

sku_validator = RegexValidator(
    SKU_PATTERN, _("Enter a SKU like 65304520CA01A12: 8 digits, 2 letters, 2 digits, a letter and 2 digits.")
)


class LicenseType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    TEAM = "team", _("Team")


def segment_filter(segment: str) -> Q:
    """The products a customer of `segment` may buy, e.g. Q(for_commercial=True).

    An unknown segment is a programming error, not an empty result, so it raises ValueError.
    """
    try:
        return Q(**{SEGMENT_FIELDS[segment]: True})
    except KeyError:
        raise ValueError(f"Unknown market segment: {segment!r}") from None


class Product(models.Model):
    """A licence that resellers can put on a purchase authorization or renew, with its SKUs and price."""

    name = models.CharField(_("name"), max_length=120)
    license_type = models.CharField(_("licence type"), max_length=20, choices=LicenseType.choices)
    for_commercial = models.BooleanField(_("Commercial"), default=False)
    for_education = models.BooleanField(_("Education"), default=False)
    for_government = models.BooleanField(_("Government"), default=False)
    is_education_device_license = models.BooleanField(
        _("Education device licence"),
        default=False,
        help_text=_("Ordered directly from the programme owner; cannot be put on a purchase authorization."),
    )
    sku_new = models.CharField(_("new-purchase SKU"), max_length=30, unique=True, validators=[sku_validator])
    sku_renewal = models.CharField(_("renewal SKU"), max_length=30, unique=True, validators=[sku_validator])
    unit_price = models.DecimalField(
        _("yearly unit price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 code, e.g. EUR."))],
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive products are not offered for new purchase authorizations.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "license_type"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(for_commercial=True) | Q(for_education=True) | Q(for_government=True),
                name="product_sold_to_a_segment",
                violation_error_message=_("Choose at least one market segment that may buy the product."),
            ),
            # Education device licences exist only for education customers.
            models.CheckConstraint(
                condition=Q(is_education_device_license=False)
                | Q(for_education=True, for_commercial=False, for_government=False),
                name="product_device_licence_education_only",
                violation_error_message=_("An Education device licence can be sold to Education only."),
            ),
            models.CheckConstraint(
                condition=~Q(sku_new=F("sku_renewal")),
                name="product_renewal_sku_differs",
                violation_error_message=_("The renewal SKU must differ from the new-purchase SKU."),
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_unit_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_license_type_display()})"

    @property
    def market_segments(self) -> list[str]:
        """The MarketSegment values that may buy this product, in MarketSegment order."""
        return [segment for segment, field in SEGMENT_FIELDS.items() if getattr(self, field)]

    def sold_to(self, segment: str) -> bool:
        """Whether a customer of `segment` may buy this product (False for an unknown segment)."""
        field = SEGMENT_FIELDS.get(segment)
        return bool(field and getattr(self, field))
