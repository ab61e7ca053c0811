from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import console_view
from accounts.models import Reseller
from accounts.permissions import may_enter_orders_by_hand
from catalogue.models import Product
from customers.selectors import customer_get
from resellerconsole.errors import DomainError
from resellerconsole.exports import export_response
from resellerconsole.l10n import grouped
from resellerconsole.listing import console_keyset_page

from . import exports, selectors, services
from .dates import WindowState, in_renewal_window, renewal_year
from .forms import AutoRenewalForm, OverviewFilterForm, RenewalQuantityForm
from .rows import ROW_VALUES, overview_page_rows

PAGE_SIZE = 25


def _overview(request):
    filter_form = OverviewFilterForm(request.GET)
    filters = filter_form.filters()
    if not request.user.is_internal_sales:
        filters["reseller_id"] = None
    on = timezone.localdate()
    return selectors.renewal_overview(user=request.user, on=on, **filters), filters, on, filter_form


@console_view
def renewal_overview(request):
    """Resellers' and internal sales' view of renewable licences, soonest anniversary first."""
    customers, filters, on, filter_form = _overview(request)
    notices = filter_form.notices()
    with_reseller = request.user.is_internal_sales
    page = console_keyset_page(
        customers.prefetch_related(None).values(*ROW_VALUES),  # the rows read their lines (renewals/rows.py)
        ordering=selectors.OVERVIEW_ORDERINGS[filters["ordering"]],
        size=PAGE_SIZE,
        params=request.GET,
        notices=notices,
    )
    query = request.GET.copy()
    for name in ("after", "before", "page", *filter_form.refused()):
        query.pop(name, None)
    return render(
        request,
        "renewals/overview.html",
        {
            "page": page,
            "entries": overview_page_rows(page.object_list, on=on, with_reseller=with_reseller),
            "filters": filters,
            "query": query.urlencode(),
            "windows": WindowState.choices,
            "form": OverviewFilterForm(request.GET),
            "resellers": Reseller.objects.order_by("name") if with_reseller else None,
            "list_notices": notices,
        },
    )


@console_view
def renewal_overview_csv(request):
    """The same rows, filters and order as the page, one line per product: the page shown when the link
    carries a page cursor, else every page. A malformed filter or cursor sends the user to the page, with a
    message saying what was wrong, rather than exporting rows other than those asked for."""
    customers, filters, on, filter_form = _overview(request)
    notices = filter_form.notices()
    if request.GET.get("after") or request.GET.get("before"):
        customers = console_keyset_page(
            customers.prefetch_related(None),  # the export reads the page's rows itself (exports.overview_rows)
            ordering=selectors.OVERVIEW_ORDERINGS[filters["ordering"]],
            size=PAGE_SIZE,
            params=request.GET,
            notices=notices,
        ).object_list
    if notices:
        for notice in notices:
            messages.warning(request, notice)
        refused, kept = filter_form.refused(), QueryDict(mutable=True)
        for name in filter_form.fields:
            if name not in refused and request.GET.get(name):
                kept[name] = request.GET[name]
        return redirect(f"{reverse('renewal-overview')}?{kept.urlencode()}")
    if isinstance(customers, list):  # one page, already read
        rows = [(c.pk, c.company_name, c.vip_id, c.reseller.name, c.anniversary_date) for c in customers]
    else:
        rows = exports.overview_customers(customers)
    return export_response(
        fmt="csv",
        filename=f"renewal-overview-{on.isoformat()}",
        title=_("Renewal overview"),
        header=exports.overview_header(),
        # The labels now: the rows are written after the view returns, as the response streams.
        rows=exports.overview_rows(rows, on=on, windows={value: str(label) for value, label in WindowState.choices}),
    )


def _renewals_tab(customer) -> str:
    return reverse("customer-renewals", kwargs={"pk": customer.pk})


def _posted_product(request, form, missing: str) -> Product | None:
    """The product a Renewals-tab form names, or None with the form's errors (or `missing`) as messages."""
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return None
    product = Product.objects.filter(pk=form.cleaned_data["product"]).first()
    if product is None:
        messages.error(request, missing)
    return product


