from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.decorators import console_view
from accounts.models import Reseller
from authorizations.selectors import RequestFilter
from customers.models import CustomerStatus
from renewals.dates import WindowState

from . import charts, selectors
from .actions import action_items
from .forms import DashboardFilterForm


def _link(name: str, reseller_id: int | None, **params) -> str:
    """A list filtered like the count it explains; for internal sales, also by the chosen reseller."""
    if reseller_id:
        params["reseller"] = reseller_id
    return f"{reverse(name)}?{urlencode(params)}"


def _failed_emails_link(user, reseller_id: int | None) -> str | None:
    """The admin's outbox filtered the same way, for those who may open it; the others see the number only."""
    if not (user.is_staff and user.has_perm("notifications.view_outboundemail")):
        return None
    params = {"state__exact": "failed"}
    scoped = selectors.scope_reseller_id(user=user, reseller_id=reseller_id)
    if scoped:
        params["customer__reseller__id__exact"] = scoped
    return f"{reverse('admin:notifications_outboundemail_changelist')}?{urlencode(params)}"


@console_view
def dashboard(request):
    """The console's home: counts linking to their lists, anniversaries and order deadlines ahead, what is urgent."""
    user = request.user
    filter_form = DashboardFilterForm(request.GET)
    reseller_id = filter_form.reseller_id() if user.is_internal_sales else None
    on = timezone.localdate()
    resellers = list(Reseller.objects.order_by("name")) if user.is_internal_sales else None
    figures = selectors.dashboard_figures(user=user, on=on, reseller_id=reseller_id)
    actions = selectors.urgent_actions(user=user, on=on, reseller_id=reseller_id)
    context = {
        "today": on,
        "counts": figures.counts,
        "links": {
            "pending": _link("customer-list", reseller_id, requests=RequestFilter.PENDING_REQUESTS),
            "due_soon": _link("customer-list", reseller_id, requests=RequestFilter.DUE_SOON),
            "delayed": _link("customer-list", reseller_id, status=CustomerStatus.DELAYED),
            "upcoming": _link("renewal-overview", reseller_id, window=WindowState.UPCOMING),
            "open": _link("renewal-overview", reseller_id, window=WindowState.OPEN),
            "grace": _link("renewal-overview", reseller_id, window=WindowState.GRACE),
            "failed_emails": _failed_emails_link(user, reseller_id),
        },
        "anniversaries": charts.anniversary_chart(figures.anniversaries),
        "deadlines": charts.deadline_chart(figures.deadlines),
        "actions": actions,
        "action_items": action_items(actions, internal_sales=user.is_internal_sales),
        "resellers": resellers,
        "reseller_id": reseller_id,
        "reseller": next((r for r in resellers or [] if r.pk == reseller_id), None),
        "list_notices": filter_form.notices() if user.is_internal_sales else [],
    }
    return render(request, "dashboard/dashboard.html", context)
