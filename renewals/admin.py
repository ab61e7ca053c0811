"""Renewal overview rows and renewal history: read-only; changes go through the console and API services."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resellerconsole.admin import ReadOnlyAdmin, ReadOnlyInline

from .dates import WindowState, window_state
from .models import AutoRenewal, AutoRenewalDefault, Renewal, RenewalLine, RenewalRow, window_state_filter


class WindowStateFilter(admin.SimpleListFilter):
    title = _("window")
    parameter_name = "window"

    def lookups(self, request, model_admin):
        return WindowState.choices

    def queryset(self, request, queryset):
        if self.value() in WindowState.values:
            return queryset.filter(window_state_filter(self.value(), timezone.localdate()))
        return queryset


@admin.register(RenewalRow)
class RenewalRowAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "product",
        "anniversary_date",
        "window",
        "quantity_held",
        "proposed_quantity",
        "quantity_edited_by",
    ]
    list_filter = [WindowStateFilter, ("anniversary_date", admin.DateFieldListFilter), "customer__reseller"]
    list_select_related = ["customer", "product", "quantity_edited_by"]
    search_fields = ["customer__company_name", "=customer__vip_id", "=product__sku_renewal", "product__name"]
    date_hierarchy = "anniversary_date"

    @admin.display(description=_("window"))
    def window(self, row) -> str:
        return WindowState(window_state(row.anniversary_date, timezone.localdate())).label


class RenewalLineInline(ReadOnlyInline):
    model = RenewalLine
    fields = ["product", "quantity_before", "quantity_after", "released_users"]


@admin.register(Renewal)
class RenewalAdmin(ReadOnlyAdmin):
    list_display = [
        "order_number",
        "customer",
        "order_date",
        "anniversary_before",
        "anniversary_after",
        "placed_by",
        "automatic",
    ]
    list_filter = [("anniversary_before", admin.DateFieldListFilter), "automatic", "customer__reseller"]
    list_select_related = ["customer", "placed_by"]
    search_fields = ["=order_number", "customer__company_name", "=customer__vip_id"]
    date_hierarchy = "order_date"
    inlines = [RenewalLineInline]


@admin.register(RenewalLine)
class RenewalLineAdmin(ReadOnlyAdmin):
    list_display = ["renewal", "product", "quantity_before", "quantity_after"]
    list_select_related = ["renewal", "product"]
    search_fields = ["=renewal__order_number", "=product__sku_renewal"]


@admin.register(AutoRenewal)
class AutoRenewalAdmin(ReadOnlyAdmin):
    """Changed on the customer's Renewals tab and by /v3 (renewals.services.auto_renewal_set)."""

    list_display = ["holding", "customer", "enabled", "renewal_quantity", "changed_by", "changed_at"]
    list_filter = ["enabled"]
    list_select_related = ["holding__customer", "holding__product", "changed_by"]
    search_fields = ["holding__customer__company_name", "=holding__customer__vip_id", "=holding__product__sku_renewal"]

    @admin.display(description=_("customer"))
    def customer(self, row) -> str:
        return str(row.holding.customer)


@admin.register(AutoRenewalDefault)
class AutoRenewalDefaultAdmin(ReadOnlyAdmin):
    list_display = ["customer", "enabled"]
    list_filter = ["enabled"]
    list_select_related = ["customer"]
    search_fields = ["customer__company_name", "=customer__vip_id"]
