from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from resellerconsole.admin import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from resellerconsole.errors import DomainError

from . import services
from .models import Customer, CustomerEvent, VipAdmin


class VipAdminInline(ReadOnlyInline):
    model = VipAdmin
    fields = ["name", "email"]


class CustomerEventInline(ReadOnlyInline):
    model = CustomerEvent
    fields = ["at", "kind", "actor", "parameters"]
    ordering = ["-at", "-pk"]


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ["company_name", "vip_id", "reseller", "status", "market_segment", "country", "created_at"]
    list_filter = ["status", "market_segment", "preferred_language", "reseller"]
    list_select_related = ["reseller"]
    search_fields = ["company_name", "=vip_id", "vip_admins__email"]
    readonly_fields = [
        "reseller",
        "vip_id",
        "status",
        "invitation_sent_at",
        "invitation_accepted_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [VipAdminInline, CustomerEventInline]
    actions = ["send_invitation"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        # Customers are signed up by their reseller in the console or the API.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Nothing is deleted: the history stays and a VIP ID is never reused (domain.md).
        return False

    def save_model(self, request, obj, form, change) -> None:
        # Edits go through the service so they are validated and recorded like any other.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        try:
            services.customer_update(customer=obj, actor=request.user, allow_duplicate=True, **changes)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description=_("Send or resend the VIP invitation"))
    def send_invitation(self, request, queryset):
        for customer in queryset:
            try:
                services.customer_send_invitation(customer=customer, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{customer}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{customer}: {customer.vip_id}", messages.SUCCESS)


@admin.register(VipAdmin)
class VipAdminAdmin(ReadOnlyAdmin):
    """Read-only lookup of VIP admins; they are edited on the customer in the console."""

    list_display = ["name", "email", "customer"]
    list_select_related = ["customer"]
    search_fields = ["name", "email", "customer__company_name", "=customer__vip_id"]


@admin.register(CustomerEvent)
class CustomerEventAdmin(ReadOnlyAdmin):
    """The audit trail of customers: every change, by whom (user, token or job), through which channel."""

    list_display = ["at", "customer", "kind", "details", "actor", "source", "source_detail"]
    list_filter = ["kind", "source", "source_detail", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["customer", "actor"]
    search_fields = ["customer__company_name", "=customer__vip_id"]
    date_hierarchy = "at"
