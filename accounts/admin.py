from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from resellerconsole.admin import AuditedAdmin, ReadOnlyAdmin

from .forms import AdminLoginForm
from .models import ApiTokenUse, Reseller, StaffEvent, User

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


# DRF's token admin, with each token's last use.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ["key", "user", "created", "last_used"]
    list_select_related = ["user", "use"]
    fields = ["user", "last_used"]
    readonly_fields = ["last_used"]

    @admin.display(description=_("last used"), ordering="use__last_used_at")
    def last_used(self, token) -> str:
        use = getattr(token, "use", None)
        return date_format(timezone.localtime(use.last_used_at), "DATETIME_FORMAT") if use else _("never")


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(ReadOnlyAdmin):
    list_display = ["token__user", "last_used_at"]
    list_select_related = ["token__user"]
    search_fields = ["token__user__username"]
    date_hierarchy = "last_used_at"
