"""The purchase authorization's input fields whose schema states the rules of `services` (PO number, quantities,
number of lines), from the same constants and settings the services check."""

from django.conf import settings
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import serializers

from catalogue.models import LicenseType
from resellerconsole.openapi import StatesRule
from resellerconsole.serializers import StrictInput

from . import services

MAX_INT = 2**31 - 1


class PoNumberField(StatesRule, serializers.CharField):
    def rule_schema(self) -> dict:
        return {"maxLength": services.PO_NUMBER_MAX_LENGTH, "pattern": services.PO_NUMBER_PATTERN.pattern}


class PurchaseAuthorizationQuantityField(StatesRule, serializers.IntegerField):
    def rule_schema(self) -> dict:
        caps = settings.PA_MAX_QUANTITY
        return {
            "minimum": 1,
            "maximum": max(caps.values()),
            "description": "; ".join(
                ngettext("%(type)s: 1 to %(max)s licence", "%(type)s: 1 to %(max)s licences", cap)
                % {"type": LicenseType(kind).label, "max": cap}
                for kind, cap in caps.items()
            ),
        }


class PurchaseAuthorizationLines(StatesRule, serializers.ListSerializer):
    def rule_schema(self) -> dict:
        return {"minItems": 1, "maxItems": settings.PA_MAX_LINES}


class PurchaseAuthorizationLineInput(StrictInput, serializers.Serializer):
    sku = serializers.CharField(max_length=30, help_text=gettext_lazy("The product's new-purchase SKU"))
    # Checked by the service (quantity_out_of_range), which knows the licence type's cap.
    quantity = PurchaseAuthorizationQuantityField(min_value=0, max_value=MAX_INT)

    class Meta:
        list_serializer_class = PurchaseAuthorizationLines
