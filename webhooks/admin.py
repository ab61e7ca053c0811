"""Operators' door to the webhooks: endpoints of any reseller (or of internal sales, for every reseller)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from resellerconsole.admin import AuditedAdmin
from resellerconsole.errors import DomainError

from . import services
from .models import Delivery, DeliveryAttempt, Endpoint, EndpointEvent, WebhookEvent
from .types import event_type_choices


class EndpointAdminForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=event_type_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Endpoint
        fields = ["reseller", "url", "description", "event_types", "active"]

    def clean(self):
        cleaned = super().clean() or {}
        # The services check the URL (https, public addresses) as the console does; refused at its field.
        try:
            services.refuse_bad_input(
                url=cleaned.get("url") or "",
                event_types=cleaned.get("event_types") or [],
                description=cleaned.get("description") or "",
            )
        except DomainError as error:
            error.add_to_form(self)
        return cleaned


@admin.register(Endpoint)
class EndpointAdmin(AuditedAdmin):
    form = EndpointAdminForm
    list_display = ["url", "reseller", "description", "active", "created_at"]
    list_filter = ["active", "reseller"]
    list_select_related = ["reseller"]
    search_fields = ["url", "description"]
    actions = ["rotate_secret", "send_test_event"]

    def get_readonly_fields(self, request, obj=None):
        # An endpoint stays with its reseller (its deliveries carry that reseller's events); a new one is made.
        return ["reseller"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in ("url", "description", "event_types", "active")}
        if change:
            services.endpoint_update(endpoint=obj, actor=request.user, **values)
            return
        created = services.endpoint_create(reseller=form.cleaned_data["reseller"], actor=request.user, **values)
        obj.pk, obj.secret = created.pk, created.secret
        self.message_user(
            request,
            _("The signing secret (shown only this once): %(secret)s") % {"secret": created.secret},
            messages.WARNING,
        )

    @admin.action(description=_("Rotate the signing secret (the old one signs for 24 hours more)"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint = services.endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
            self.message_user(
                request,
                _("New signing secret of %(url)s (shown only this once): %(secret)s")
                % {"url": endpoint.url, "secret": endpoint.secret},
                messages.WARNING,
            )

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request, queryset):
        count = 0
        for endpoint in queryset:
            services.endpoint_send_test(endpoint=endpoint, actor=request.user)
            count += 1
        self.message_user(
            request, ngettext("%(count)d test event queued.", "%(count)d test events queued.", count) % {"count": count}
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "type", "event_id", "reseller", "customer"]
    list_filter = ["type", "reseller"]
    list_select_related = ["reseller", "customer"]
    search_fields = ["=event_id"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "latency_ms", "response_excerpt", "error"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "endpoint", "state", "attempts", "last_status_code", "delivered_at"]
    list_filter = ["state", "endpoint__reseller"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["=event__event_id", "endpoint__url"]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        count = 0
        for delivery in queryset.exclude(state=Delivery.State.SENDING):
            services.delivery_send_again(delivery=delivery, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count)
            % {"count": count},
        )


@admin.register(EndpointEvent)
class EndpointEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "endpoint", "reseller", "actor", "source"]
    list_filter = ["kind", "source"]
    list_select_related = ["endpoint", "reseller", "actor"]
