from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from resellerconsole.admin import AuditedAdmin, ReadOnlyAdmin

from .forms import AdminLoginForm
from .models import Reseller, StaffEvent, User

admin.site.login_form = AdminLoginForm


@admin.register(Reseller)
class ResellerAdmin(AuditedAdmin):
    list_display = ["name", "partner_id", "country", "created_at"]
    search_fields = ["name", "partner_id"]
    list_filter = ["country"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "reseller", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "reseller"]
    list_select_related = ["reseller"]
    search_fields = ["username", "email", "first_name", "last_name", "reseller__name"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Reseller Console"), {"fields": ("role", "reseller")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Reseller Console"), {"fields": ("role", "reseller")}))
    readonly_fields = ["last_login", "date_joined"]


@admin.register(StaffEvent)
class StaffEventAdmin(ReadOnlyAdmin):
    """The audit trail of resellers' staff changes made in the console."""

    list_display = ["at", "reseller", "member", "kind", "actor", "source"]
    list_filter = ["kind", "source", "reseller"]
    list_select_related = ["reseller", "member", "actor"]
    search_fields = ["member__username", "actor__username", "reseller__name"]
    date_hierarchy = "at"
