"""API clients in the Django admin: the secret is shown once, when the client is created or given a new one."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resellerconsole.admin import AuditedAdmin

from . import services
from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(AuditedAdmin):
    list_display = ["name", "client_id", "is_active", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "client_id", "resellers__name", "resellers__partner_id"]
    fields = ["name", "client_id", "resellers", "is_active", "created_at", "last_used_at"]
    readonly_fields = ["client_id", "created_at", "last_used_at"]
    filter_horizontal = ["resellers"]
    actions = ["new_secret"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.api_client_create(
            name=obj.name, is_active=obj.is_active, resellers=form.cleaned_data.get("resellers", ()), client=obj
        )
        self._show_secret(request, created)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.api_client_sync_actors(client=form.instance)

    @admin.action(description=gettext_lazy("Generate a new secret (the tokens issued so far stop working)"))
    def new_secret(self, request, queryset):
        for client in queryset:
            self._show_secret(request, services.api_client_new_secret(client=client))

    def _show_secret(self, request, created: services.NewSecret) -> None:
        self.message_user(
            request,
            _(
                "Client %(name)s: client ID %(client_id)s, secret %(secret)s — copy the secret now, it is not "
                "shown again."
            )
            % {"name": created.client.name, "client_id": created.client.client_id, "secret": created.secret},
            messages.WARNING,
        )
