from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers.selectors import customer_ids_searched
from resellerconsole.admin import AuditedAdmin, LanguageListFilter, LargeTableAdmin

from . import services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(LargeTableAdmin, AuditedAdmin):
    list_display = ["created_at", "kind", "customer", "subject", "state", "attempts", "sent_at"]
    list_filter = [
        "state",
        "kind",
        LanguageListFilter,
        "customer__reseller",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["customer"]
    ordering = ["-pk"]  # newest first, by the primary key (creation time has no index)
    search_fields = ["dedupe_key", "customer__company_name", "customer__vip_id"]  # see get_search_results
    search_help_text = _("A part of the company name, a VIP ID or a deduplication key.")
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(dedupe_key=term) | Q(customer_id__in=customer_ids_searched(term))), False

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
