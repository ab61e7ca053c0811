"""Reads of customers, scoped to what the asking user may see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, TextChoices
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower
from django.http import Http404

from accounts.models import User
from resellerconsole.audit import Channel
from resellerconsole.querying import InSmallSet, planned_rows

from .models import VIP_ID_PATTERN, Customer, CustomerEvent, VipAdmin


# ---------------------------------------------------------------------------
# The list's "Show" filter (the `requests` parameter), defined by the app whose data it reads
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerFilter:
    """A filter of the customer list: its values with their labels, and the condition for one value."""

    choices: type[TextChoices]
    apply: Callable[[QuerySet[Customer], str], QuerySet[Customer]]


#: The "Show" filter reads purchase authorizations and holdings, which this app may not import: the
#: authorizations app registers it when it is ready (AuthorizationsConfig.ready).
_request_filters: list[CustomerFilter] = []


def register_request_filter(customer_filter: CustomerFilter) -> None:
    _request_filters[:] = [customer_filter]


def request_filter() -> CustomerFilter:
    if not _request_filters:
        raise ImproperlyConfigured("The customer list's request filter is not registered (authorizations.apps).")
    return _request_filters[0]


def request_filter_values() -> list[str]:
    """The values of the `requests` parameter (the API's enum, the form's choices)."""
    return list(request_filter().choices.values)


#: Sort keys offered in the console and API, mapped to their ORDER BY (pk last makes pages stable).
CUSTOMER_ORDERINGS = {
    "name": ("company_name", "pk"),
    "-name": ("-company_name", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "status": ("status", "company_name", "pk"),
    "-status": ("-status", "company_name", "pk"),
}


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """Reseller staff see their reseller's customers, internal sales all of them, anyone else none."""
    customers = Customer.objects.all()
    if not (user.is_authenticated and user.is_active):
        return customers.none()
    if user.is_internal_sales:
        return customers
    if user.is_reseller_staff:
        return customers.filter(reseller_id=cast(int, user.reseller_id))  # staff always have a reseller
    return customers.none()


def customer_list(
    *,
    user: User,
    search: str = "",
    status: str = "",
    segment: str = "",
    reseller_id: int | None = None,
    requests: str = "",
    ordering: str = "name",
) -> QuerySet[Customer]:
    # A correlated count, computed only for the rows of the page (a joined COUNT would aggregate every
    # customer of the reseller before sorting: 1.2 s instead of milliseconds at 100,000 customers).
    admins = VipAdmin.objects.filter(customer=OuterRef("pk")).order_by().values("customer").annotate(n=Count("pk"))
    customers: QuerySet[Customer] = (
        customers_visible_to(user)
        .select_related("reseller")
        .annotate(vip_admin_count=Coalesce(Subquery(admins.values("n")), 0))
    )
    if reseller_id:
        customers = customers.filter(reseller_id=reseller_id)
    search = search.strip()
    if search:
        customers = _searched(customers, search)
    if status:
        customers = customers.filter(status=status)
    if segment:
        customers = customers.filter(market_segment=segment)
    if requests:
        customers = request_filter().apply(customers, requests)
    return customers.order_by(*CUSTOMER_ORDERINGS.get(ordering, CUSTOMER_ORDERINGS["name"]))


#: A search whose matches are at most this share of the customers listed (or this many) reads its matches first.
FEW_MATCHES_SHARE = 0.02
FEW_MATCHES = 5_000


def _searched(customers: QuerySet[Customer], search: str) -> QuerySet[Customer]:
    """The customers a search term names: a VIP ID from its start, a company name anywhere in it. Same rows,
    one of two reads, chosen by the planner's estimate of the matches (PostgreSQL):
    - few matches (a first word, a running number): the matches first, by the trigram index, then their rows by
      key and sorted. Walking the name index in order instead passes over every name before the matches, which
      for a first word sit together in one stretch of it (34,806 names before "Kustlabs" at 100,000 customers,
      90-150 ms);
    - many (a word in most names): the walk in the page's order finds a page of them within a few hundred rows,
      where reading all the matches first would read thousands."""
    matching = Q(company_name__icontains=search) | Q(vip_id__startswith=search.upper())
    matches = customers.filter(matching)
    if len(search) < 3:  # a trigram index finds nothing shorter than its trigrams: it would read all of itself
        return matches
    estimated = planned_rows(matches.values("pk"))
    if estimated is None:
        return matches
    listed = planned_rows(customers.values("pk")) or 0
    if estimated > max(FEW_MATCHES, listed * FEW_MATCHES_SHARE):
        return matches
    return customers.filter(InSmallSet("pk", matches.values("pk")))


