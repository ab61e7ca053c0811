"""The console's webhook pages, for reseller admins: thin doors to services.py and selectors.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.decorators import reseller_admin_view
from resellerconsole.errors import DomainError

from . import selectors, services
from .forms import EndpointForm, RotateForm
from .types import EVENT_TYPES


def _secret_page(request, endpoint, *, rotated: bool):
    """The secret, shown this once (never stored in a page anyone can come back to)."""
    return render(request, "webhooks/secret.html", {"endpoint": endpoint, "rotated": rotated})


@reseller_admin_view
def endpoint_list(request):
    endpoints = selectors.endpoint_list(user=request.user)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints, "event_types": EVENT_TYPES})


@reseller_admin_view
@never_cache
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(reseller=request.user.reseller, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            return _secret_page(request, endpoint, rotated=False)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@reseller_admin_view
def endpoint_detail(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    initial = {f: getattr(endpoint, f) for f in ("url", "description", "event_types", "active")}
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("The endpoint was saved."))
            return redirect("webhook-endpoint-detail", pk=endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "form": form,
            "rotate_form": RotateForm(),
            "deliveries": selectors.delivery_log(endpoint=endpoint),
            "log_size": selectors.LOG_SIZE,
        },
    )


@reseller_admin_view
@require_POST
@never_cache
def endpoint_rotate(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["overlap_hours"]))
        return redirect("webhook-endpoint-detail", pk=endpoint.pk)
    endpoint = services.endpoint_rotate_secret(
        endpoint=endpoint, actor=request.user, overlap_hours=form.cleaned_data["overlap_hours"]
    )
    return _secret_page(request, endpoint, rotated=True)


@reseller_admin_view
def endpoint_delete(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, _("The endpoint %(url)s was deleted.") % {"url": endpoint.url})
        return redirect("webhook-endpoint-list")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})


@reseller_admin_view
@require_POST
def endpoint_test(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    delivery = services.endpoint_send_test(endpoint=endpoint, actor=request.user)
    messages.success(request, _("A test event was queued: %(id)s.") % {"id": delivery.event.event_id})
    return redirect("webhook-endpoint-detail", pk=endpoint.pk)


@reseller_admin_view
def delivery_detail(request, pk: int):
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {"delivery": delivery, "body": selectors.body_pretty(delivery.event.body)},
    )


@reseller_admin_view
@require_POST
def delivery_send_again(request, pk: int):
    delivery = selectors.delivery_get(user=request.user, pk=pk)
    try:
        services.delivery_send_again(delivery=delivery, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The event %(id)s was queued again.") % {"id": delivery.event.event_id})
    return redirect("webhook-delivery-detail", pk=delivery.pk)
