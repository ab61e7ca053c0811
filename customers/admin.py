from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resellerconsole.admin import AuditedAdmin, LargeTableAdmin, ReadOnlyAdmin, ReadOnlyInline
from resellerconsole.errors import DomainError

from . import services
from .models import Customer, CustomerEvent, CustomerStatus, VipAdmin
from .selectors import customer_search_condition, event_search_condition


class CustomerAdminForm(forms.ModelForm):
    """Saves through `customer_update` while the form is validated, so a refusal is a field error.

    Django's admin logs the change and says "changed successfully" once the form is valid; a refusal raised
    later (in save_model) could only be a message next to that success and that log entry.
    """

    actor = None  # set per request by CustomerAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned
        changes = {name: cleaned[name] for name in self.changed_data if name in services.EDITABLE_FIELDS}
        try:
            with transaction.atomic():
                services.customer_update(customer=self.instance, actor=self.actor, allow_duplicate=True, **changes)
        except DomainError as error:
            error.add_to_form(self)
        return cleaned


class VipAdminInline(ReadOnlyInline):
    model = VipAdmin
    fields = ["name", "email"]


class CustomerEventInline(ReadOnlyInline):
    model = CustomerEvent
    fields = ["at", "kind", "actor", "parameters"]
    ordering = ["-at", "-pk"]


@admin.register(Customer)
class CustomerAdmin(LargeTableAdmin, AuditedAdmin):
    list_display = ["company_name", "vip_id", "reseller", "status", "market_segment", "country_name", "created_at"]
    list_filter = [
        "status",
        "market_segment",
        "preferred_language",
        "reseller",
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["reseller"]
    search_fields = ["company_name", "vip_id", "vip_admins__email"]  # see get_search_results
    search_help_text = _("A part of the company name, a VIP ID or a VIP admin's e-mail address.")
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
    form = CustomerAdminForm
    inlines = [VipAdminInline, CustomerEventInline]
    actions = ["send_invitation"]

    def has_add_permission(self, request) -> bool:
        # Customers are signed up by their reseller in the console or the API.
        return False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(customer_search_condition(term)) if term else queryset), False

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, customer: Customer) -> str:
        # Not the field itself: the admin would build the translated list of every country for each row.
        return customer.country.name

    def has_delete_permission(self, request, obj=None) -> bool:
        # Nothing is deleted: the history stays and a VIP ID is never reused (domain.md).
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change) -> None:
        # The form's validation already saved through the service (CustomerAdminForm.clean).
        pass

    @admin.action(description=_("Send or resend the VIP invitation"))
    def send_invitation(self, request, queryset):
        sent = resent = 0
        for customer in queryset:
            # Invited customers get a resend; the service refuses those that accepted or lost access.
            resend = customer.status != CustomerStatus.NOT_INVITED
            try:
                services.customer_send_invitation(customer=customer, actor=request.user, resend=resend)
            except DomainError as error:
                self.message_user(request, f"{customer}: {error.message}", messages.ERROR)
            else:
                resent, sent = (resent + 1, sent) if resend else (resent, sent + 1)
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent},
                messages.SUCCESS,
            )
        if resent:
            self.message_user(
                request,
                ngettext("%(count)d invitation resent.", "%(count)d invitations resent.", resent) % {"count": resent},
                messages.SUCCESS,
            )
        refused = len(queryset) - sent - resent
        if refused:
            self.message_user(
                request,
                ngettext("%(count)d customer was not invited.", "%(count)d customers were not invited.", refused)
                % {"count": refused},
                messages.WARNING,
            )


@admin.register(VipAdmin)
class VipAdminAdmin(ReadOnlyAdmin):
    """Read-only lookup of VIP admins; they are edited on the customer in the console."""

    list_display = ["name", "email", "customer"]
    list_select_related = ["customer"]
    search_fields = ["name", "email", "customer__company_name", "=customer__vip_id"]


@admin.register(CustomerEvent)
class CustomerEventAdmin(LargeTableAdmin, ReadOnlyAdmin):
    """The audit trail of customers: every change, by whom (user, token or job), through which channel."""

    list_display = ["at", "customer", "kind", "details", "actor", "source", "source_detail"]
    list_filter = ["kind", "source", ("at", admin.DateFieldListFilter)]
    list_select_related = ["customer", "actor"]
    ordering = ["-pk"]  # newest first, by the primary key (events are appended as they happen; "at" has no index)
    search_fields = ["customer__company_name", "customer__vip_id", "actor__username"]  # see get_search_results
    search_help_text = _("A part of the company name, a VIP ID, or the user name of who made the change.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(event_search_condition(term)), False
