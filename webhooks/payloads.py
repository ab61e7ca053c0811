"""The object an event is about, as the API (/api/v1) shows it: the API's own serializers, batched per type."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Prefetch

from authorizations.api import OrderOutput, PurchaseAuthorizationOutput
from authorizations.models import Order, PurchaseAuthorization, PurchaseAuthorizationLine
from authorizations.selectors import order_lines_with_returns, with_lines
from customers.api import CustomerOutputSerializer
from customers.models import Customer
from renewals.api import RenewalOutput
from renewals.models import Renewal, RenewalLine

#: Which object each event type carries, and which of the change's values finds it.
OBJECT_OF = {
    "purchase_authorization": ("purchase_authorization.",),
    "order": ("order.", "return."),
    "renewal": ("renewal.",),
}


def object_type(event_type: str) -> str:
    for name, prefixes in OBJECT_OF.items():
        if event_type.startswith(prefixes):
            return name
    return "customer"


def _customers(keys: set) -> dict:
    rows = Customer.objects.filter(pk__in=keys).select_related("reseller").prefetch_related("vip_admins")
    return {c.pk: CustomerOutputSerializer(c).data for c in rows}


def _purchase_authorizations(keys: set) -> dict:
    rows = (
        PurchaseAuthorization.objects.filter(reference__in=keys)
        .select_related("customer", "created_by", "order__purchase_authorization")
        .prefetch_related(
            Prefetch("lines", queryset=PurchaseAuthorizationLine.objects.select_related("product")),
            Prefetch("order__lines", queryset=order_lines_with_returns()),
        )
    )
    return {pa.reference: PurchaseAuthorizationOutput(pa).data for pa in rows}


def _orders(keys: set) -> dict:
    return {o.order_number: OrderOutput(o).data for o in with_lines(Order.objects.filter(order_number__in=keys))}


def _renewals(keys: set) -> dict:
    rows = (
        Renewal.objects.filter(order_number__in=keys)
        .select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=RenewalLine.objects.select_related("product")))
    )
    return {r.order_number: RenewalOutput(r).data for r in rows}


#: Per object type: how a change names its object, and the batched reader.
READERS: dict[str, tuple[Callable, Callable[[set], dict]]] = {
    "customer": (lambda change: change.customer_id, _customers),
    "purchase_authorization": (lambda change: change.details.get("reference"), _purchase_authorizations),
    "order": (lambda change: change.details.get("order_number"), _orders),
    "renewal": (lambda change: change.details.get("order_number"), _renewals),
}


def objects_for(changes: list) -> list[dict]:
    """Per change, {"object_type": …, "object": the API's representation (None if it no longer exists)}."""
    keys: dict[str, set] = {name: set() for name in READERS}
    for change in changes:
        name = object_type(change.type)
        keys[name].add(READERS[name][0](change))
    found = {name: (READERS[name][1](values) if values else {}) for name, values in keys.items()}
    answer = []
    for change in changes:
        name = object_type(change.type)
        answer.append({"object_type": name, "object": found[name].get(READERS[name][0](change))})
    return answer
