from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resellerconsole.admin import AuditedAdmin

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(AuditedAdmin):
    list_display = ["created_at", "kind", "customer", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind", "language", "customer__reseller"]
    list_select_related = ["customer"]
    search_fields = ["subject", "dedupe_key", "customer__company_name", "=customer__vip_id"]
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["send_again"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        failed = list(queryset.filter(state=OutboundEmail.State.FAILED))
        count = services.email_retry(email_ids=[email.pk for email in failed])
        for email in failed:  # the admin's change log: who queued which e-mail again
            self.log_change(request, email, [{"values": {"state": [email.state, OutboundEmail.State.PENDING]}}])
        self.message_user(
            request,
            ngettext("%(count)d failed e-mail queued again.", "%(count)d failed e-mails queued again.", count)
            % {"count": count},
        )
