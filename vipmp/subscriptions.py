"""`/v3/customers/{customerId}/subscriptions` and `/{subscriptionId}`: a customer's subscriptions — our
holdings, one per product — in Adobe's subscription resource, and `PATCH autoRenewal` through
renewals.services.auto_renewal_set (its rules, its history).

| Adobe | ours |
| --- | --- |
| subscriptionId | the holding's id |
| offerId | the product's new-purchase SKU |
| currentQuantity / usedQuantity | licences deployed / assigned to users |
| autoRenewal.enabled | renewals.selectors.auto_renewing_holdings (its own choice, else the customer's default) |
| autoRenewal.renewalQuantity | the quantity chosen, else the renewal proposal's (the quantity held unless chosen) |
| renewalDate | the customer's anniversary |
| creationDate | when a purchase authorization first deployed the product to the customer |
| status | 1000 licences held, 1004 none (returned, not renewed, access removed) |
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.response import Response

from authorizations.models import PurchaseAuthorizationLine
from customers.models import Customer
from renewals import services as renewal_services
from renewals.selectors import Subscription, subscriptions_for
from resellerconsole.audit import Source, audit_source
from resellerconsole.errors import DomainError
from resellerconsole.serializers import StrictInput

from . import errors
from .order_types import refusal
from .views import VipmpView

INVALID_SUBSCRIPTION = "3115"
RENEWAL_QUANTITY_OUT_OF_RANGE = "3116"
SUBSCRIPTION_INACTIVE = "3119"
#: Adobe's subscription statuses we answer.
ACTIVE, INACTIVE = "1000", "1004"
#: Fields of the subscription resource a PATCH may send back as read (changing them is 1119).
READ_ONLY = (
    "subscriptionId",
    "offerId",
    "currentQuantity",
    "usedQuantity",
    "renewalDate",
    "creationDate",
    "status",
    "currencyCode",
)
NOT_SUPPORTED = gettext_lazy("Not supported by this service.")


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------
def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def created_at(*, customer: Customer) -> dict[int, dt.datetime]:
    """Product id → when a purchase authorization first deployed it to the customer (one query)."""
    return dict(
        PurchaseAuthorizationLine.objects.filter(purchase_authorization__customer=customer)
        .values("product_id")
        .annotate(first=Min("purchase_authorization__deployed_at"))
        .values_list("product_id", "first")
    )


def subscription_id(value: str) -> int | None:
    """Our holding's id from Adobe's subscriptionId; None for anything that is not one of ours."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def subscription_body(customer: Customer, subscription: Subscription, created: dict[int, dt.datetime]) -> dict:
    holding = subscription.holding
    uri = reverse("vipmp-subscription", kwargs={"customer_id": customer.vip_id, "subscription_id": str(holding.pk)})
    quantity = subscription.renewal_quantity
    return {
        "subscriptionId": str(holding.pk),
        "offerId": holding.product.sku_new,
        "currentQuantity": holding.deployed,
        "usedQuantity": subscription.assigned,
        "autoRenewal": {
            "enabled": subscription.auto_renews,
            "renewalQuantity": quantity if quantity is not None else subscription.proposed_quantity,
        },
        "creationDate": _utc(created.get(holding.product_id) or customer.created_at),
        "renewalDate": subscription.renewal_date.isoformat() if subscription.renewal_date else "",
        "status": ACTIVE if subscription.active else INACTIVE,
        "currencyCode": holding.product.currency,
        "links": {"self": {"uri": uri, "method": "GET", "headers": []}},
    }


# ---------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------
def _empty(value):
    if value:
        raise serializers.ValidationError(NOT_SUPPORTED, code="invalid")
    return value


