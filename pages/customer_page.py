"""The customer page: a shell (the customer's head, the renewal banner, the tabs) around tabs whose content the
owning apps serve.

A tab is a row of parts; each part is a function of its app's views, ``part(request, customer, *, today)``,
returning its HTML: customers serves the details and the account activity, authorizations the Plans and the
Order and authorization history, renewals the renewal and the Renewal history; the timeline, which spans the
apps, is this app's own (pages/timeline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.decorators import console_view
from authorizations import views as authorization_views
from customers import views as customer_views
from customers.selectors import customer_get
from renewals import views as renewal_views
from renewals.selectors import renewal_banner

from .timeline import customer_timeline
from .timeline_chart import timeline_chart

TabPart = Callable[..., str]


def timeline_part(request: HttpRequest, customer, *, today) -> str:
    """The customer's dates across the apps, drawn and listed."""
    timeline = customer_timeline(customer=customer, on=today)
    context = {
        "customer": customer,
        "today": today,
        "timeline": timeline,
        "chart": timeline_chart(items=timeline, on=today),
    }
    return render_to_string("pages/_timeline.html", context, request=request)


@dataclass(frozen=True)
class CustomerTab:
    #: The tab's key in the URL map (the view's ``tab`` argument) and its URL name.
    name: str
    url_name: str
    label: str
    parts: tuple[TabPart, ...]


CUSTOMER_TABS = (
    CustomerTab(
        "details",
        "customer-detail",
        _("VIP details"),
        (customer_views.details_part, timeline_part, customer_views.activity_part),
    ),
    CustomerTab("plans", "customer-plans", _("Plans"), (authorization_views.plans_part,)),
    CustomerTab(
        "history", "customer-history", _("Order and authorization history"), (authorization_views.history_part,)
    ),
    CustomerTab(
        "renewals",
        "customer-renewals",
        _("Renewals"),
        (renewal_views.renewals_part, renewal_views.renewal_history_part),
    ),
)


@console_view
def customer_detail(request, pk: int, tab: str = "details"):
    customer = customer_get(user=request.user, pk=pk, with_vip_admins=False)  # no tab lists them as prefetched
    current = next((t for t in CUSTOMER_TABS if t.name == tab), None)
    if current is None:
        raise Http404
    today = timezone.localdate()
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": CUSTOMER_TABS,
        "today": today,
        "banner": renewal_banner(customer=customer, on=today),
        "parts": [part(request, customer, today=today) for part in current.parts],
    }
    return render(request, "pages/customer_page.html", context)
