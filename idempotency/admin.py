from django.contrib import admin

from resellerconsole.admin import ReadOnlyAdmin

from .models import IdempotentRequest


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "method", "path", "state", "status_code", "key")
    list_filter = ("state", "method")
    search_fields = ("key", "path", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