class AutoRenewal(StrictInput, serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    renewalQuantity = serializers.IntegerField(required=False, allow_null=True)
    #: Adobe's flexible discounts and High Growth Offers: accepted only empty.
    flexDiscountCodes = serializers.ListField(required=False, validators=[_empty])
    renewalCode = serializers.CharField(required=False, allow_blank=True, validators=[_empty])


class SubscriptionUpdate(StrictInput, serializers.Serializer):
    """PATCH: `autoRenewal`; the resource's other fields may come back as read (1119 when changed)."""

    autoRenewal = AutoRenewal()
    subscriptionId = serializers.CharField(required=False)
    offerId = serializers.CharField(required=False)
    currentQuantity = serializers.IntegerField(required=False)
    usedQuantity = serializers.IntegerField(required=False)
    renewalDate = serializers.CharField(required=False, allow_blank=True)
    creationDate = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    currencyCode = serializers.CharField(required=False)
    links = serializers.JSONField(required=False)


#: The auto-renewal's refusals as Adobe codes them.
PATCH_CODES = {
    "quantity_out_of_range": RENEWAL_QUANTITY_OUT_OF_RANGE,
    "subscription_inactive": SUBSCRIPTION_INACTIVE,
}
PATCH_FIELDS = {
    "renewal_quantity": "autoRenewal.renewalQuantity",
    "enabled": "autoRenewal.enabled",
    "product": "subscriptionId",
}


def auto_renewal_change(*, client, actor, customer: Customer, subscription: Subscription, request: dict) -> None:
    """PATCH's autoRenewal through the renewals' service, on the VIP Marketplace channel."""
    wanted = request["autoRenewal"]
    changes = {}
    if "enabled" in wanted:
        changes["enabled"] = wanted["enabled"]
    if "renewalQuantity" in wanted:
        changes["renewal_quantity"] = wanted["renewalQuantity"]
    with audit_source(Source.VIPMP, client.client_id):
        try:
            renewal_services.auto_renewal_set(customer=customer, product=subscription.product, actor=actor, **changes)
        except DomainError as error:
            raise refusal(error, fields=PATCH_FIELDS, codes=PATCH_CODES) from error


# ---------------------------------------------------------------------------
# The views
# ---------------------------------------------------------------------------
class SubscriptionListView(VipmpView):
    def get(self, request, customer_id: str):
        _actor, customer = self.customer_or_404(customer_id)
        created = created_at(customer=customer)
        items = [subscription_body(customer, s, created) for s in subscriptions_for(customer=customer)]
        uri = reverse("vipmp-subscriptions", kwargs={"customer_id": customer.vip_id})
        return Response(
            {"totalCount": len(items), "items": items, "links": {"self": {"uri": uri, "method": "GET", "headers": []}}}
        )


class SubscriptionDetailView(VipmpView):
    def subscription_or_404(self, customer: Customer, value: str) -> Subscription:
        pk = subscription_id(value)
        found = subscriptions_for(customer=customer, pk=pk) if pk is not None else []
        if not found:
            raise errors.VipmpError(INVALID_SUBSCRIPTION, _("Invalid Customer or Subscription ID"), status=404)
        return found[0]

    def answer(self, customer: Customer, subscription_id_value: str) -> Response:
        subscription = self.subscription_or_404(customer, subscription_id_value)
        return Response(subscription_body(customer, subscription, created_at(customer=customer)))

    def get(self, request, customer_id: str, subscription_id: str):
        _actor, customer = self.customer_or_404(customer_id)
        return self.answer(customer, subscription_id)

    def patch(self, request, customer_id: str, subscription_id: str):
        actor, customer = self.customer_or_404(customer_id)
        subscription = self.subscription_or_404(customer, subscription_id)
        serializer = SubscriptionUpdate(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = subscription_body(customer, subscription, created_at(customer=customer))
        changed = [name for name in READ_ONLY if name in serializer.validated_data]
        changed = [name for name in changed if serializer.validated_data[name] != current[name]]
        if changed:
            raise errors.VipmpError(errors.NOT_EDITABLE, _("Some fields are not editable."), details=changed)
        auto_renewal_change(
            client=self.client,
            actor=actor,
            customer=customer,
            subscription=subscription,
            request=serializer.validated_data,
        )
        return self.answer(customer, subscription_id)
