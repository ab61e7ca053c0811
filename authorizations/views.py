from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import console_view
from accounts.permissions import may_enter_orders_by_hand
from customers.selectors import customer_get
from resellerconsole.errors import DomainError

from . import selectors, services
from .forms import (
    LINE_PREFIX,
    DurationForm,
    LineFormSet,
    PurchaseAuthorizationForm,
    chosen_ids,
    chosen_quantities,
    posted_rows,
    rows_as_data,
)
from .models import Order, PurchaseAuthorization


def _pa_or_404(customer, pk):
    try:
        return selectors.purchase_authorization_get(customer=customer, pk=pk)
    except PurchaseAuthorization.DoesNotExist as error:
        raise Http404 from error


def _history_url(customer) -> str:
    return reverse("customer-history", kwargs={"pk": customer.pk})


def _apply_pa_error(error: DomainError, form, lines) -> None:
    for name, field_messages in error.errors.items():
        parts = (name or "").split(".")
        for message in field_messages:
            if len(parts) == 3 and parts[0] == LINE_PREFIX and parts[1].isdigit() and int(parts[1]) < len(lines.forms):
                lines.forms[int(parts[1])].add_error(parts[2] if parts[2] in ("product", "quantity") else None, message)
            elif name in form.fields:
                form.add_error(name, message)
            elif name == LINE_PREFIX:
                lines._non_form_errors = lines.error_class([message])
            else:
                form.add_error(None, message)


@console_view
def purchase_authorization_create(request, pk: int):
    """The seven steps of the dialog: licence type, products and quantities (rows added with the plus
    button, removed with ✕), optional PO number, then "Create purchase authorization".

    Every button posts the whole form, so the dialog works the same without JavaScript; with HTMX it is
    swapped in place inside a <dialog>.
    """
    customer = customer_get(user=request.user, pk=pk)
    data = request.POST if request.method == "POST" else None
    action = (data or {}).get("action", "create")
    if data is not None and action != "create":
        rows = posted_rows(data)
        if action == "add_line":
            rows.append({"product": "", "quantity": ""})
        elif action.startswith("remove_line:") and (removed := chosen_ids([action.split(":")[1]])):
            rows = [row for i, row in enumerate(rows) if i not in removed] or [{"product": "", "quantity": ""}]
        data = rows_as_data(data, rows)
    license_type = (data or {}).get("license_type", "")
    if data is not None and action != "create":
        # Rows added, removed or re-listed: show the dialog again as it was, not yet judged (no errors).
        form = PurchaseAuthorizationForm(initial={"license_type": license_type, "po_number": data.get("po_number", "")})
        lines = LineFormSet(
            initial=posted_rows(data),
            prefix=LINE_PREFIX,
            license_type=license_type,
            segment=customer.market_segment,
        )
    else:
        form = PurchaseAuthorizationForm(data)
        lines = LineFormSet(data, prefix=LINE_PREFIX, license_type=license_type, segment=customer.market_segment)
    if data is not None and action == "create" and form.is_valid() and lines.is_valid():
        try:
            pa = services.purchase_authorization_create(
                customer=customer,
                license_type=form.cleaned_data["license_type"],
                lines=lines.line_requests(),
                po_number=form.cleaned_data["po_number"],
                actor=request.user,
            )
        except DomainError as error:
            _apply_pa_error(error, form, lines)
        else:
            messages.success(
                request,
                _("Purchase authorization %(reference)s created. Order it by %(deadline)s.")
                % {"reference": pa.reference, "deadline": date_format(pa.order_deadline)},
            )
            if request.htmx:
                return HttpResponseClientRedirect(_history_url(customer))
            return redirect(_history_url(customer))
    context = {
        "customer": customer,
        "form": form,
        "lines": lines,
        "dialog": bool(request.htmx),
        # Beside the product list: what this PA cannot take, and why (the service's own reasons).
        "not_offered": services.products_not_offered(customer=customer, license_type=license_type),
        # Opened where it cannot succeed (a bookmark, no JavaScript): say why before anything is filled in.
        "refusal": services.purchase_authorization_refusal(customer=customer) if data is None else None,
    }
    template = "authorizations/_pa_dialog.html" if request.htmx else "authorizations/pa_create.html"
    return render(request, template, context)


@console_view
def purchase_authorization_withdraw(request, pk: int, pa_pk: int):
    """[X] in the history: shows exactly what will be withdrawn (a dry run of the rule), then withdraws."""
    customer = customer_get(user=request.user, pk=pk)
    pa = _pa_or_404(customer, pa_pk)
    lines = [ln for ln in pa.lines.all() if ln.removed_at is None]
    if request.method == "POST":
        try:
            services.purchase_authorization_withdraw(purchase_authorization=pa, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Purchase authorization %(reference)s was withdrawn.") % {"reference": pa.reference}
            )
        return redirect(_history_url(customer))
    blockers = services.release_blockers(customer=customer, releases={ln.product_id: ln.quantity for ln in lines})
    return render(
        request,
        "authorizations/pa_confirm.html",
        {"customer": customer, "pa": pa, "lines": lines, "blockers": blockers, "mode": "withdraw"},
    )


