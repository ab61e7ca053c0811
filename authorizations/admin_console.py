"""The customer-side admin console: VIP admins see their own organisation's licences and assign them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import vip_admin_view
from catalogue.models import Product
from resellerconsole.errors import DomainError

from . import selectors, services
from .forms import AssignmentForm


@vip_admin_view
def admin_console(request):
    customer = request.user.customer
    holdings = selectors.holdings_for(customer=customer)
    products = Product.objects.filter(pk__in=[row.product.pk for row in holdings if row.deployed])
    form = AssignmentForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_add(
                customer=customer,
                product=form.cleaned_data["product"],
                email=form.cleaned_data["email"],
                actor=request.user,
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                _("%(email)s can now use %(product)s.")
                % {"email": form.cleaned_data["email"], "product": form.cleaned_data["product"].name},
            )
            return redirect("admin-console")
    return render(
        request,
        "authorizations/admin_console.html",
        {
            "customer": customer,
            "holdings": holdings,
            "assignments": selectors.active_assignments(customer=customer),
            "form": form,
        },
    )


@vip_admin_view
@require_POST
def assignment_release(request, pk: int):
    assignment = selectors.active_assignments(customer=request.user.customer).filter(pk=pk).first()
    if assignment is None:
        raise Http404
    services.assignment_release(assignment=assignment, actor=request.user)
    messages.success(
        request,
        _("%(email)s no longer holds a %(product)s licence.")
        % {"email": assignment.email, "product": assignment.product.name},
    )
    return redirect("admin-console")
