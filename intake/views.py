"""The console's doors to the order intake: an order or a renewal order entered by hand."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import console_view
from accounts.permissions import may_enter_orders_by_hand
from authorizations import pricing
from authorizations.forms import OrderCalculatorForm, OrderForm
from authorizations.models import PurchaseAuthorization, PurchaseAuthorizationStatus
from authorizations.selectors import purchase_authorization_get
from customers.selectors import customer_get
from renewals.forms import RenewalOrderForm
from renewals.services import proposed_renewal_lines
from resellerconsole.errors import DomainError

from . import services
from .models import OrderKind


def _pa_or_404(customer, pk) -> PurchaseAuthorization:
    try:
        return purchase_authorization_get(customer=customer, pk=pk)
    except PurchaseAuthorization.DoesNotExist as error:
        raise Http404 from error


def _history_url(customer) -> str:
    return reverse("customer-history", kwargs={"pk": customer.pk})


def _renewals_tab(customer) -> str:
    return reverse("customer-renewals", kwargs={"pk": customer.pk})


@console_view
def order_record(request, pk: int, pa_pk: int):
    """A reseller admin or internal sales records an order by hand for a pending PA (sales may not)."""
    if not may_enter_orders_by_hand(request.user):
        raise PermissionDenied
    customer = customer_get(user=request.user, pk=pk)
    pa = _pa_or_404(customer, pa_pk)
    if pa.status != PurchaseAuthorizationStatus.PENDING:
        messages.error(request, _("Only a pending purchase authorization can be ordered."))
        return redirect(_history_url(customer))
    lines = [ln for ln in pa.lines.all() if ln.removed_at is None]
    today = timezone.localdate()
    calculator = OrderCalculatorForm(
        request.GET if any(name.startswith("calc-") for name in request.GET) else None,
        initial={"order_date": today},
        purchase_authorization=pa,
        customer=customer,
        today=today,
    )
    calculated_date = None
    if calculator.is_bound:
        calculator.is_valid()  # keeps the fields that are valid in cleaned_data, whatever the others say
        calculated_date = calculator.cleaned_data.get("order_date")
    form = OrderForm(request.POST or None, initial={"order_date": calculated_date or today})
    if request.method == "POST" and form.is_valid():
        try:
            order, _created = services.order_receive(
                kind=OrderKind.NEW,
                order_number=form.cleaned_data["order_number"],
                order_date=form.cleaned_data["order_date"],
                reference=pa.reference,
                lines=[services.OrderLine(ln.product.sku_new, ln.quantity) for ln in lines],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                ngettext(
                    "Order %(number)s recorded. Proposed duration: %(months)s month; confirm it in the history.",
                    "Order %(number)s recorded. Proposed duration: %(months)s months; confirm it in the history.",
                    order.duration_months_proposed,
                )
                % {"number": order.order_number, "months": order.duration_months_proposed},
            )
            return redirect(_history_url(customer))
    posted_date = getattr(form, "cleaned_data", {}).get("order_date")
    if posted_date and timezone.localdate(pa.deployed_at) <= posted_date <= today:
        calculated_date = posted_date  # the calculator follows a refused order's date when it could be one
    context = {
        "customer": customer,
        "pa": pa,
        "lines": lines,
        "form": form,
        "calculator": calculator,
        "calculation": pricing.order_calculation(
            lines=[(ln.product, ln.quantity) for ln in lines],
            order_date=calculated_date or today,
            anniversary=customer.anniversary_date,
            anniversary_day=customer.anniversary_day,
            add_quantity=calculator.cleaned_data.get("add_quantity") if calculator.is_bound else None,
            add_date=calculator.cleaned_data.get("add_date") if calculator.is_bound else None,
        ),
    }
    if request.htmx and request.htmx.target == "order-calculator":
        return render(request, "authorizations/_order_calculator.html", context)
    return render(request, "authorizations/order_form.html", context)


@console_view
@require_POST
def renewal_order(request, pk: int):
    """The console form for the renewal order, entered by hand: every renewable product at the overview's
    quantity under the LWS order number (reseller admins and internal sales; not sales)."""
    if not may_enter_orders_by_hand(request.user):
        raise PermissionDenied
    customer = customer_get(user=request.user, pk=pk)
    form = RenewalOrderForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_renewals_tab(customer))
    lines = [services.OrderLine(ln.sku, ln.quantity) for ln in proposed_renewal_lines(customer)]
    try:
        renewal, _created = services.order_receive(
            kind=OrderKind.RENEWAL,
            order_number=form.cleaned_data["order_number"],
            order_date=form.cleaned_data["order_date"],
            reference=customer.vip_id or "",
            lines=lines,
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Renewal %(number)s processed. The new anniversary date is %(date)s.")
            % {"number": renewal.order_number, "date": date_format(renewal.anniversary_after)},
        )
    return redirect(_renewals_tab(customer))