@console_view
def purchase_authorization_remove_products(request, pk: int, pa_pk: int):
    customer = customer_get(user=request.user, pk=pk)
    pa = _pa_or_404(customer, pa_pk)
    source = request.POST if request.method == "POST" else request.GET
    chosen = chosen_ids(source.getlist("product"))
    lines = [ln for ln in pa.lines.all() if ln.removed_at is None and ln.product_id in chosen]
    if request.method == "POST":
        try:
            services.purchase_authorization_remove_products(
                purchase_authorization=pa, product_ids=chosen, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Removed from %(reference)s: %(products)s.")
                % {"reference": pa.reference, "products": ", ".join(ln.product.name for ln in lines)},
            )
        return redirect(_history_url(customer))
    blockers = services.release_blockers(customer=customer, releases={ln.product_id: ln.quantity for ln in lines})
    return render(
        request,
        "authorizations/pa_confirm.html",
        {
            "customer": customer,
            "pa": pa,
            "lines": lines,
            "all_lines": [ln for ln in pa.lines.all() if ln.removed_at is None],
            "chosen": chosen,
            "blockers": blockers,
            "mode": "remove",
        },
    )


def _order_or_404(customer, order_pk) -> Order:
    order = Order.objects.filter(customer=customer, pk=order_pk).select_related("customer").first()
    if order is None:
        raise Http404
    return order


@console_view
@require_POST
def order_set_duration(request, pk: int, order_pk: int):
    customer = customer_get(user=request.user, pk=pk)
    order = _order_or_404(customer, order_pk)
    form = DurationForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(form.errors.get("duration_months", [_("Enter a duration from 1 to 12 months.")]))
        )
        return redirect(_history_url(customer))
    try:
        services.order_set_duration(order=order, months=form.cleaned_data["duration_months"], actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Order %(number)s covers %(months)s month.",
                "Order %(number)s covers %(months)s months.",
                form.cleaned_data["duration_months"],
            )
            % {"number": order.order_number, "months": form.cleaned_data["duration_months"]},
        )
    return redirect(_history_url(customer))


@console_view
def return_request(request, pk: int, order_pk: int):
    """Request return authorization for order lines, whole or part of them; the page shows who would block it."""
    customer = customer_get(user=request.user, pk=pk)
    order = _order_or_404(customer, order_pk)
    order_lines = list(selectors.order_lines_with_returns().filter(order=order).order_by("pk"))
    source = request.POST if request.method == "POST" else request.GET
    chosen = chosen_ids(source.getlist("line"))
    if request.method == "GET" and not chosen:
        # The page proposes what remains of every line; a POST returns only what was ticked.
        chosen = {ln.pk for ln in order_lines if ln.quantity > ln.returned_quantity}
    quantities = chosen_quantities(source, chosen)
    refusal = services.return_refusal(order=order)
    error_message, blockers = refusal, []
    if refusal is None:
        try:
            blockers = services.return_check(order=order, order_line_ids=chosen, quantities=quantities)
        except DomainError as error:
            error_message = error.message
    # Users holding the licences are listed once, from the check: the request would only repeat them.
    if request.method == "POST" and error_message is None and not blockers:
        try:
            services.return_request(order=order, order_line_ids=chosen, quantities=quantities, actor=request.user)
        except DomainError as error:
            error_message = error.message
        else:
            messages.success(
                request, _("Return authorization recorded for order %(number)s.") % {"number": order.order_number}
            )
            return redirect(_history_url(customer))
    rows = [
        {
            "line": line,
            "remaining": line.quantity - line.returned_quantity,
            "quantity": quantities.get(line.pk, line.quantity - line.returned_quantity),
        }
        for line in order_lines
    ]
    return render(
        request,
        "authorizations/return_form.html",
        {
            "customer": customer,
            "order": order,
            "rows": rows,
            "chosen": chosen,
            "blockers": blockers,
            "error": error_message,
            "refused": refusal is not None,
        },
        status=400 if request.method == "POST" else 200,
    )


# ---------------------------------------------------------------------------
# The customer page's tabs (pages/customer_page.py puts them in the page)
# ---------------------------------------------------------------------------
def plans_part(request, customer, *, today) -> str:
    """The Plans tab: what the customer holds, and the dialog for a new purchase authorization."""
    context = {
        "customer": customer,
        "holdings": selectors.holdings_for(customer=customer),
        "had_products": selectors.had_products(customer=customer),
        # Said up front, instead of a dialog that cannot succeed: not invited, inactive, Delayed (naming the PA).
        "pa_refusal": services.purchase_authorization_refusal(customer=customer, on=today),
    }
    return render_to_string("authorizations/_plans.html", context, request=request)


def history_part(request, customer, *, today) -> str:
    """The Order and authorization history tab: every PA with its order, returns and the actions left."""
    authorizations = list(selectors.purchase_authorization_history(customer=customer))
    # Each card says its channel (console, API, VIP Marketplace API...), as Account activity does.
    selectors.history_channels_attach(customer=customer, authorizations=authorizations)
    for pa in authorizations:
        order = getattr(pa, "order", None) if pa.status == "ordered" else None
        if order is not None:
            # Each order offers a return and a duration only where the service would take them; else why not.
            order.return_refusal = services.return_refusal(order=order, on=today)
            order.duration_refusal = services.duration_refusal(order=order)
    context = {
        "customer": customer,
        "today": today,
        "authorizations": authorizations,
        "may_enter_orders": may_enter_orders_by_hand(request.user),
    }
    return render_to_string("authorizations/_history.html", context, request=request)
