"""Read-only views of holdings and assignments: changes go through the console and API services."""

from django.contrib import admin

from resellerconsole.admin import ReadOnlyAdmin

from .models import Assignment, Holding


@admin.register(Holding)
class HoldingAdmin(ReadOnlyAdmin):
    list_display = ["customer", "product", "deployed"]
    list_select_related = ["customer", "product"]
    search_fields = ["customer__company_name", "=customer__vip_id", "product__name", "=product__sku_new"]
    list_filter = ["product__license_type"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["email", "product", "customer", "assigned_at", "released_at"]
    list_select_related = ["customer", "product"]
    search_fields = ["email", "customer__company_name", "=customer__vip_id"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