def customer_get(*, user: User, pk: int, with_vip_admins: bool = True) -> Customer:
    """The customer if `user` may see it; otherwise 404, so other resellers' customers do not exist.
    `with_vip_admins=False` leaves the VIP admins to be read when asked for (the customer page reads them with
    their sign-ins itself): one query fewer."""
    customers = customers_visible_to(user).select_related("reseller", "created_by")
    if with_vip_admins:
        customers = customers.prefetch_related("vip_admins")
    try:
        return customers.get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def customer_events(*, customer: Customer) -> QuerySet[CustomerEvent]:
    return customer.events.select_related("actor").order_by("-at", "-pk")


def vip_admin_rows(*, customer_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The VIP admins (id, name, e-mail) of these customers, in pk order as a prefetch gives them: one query,
    no models (the API's customer list)."""
    admins: dict[int, list[dict]] = {pk: [] for pk in customer_ids}
    rows = VipAdmin.objects.filter(customer_id__in=list(admins)).order_by("pk")
    for customer_id, pk, name, email in rows.values_list("customer_id", "pk", "name", "email"):
        admins[customer_id].append({"id": pk, "name": name, "email": email})
    return admins


def vip_admins_with_sign_ins(*, customer: Customer) -> QuerySet[VipAdmin]:
    """The customer's VIP admins, each with their admin-console sign-in (or none), for the customer page."""
    return customer.vip_admins.select_related("sign_in").order_by("pk")


# ---------------------------------------------------------------------------
# The Django admin's search (operators, every reseller)
# ---------------------------------------------------------------------------
#: At most this many customers' rows are looked up for one admin search of a related table.
ADMIN_SEARCH_CUSTOMERS = 10_000


def customer_search_condition(term: str) -> Q:
    """Customers an operator's search term names, by what an index answers at a million customers: a fragment of
    the company name (trigram index), the VIP ID (unique index; typed in any case), or a VIP admin's exact e-mail
    address (index on its lower case). A term in the VIP ID's form (20 hexadecimal characters, any case) is that
    customer's VIP ID and nothing else (a name holding one is not what an operator typing it means): matching its
    18 trigrams against the names took 19 ms of a 50 ms search at a million customers."""
    if re.fullmatch(VIP_ID_PATTERN, term.upper()):
        return Q(vip_id=term.upper())
    condition = Q(company_name__icontains=term) | Q(vip_id=term.upper())
    if "@" in term:
        admins = VipAdmin.objects.annotate(address=Lower("email")).filter(address=term.lower())
        condition |= Q(pk__in=list(admins.values_list("customer_id", flat=True)))
    return condition


def customer_ids_searched(term: str) -> list[int]:
    """The customers an admin search of a related table (PAs, orders, e-mails, events) means, as their keys, so
    that table is read by its customer index (a join inside an OR would read all of it)."""
    matching = Customer.objects.filter(customer_search_condition(term)).order_by("pk")
    return list(matching.values_list("pk", flat=True)[:ADMIN_SEARCH_CUSTOMERS])


# ---------------------------------------------------------------------------
# The channel each history card shows (its PA, order, return or renewal's recorded event)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedChannel:
    kind: str
    #: The event's parameters named by the caller (its reference, order number...), as text; "" when absent.
    keys: dict[str, str]
    channel: Channel


def recorded_channels(*, customer: Customer, kinds: Iterable[str], keys: Iterable[str]) -> list[RecordedChannel]:
    """The channel of each of the customer's events of these kinds, in the order they were written, with the
    parameters that name its subject: one query for any number of events (only those keys are read)."""
    keys = list(keys)
    rows = (
        CustomerEvent.objects.filter(customer=customer, kind__in=list(kinds))
        .annotate(**{f"key_{key}": KT(f"parameters__{key}") for key in keys})
        .order_by("pk")
        .values_list("kind", "source", "source_detail", *(f"key_{key}" for key in keys))
    )
    return [
        RecordedChannel(
            kind,
            {key: "" if value is None else str(value) for key, value in zip(keys, values, strict=True)},
            Channel(source, detail),
        )
        for kind, source, detail, *values in rows
    ]


def event_search_condition(term: str) -> Q:
    """Events an admin search names: of the customers the term names, or made by the user of that name. The
    actor's key is looked up first: a condition on the joined user inside the OR read every event, newest first,
    until it had a page (80 ms at 52,000 events, growing with them); on the two keys both indexes answer."""
    actors = list(User.objects.filter(username=term).values_list("pk", flat=True))
    return Q(customer_id__in=customer_ids_searched(term)) | Q(actor_id__in=actors)
