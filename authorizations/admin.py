"""Read-only views of PAs, orders and returns: changes go through the console and API services."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.selectors import customer_ids_searched
from resellerconsole.admin import LargeTableAdmin, ReadOnlyAdmin, ReadOnlyInline
from resellerconsole.errors import DomainError

from . import services
from .models import (
    Order,
    OrderLine,
    PendingCustomer,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    ReturnAuthorization,
    ReturnLine,
)


class PurchaseAuthorizationLineInline(ReadOnlyInline):
    model = PurchaseAuthorizationLine
    fields = ["product", "quantity", "removed_at", "removed_by"]


@admin.register(PurchaseAuthorization)
class PurchaseAuthorizationAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = ["reference", "customer", "license_type", "status", "po_number", "deployed_at", "order_deadline"]
    list_filter = ["status", "license_type", ("order_deadline", admin.DateFieldListFilter), "customer__reseller"]
    list_select_related = ["customer"]
    ordering = ["-pk"]  # newest first, by the primary key (the model's order by deployment has no index)
    search_fields = ["reference", "po_number", "customer__company_name", "customer__vip_id"]  # get_search_results
    search_help_text = _("A PA reference, a PO number, a part of the company name or a VIP ID.")
    inlines = [PurchaseAuthorizationLineInline]
    actions = ["withdraw"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(reference=term.upper()) | Q(po_number=term) | Q(customer_id__in=customer_ids_searched(term))
        return queryset.filter(condition), False

    @admin.action(description=_("Withdraw the selected pending purchase authorizations"))
    def withdraw(self, request, queryset):
        for pa in queryset.select_related("customer"):
            try:
                services.purchase_authorization_withdraw(purchase_authorization=pa, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{pa.reference}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{pa.reference}: {_('withdrawn')}", messages.SUCCESS)

    def has_change_permission(self, request, obj=None) -> bool:
        # Actions need change permission; the form itself stays read-only (no editable fields).
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["product", "quantity"]


class ReturnInline(ReadOnlyInline):
    model = ReturnAuthorization
    fields = ["created_at", "created_by"]
    show_change_link = True


@admin.register(Order)
class OrderAdmin(LargeTableAdmin, ReadOnlyAdmin):
    list_display = [
        "order_number",
        "customer",
        "purchase_authorization",
        "order_date",
        "duration_months_proposed",
        "duration_months",
    ]
    list_filter = [("order_date", admin.DateFieldListFilter), "customer__reseller"]
    list_select_related = ["customer", "purchase_authorization"]
    ordering = ["-pk"]  # newest first, by the primary key (the order date has no index)
    search_fields = [  # see get_search_results
        "order_number",
        "purchase_authorization__reference",
        "customer__company_name",
        "customer__vip_id",
    ]
    search_help_text = _("An order number, a PA reference, a part of the company name or a VIP ID.")
    inlines = [OrderLineInline, ReturnInline]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        authorizations = PurchaseAuthorization.objects.filter(reference=term.upper()).values_list("pk", flat=True)
        condition = (
            Q(order_number__in={term, term.upper()})
            | Q(purchase_authorization_id__in=list(authorizations))
            | Q(customer_id__in=customer_ids_searched(term))
        )
        return queryset.filter(condition), False


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ["order_line", "quantity"]


@admin.register(ReturnAuthorization)
class ReturnAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "order", "created_at", "created_by"]
    list_select_related = ["order", "created_by"]
    search_fields = ["=order__order_number", "order__customer__company_name"]
    date_hierarchy = "created_at"
    inlines = [ReturnLineInline]


@admin.register(PurchaseAuthorizationLine)
class PurchaseAuthorizationLineAdmin(ReadOnlyAdmin):
    list_display = ["purchase_authorization", "product", "quantity", "removed_at"]
    list_select_related = ["purchase_authorization", "product"]
    search_fields = ["=purchase_authorization__reference", "=product__sku_new"]


@admin.register(OrderLine)
class OrderLineAdmin(ReadOnlyAdmin):
    list_display = ["order", "product", "quantity"]
    list_select_related = ["order", "product"]
    search_fields = ["=order__order_number", "=product__sku_new"]


@admin.register(ReturnLine)
class ReturnLineAdmin(ReadOnlyAdmin):
    list_display = ["return_authorization", "order_line", "quantity"]
    list_select_related = ["return_authorization", "order_line__product", "order_line__order"]
    search_fields = ["=order_line__order__order_number"]


@admin.register(PendingCustomer)
class PendingCustomerAdmin(LargeTableAdmin, ReadOnlyAdmin):
    """What the database keeps of the pending PAs (for /v3's notification list): to look at, never to edit."""

    list_display = ["customer", "reseller"]
    list_select_related = ["customer", "reseller"]
    search_fields = ["=customer__vip_id"]
