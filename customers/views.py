from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import console_view
from accounts.models import Reseller
from catalogue.models import MarketSegment
from resellerconsole.errors import DomainError
from resellerconsole.listing import console_keyset_page

from . import selectors, services
from .forms import CustomerFilterForm, CustomerForm, InvitationForm, VipAdminSignInForm, vip_admin_formset
from .models import CustomerStatus
from .rows import customer_rows, row_values

PAGE_SIZE = 25


def _apply_error(error: DomainError, form, admins) -> None:
    for field, field_messages in error.errors.items():
        if field == "vip_admins":
            admins._non_form_errors = admins.error_class(field_messages)
        else:
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    if error.code == "duplicate_company":
        form.needs_duplicate_confirmation = True


@console_view
def customer_list(request):
    params = request.GET
    filter_form = CustomerFilterForm(params)
    filters = filter_form.filters()
    notices = filter_form.notices()
    with_reseller = request.user.is_internal_sales
    if not with_reseller:
        filters["reseller_id"] = None
    customers = selectors.customer_list(user=request.user, **filters).values(*row_values(with_reseller=with_reseller))
    # Keyset pages: no COUNT and no OFFSET, so page 1 and page 4,000 cost the same.
    page = console_keyset_page(
        customers,
        ordering=selectors.CUSTOMER_ORDERINGS[filters["ordering"]],
        size=PAGE_SIZE,
        params=params,
        notices=notices,
    )
    query = params.copy()
    for name in ("after", "before", "page", *filter_form.refused()):
        query.pop(name, None)
    context = {
        "page": page,
        "rows": customer_rows(page.object_list, with_reseller=with_reseller),
        "with_reseller": with_reseller,
        "list_notices": notices,
        "query": query.urlencode(),
        "filters": {
            "q": filters["search"],
            "status": filters["status"],
            "segment": filters["segment"],
            "sort": filters["ordering"],
            "reseller": str(filters["reseller_id"] or ""),
            "requests": filters["requests"],
        },
        "request_filters": selectors.request_filter().choices.choices,
        "statuses": CustomerStatus.choices,
        "segments": MarketSegment.choices,
        "resellers": Reseller.objects.order_by("name") if request.user.is_internal_sales else None,
    }
    template = "customers/_customer_table.html" if request.htmx else "customers/customer_list.html"
    return render(request, template, context)


@console_view
def customer_create(request):
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, user=request.user)
    admins = vip_admin_formset(data, add_row="add_admin" in request.POST)
    if data is not None and "add_admin" not in request.POST and form.is_valid() and admins.is_valid():
        reseller = form.cleaned_data.get("reseller") or request.user.reseller
        try:
            customer = services.customer_create_and_invite(
                invite="send_invitation" in request.POST,
                reseller=reseller,
                actor=request.user,
                vip_admins=admins.contacts(),
                allow_duplicate=form.cleaned_data["confirm_duplicate"],
                **{name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS},
            )
            if "send_invitation" in request.POST:
                messages.success(
                    request,
                    _("%(name)s was created and invited. VIP ID: %(vip_id)s")
                    % {"name": customer.company_name, "vip_id": customer.vip_id},
                )
            else:
                messages.success(request, _("%(name)s was created.") % {"name": customer.company_name})
        except DomainError as error:
            _apply_error(error, form, admins)
        else:
            return redirect("customer-detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "admins": admins, "customer": None})


@console_view
def customer_edit(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, instance=customer, user=request.user)
    admins = vip_admin_formset(
        data,
        initial=[{"id": a.pk, "name": a.name, "email": a.email} for a in customer.vip_admins.all()],
        add_row="add_admin" in request.POST,
    )
    if data is not None and "add_admin" not in request.POST and form.is_valid() and admins.is_valid():
        try:
            services.customer_update(
                customer=customer,
                actor=request.user,
                vip_admins=admins.contacts(),
                allow_duplicate=form.cleaned_data["confirm_duplicate"],
                **form.changed_editable_fields(),
            )
        except DomainError as error:
            _apply_error(error, form, admins)
        else:
            messages.success(request, _("Customer details saved."))
            return redirect("customer-detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "admins": admins, "customer": customer})


# The customer page (pages/customer_page.py) shows these on its VIP details tab, around the timeline.
def details_part(request, customer, *, today) -> str:
    """Company, VIP membership and the VIP admins with their admin-console sign-ins."""
    context = {
        "customer": customer,
        "today": today,
        "vip_admins": selectors.vip_admins_with_sign_ins(customer=customer),
    }
    return render_to_string("customers/_details.html", context, request=request)


def activity_part(request, customer, *, today) -> str:
    """The account's latest 50 events."""
    context = {"customer": customer, "events": selectors.customer_events(customer=customer)[:50]}
    return render_to_string("customers/_activity.html", context, request=request)


@console_view
@require_POST
def customer_send_invitation(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["resend"]))
        return redirect(reverse("customer-detail", kwargs={"pk": customer.pk}))
    resend = form.cleaned_data["resend"] == "1"
    try:
        customer = services.customer_send_invitation(customer=customer, actor=request.user, resend=resend)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if resend:
            messages.success(
                request, _("The invitation was sent again. The VIP ID stays %(vip_id)s.") % {"vip_id": customer.vip_id}
            )
        else:
            messages.success(
                request, _("Invitation sent. VIP ID %(vip_id)s has been issued.") % {"vip_id": customer.vip_id}
            )
    return redirect(reverse("customer-detail", kwargs={"pk": customer.pk}))


@console_view
def vip_admin_sign_in_revoke(request, pk: int, admin_pk: int):
    """Confirm (GET), then end (POST) one VIP admin's admin-console sign-in."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    vip_admin = selectors.vip_admins_with_sign_ins(customer=customer).filter(pk=admin_pk).first()
    if vip_admin is None:
        raise Http404
    if request.method == "POST":
        try:
            services.vip_admin_sign_in_revoke(vip_admin=vip_admin, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The admin-console sign-in of %(email)s was revoked.") % {"email": vip_admin.email}
            )
        return redirect("customer-detail", pk=customer.pk)
    return render(request, "customers/sign_in_revoke.html", {"customer": customer, "vip_admin": vip_admin})


def invitation_accept(request, token: str):
    """The public page a VIP admin reaches from their own invitation e-mail."""
    try:
        vip_admin = services.vip_admin_from_invitation_token(token)
    except DomainError as error:
        return render(request, "customers/invitation_accept.html", {"error": error.message}, status=400)
    customer = vip_admin.customer
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # The customer's own language, not the browser's, until the switcher says otherwise (it sets the cookie).
        translation.activate(customer.preferred_language)
        request.LANGUAGE_CODE = translation.get_language()
    sign_in = VipAdminSignInForm(request.POST if request.POST.get("action") == "sign_in" else None)
    if request.method == "POST" and request.POST.get("action") != "sign_in":
        customer = services.customer_accept_invitation(token=token)
    elif sign_in.is_bound and sign_in.is_valid():
        try:
            user = services.vip_admin_sign_in_create(token=token, password=sign_in.cleaned_data["password1"])
        except DomainError as error:
            error.add_to_form(sign_in)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("admin-console")
    return render(
        request,
        "customers/invitation_accept.html",
        {"customer": customer, "vip_admin": vip_admin, "form": sign_in, "customer_facing": True},
    )
