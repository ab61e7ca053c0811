from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from catalogue.models import MarketSegment
from resellerconsole.admin import AuditedAdmin

from .models import Product


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = [
        "name",
        "license_type",
        "sku_new",
        "sku_renewal",
        "unit_price",
        "currency",
        "segments",
        "is_education_device_license",
        "is_active",
    ]
    list_filter = [
        "license_type",
        "is_education_device_license",
        "is_active",
        "for_commercial",
        "for_education",
        "for_government",
    ]
    search_fields = ["name", "=sku_new", "=sku_renewal"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("name", "license_type", "is_active")}),
        (
            _("Market segments"),
            {"fields": ("for_commercial", "for_education", "for_government", "is_education_device_license")},
        ),
        (_("SKUs and price"), {"fields": ("sku_new", "sku_renewal", "unit_price", "currency")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("market segments"))
    def segments(self, obj: Product) -> str:
        labels = dict(MarketSegment.choices)
        return ", ".join(str(labels[segment]) for segment in obj.market_segments)
