from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .forms import AdminLoginForm
from .models import Reseller, User

admin.site.login_form = AdminLoginForm


@admin.register(Reseller)
class ResellerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_id", "country", "created_at"]
    search_fields = ["name", "partner_id"]
    list_filter = ["country"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "role", "reseller", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "reseller"]
    list_select_related = ["reseller"]
    search_fields = ["username", "email", "first_name", "last_name", "reseller__name"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Reseller Console"), {"fields": ("role", "reseller")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Reseller Console"), {"fields": ("role", "reseller")}))
    readonly_fields = ["last_login", "date_joined"]