@console_view
@require_POST
def renewal_quantity(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    form = RenewalQuantityForm(request.POST)
    product = _posted_product(request, form, _("Choose a product of the renewal overview."))
    if product is None:
        return redirect(_renewals_tab(customer))
    try:
        services.renewal_quantity_set(
            customer=customer,
            product=product,
            quantity=form.cleaned_data["proposed_quantity"],
            actor=request.user,
            confirm_release=form.cleaned_data["confirm_release"],
        )
    except DomainError as error:
        if error.code != "confirm_release":
            messages.error(request, error.message)
            return redirect(_renewals_tab(customer))
        # Going below the users assigned: say who loses access and ask again.
        return render(
            request,
            "renewals/confirm_release.html",
            {
                "customer": customer,
                "product": product,
                "quantity": form.cleaned_data["proposed_quantity"],
                "message": error.message,
            },
        )
    messages.success(
        request,
        ngettext(
            "%(product)s: %(quantity)s licence will be renewed.",
            "%(product)s: %(quantity)s licences will be renewed.",
            form.cleaned_data["proposed_quantity"],
        )
        % {"product": product.name, "quantity": form.cleaned_data["proposed_quantity"]},
    )
    return redirect(_renewals_tab(customer))


@console_view
@require_POST
def auto_renewal(request, pk: int):
    """A subscription's auto-renewal, from the Renewals tab (renewals.services.auto_renewal_set decides)."""
    customer = customer_get(user=request.user, pk=pk)
    form = AutoRenewalForm(request.POST)
    product = _posted_product(request, form, _("Choose a product the customer holds."))
    if product is None:
        return redirect(_renewals_tab(customer))
    try:
        row = services.auto_renewal_set(
            customer=customer,
            product=product,
            actor=request.user,
            enabled=form.cleaned_data["enabled"],
            renewal_quantity=form.cleaned_data["renewal_quantity"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_renewals_tab(customer))
    if not row.enabled:
        message = _("%(product)s: auto-renewal is off; it is not renewed on the anniversary unless ordered.")
    elif row.renewal_quantity is None:
        message = _("%(product)s: auto-renewal is on, for the renewal quantity.")
    else:
        message = ngettext(
            "%(product)s: auto-renewal is on, for %(quantity)s licence.",
            "%(product)s: auto-renewal is on, for %(quantity)s licences.",
            row.renewal_quantity,
        )
    quantity = grouped(row.renewal_quantity) if row.renewal_quantity is not None else None
    messages.success(request, message % {"product": product.name, "quantity": quantity})
    return redirect(_renewals_tab(customer))


@console_view
@require_POST
def customer_reinstate(request, pk: int):
    customer = customer_get(user=request.user, pk=pk)
    try:
        services.customer_reinstate(customer=customer, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s was reinstated.") % {"name": customer.company_name})
    return redirect(_renewals_tab(customer))


# ---------------------------------------------------------------------------
# The customer page's Renewals tab (pages/customer_page.py puts it in the page)
# ---------------------------------------------------------------------------
def renewals_part(request, customer, *, today) -> str:
    """The renewal to come: the renewable licences with their renewal quantities, and the renewal order form
    while the window is open (or after a reinstatement)."""
    year = renewal_year(customer.anniversary_date) if customer.anniversary_date else None
    context = {
        "customer": customer,
        "today": today,
        "renewal": selectors.customer_overview_entry(customer=customer, on=today),
        "renewal_window_open": customer.anniversary_date is not None
        and in_renewal_window(customer.anniversary_date, today),
        "may_enter_orders": may_enter_orders_by_hand(request.user),
        # The renewal calendar of the current anniversary (renewals/dates.py): each state its own sentence.
        "year": year,
        "before_overview": year is not None and today < year.overview_from,
        "anniversary_passed": year is not None and today > year.anniversary,
        "subscriptions": selectors.subscriptions_for(customer=customer, only_held=True),
    }
    return render_to_string("renewals/_customer_renewals.html", context, request=request)


def renewal_history_part(request, customer, *, today) -> str:
    """The renewals processed, newest first."""
    context = {"customer": customer, "renewal_history": selectors.renewal_history_with_channels(customer=customer)}
    return render_to_string("renewals/_renewal_history.html", context, request=request)
