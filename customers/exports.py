"""The customer list and the customers' events as CSV or XLSX, in the user's language (the list as on screen)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import console_view
from catalogue.models import MarketSegment
from resellerconsole.audit import Source
from resellerconsole.exports import export_response

from . import selectors
from .events import describe
from .forms import CustomerFilterForm
from .models import CustomerEvent, CustomerStatus

#: Read in batches of this many rows (a server-side cursor on PostgreSQL): memory stays flat.
CHUNK = 2000
FIELDS = (
    "company_name",
    "vip_id",
    "reseller__partner_id",
    "reseller__name",
    "status",
    "market_segment",
    "country",
    "city",
    "postal_code",
    "address_line1",
    "preferred_language",
    "anniversary_date",
    "invitation_sent_at",
    "invitation_accepted_at",
    "created_at",
)


def header() -> list[str]:
    return [
        _("Company name"),
        _("VIP ID"),
        _("Partner ID"),
        _("Reseller"),
        _("Status"),
        _("Market segment"),
        _("Country"),
        _("City"),
        _("Postal code"),
        _("Address"),
        _("Preferred language"),
        _("Anniversary date"),
        _("Invitation sent"),
        _("Invitation accepted"),
        _("Created"),
    ]


def rows(customers):
    statuses, segments = dict(CustomerStatus.choices), dict(MarketSegment.choices)
    for values in customers.values_list(*FIELDS).iterator(chunk_size=CHUNK):
        values = list(values)
        values[4] = str(statuses.get(values[4], values[4]))
        values[5] = str(segments.get(values[5], values[5]))
        yield values


@console_view
def customer_list_export(request, fmt: str):
    filters = CustomerFilterForm(request.GET).filters()  # a malformed filter falls back to its default, as on screen
    if not request.user.is_internal_sales:
        filters["reseller_id"] = None
    customers = selectors.customer_list(user=request.user, **filters)
    return export_response(
        fmt=fmt,
        filename=f"customers-{timezone.localdate().isoformat()}",
        title=_("Customers"),
        header=header(),
        rows=rows(customers),
    )


def event_header() -> list[str]:
    return [_("Time"), _("Company name"), _("VIP ID"), _("Event"), _("Details"), _("Performed by"), _("Source")]


def event_rows(events):
    kinds, sources = dict(CustomerEvent.Kind.choices), dict(Source.choices)
    fields = ("at", "customer__company_name", "customer__vip_id", "kind", "parameters", "actor__username", "source")
    for at, name, vip_id, kind, parameters, actor, source in events.values_list(*fields).iterator(chunk_size=CHUNK):
        yield [at, name, vip_id, str(kinds.get(kind, kind)), describe(kind, parameters or {}), actor or "",
               str(sources.get(source, source))]  # fmt: skip


@console_view
def audit_export(request, fmt: str):
    """Every change to the customers the user may see (their history rows), oldest first."""
    events = CustomerEvent.objects.filter(customer__in=selectors.customers_visible_to(request.user).values("pk"))
    return export_response(
        fmt=fmt,
        filename=f"customer-events-{timezone.localdate().isoformat()}",
        title=_("Customer events"),
        header=event_header(),
        rows=event_rows(events.order_by("at", "pk")),
    )
