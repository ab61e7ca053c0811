"""The order requests /v3 accepts (Adobe's Order resource without its read-only fields), and the order list's
query parameters. They check the shape; whether the order may be placed is our services' to say
(orders_services.py turns their refusals into Adobe's codes)."""

from __future__ import annotations

import datetime as dt
import re

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from resellerconsole.serializers import StrictInput

from . import errors
from .serializers import NOT_SUPPORTED

# Adobe's codes for order requests (error handling in Adobe's VIP Marketplace documentation).
QUANTITY_OUT_OF_RANGE = "2120"
TOO_MANY_LINES = "2119"
DUPLICATE_LINE_NUMBERS = "2121"
INVALID_OFFER = "2122"
LINE_NUMBER_OUT_OF_RANGE = "2123"
REFERENCE_TOO_LONG = "2126"
CURRENCY_NOT_VALID = "2128"
NOT_ELIGIBLE = "2129"
OFFER_NOT_ON_ORDER = "2130"
LINE_NUMBER_NOT_ON_ORDER = "2131"
ALREADY_RETURNED = "2133"
RETURN_WINDOW_CLOSED = "2134"
CURRENCY_NOT_ALIGNED = "2137"
INVALID_DEPLOYMENT = "2138"
INVALID_FLEX_DISCOUNT = "2146"
INVALID_DISCOUNT_CODE = "5135"
INVALID_ORDER = "2115"
INVALID_SEARCH_VALUE = "1132"
OFFSET_OUT_OF_RANGE = "1133"
#: Partial returns (Adobe, 2026): more than the line's remainingQuantity, answered with HTTP 422.
RETURN_QTY_EXCEEDS_REMAINING = "RETURN_QTY_EXCEEDS_REMAINING"

#: The order types of Adobe's Order resource; ORDER_TYPES in orders.py says which of them /v3 places.
ORDER_TYPES = ("NEW", "PREVIEW", "RETURN", "PREVIEW_RENEWAL", "RENEWAL")
#: extLineItemNumber's range (Adobe: 1 to 999999).
LINE_NUMBER_MAX = 999_999


def _refuse_non_empty(code: str):
    """Adobe's discounts and deployments do not exist here: accepted only empty, else Adobe's code for them."""

    def validate(value):
        if value:
            raise serializers.ValidationError(NOT_SUPPORTED, code=code)
        return value

    return validate


class LineItem(StrictInput, serializers.Serializer):
    extLineItemNumber = serializers.IntegerField()
    offerId = serializers.CharField(max_length=40)
    #: Any whole number: the limits are the purchase authorization's (2120), the return's what remains.
    quantity = serializers.IntegerField()
    currencyCode = serializers.CharField(max_length=3, required=False)
    subscriptionId = serializers.CharField(max_length=40, required=False, allow_blank=True)
    deploymentId = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[_refuse_non_empty(INVALID_DEPLOYMENT)]
    )
    discountCode = serializers.CharField(
        max_length=40, required=False, allow_blank=True, validators=[_refuse_non_empty(INVALID_DISCOUNT_CODE)]
    )
    flexDiscountCodes = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        validators=[_refuse_non_empty(INVALID_FLEX_DISCOUNT)],
    )

    def validate_extLineItemNumber(self, value: int) -> int:
        if not 1 <= value <= LINE_NUMBER_MAX:
            raise serializers.ValidationError(
                _("Use a number from 1 to %(max)s.") % {"max": LINE_NUMBER_MAX}, code=LINE_NUMBER_OUT_OF_RANGE
            )
        return value


class OrderCreate(StrictInput, serializers.Serializer):
    """POST /v3/customers/{customerId}/orders."""

    orderType = serializers.CharField()
    externalReferenceId = serializers.CharField(max_length=255, required=False, allow_blank=True)
    currencyCode = serializers.CharField(max_length=3, required=False)
    referenceOrderId = serializers.CharField(max_length=40, required=False, allow_blank=True)
    lineItems = LineItem(many=True, required=False)

    def validate_orderType(self, value: str) -> str:
        if value not in ORDER_TYPES:
            raise serializers.ValidationError(
                _("Use one of %(types)s.") % {"types": ", ".join(ORDER_TYPES)}, code=errors.INVALID_FIELDS
            )
        return value

    def validate_externalReferenceId(self, value: str) -> str:
        if len(value) > 35:
            raise serializers.ValidationError(
                _("Ensure this value has at most 35 characters (it has %(length)s).") % {"length": len(value)},
                code=REFERENCE_TOO_LONG,
            )
        return value

    def validate_lineItems(self, lines: list[dict]) -> list[dict]:
        numbers = [line["extLineItemNumber"] for line in lines]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise serializers.ValidationError(
                _("Line numbers appear more than once: %(numbers)s.") % {"numbers": ", ".join(map(str, repeated))},
                code=DUPLICATE_LINE_NUMBERS,
            )
        return lines


class MultipleValues(serializers.ListField):
    """A query parameter that may repeat (`status=1000&status=1002`): every value, OR-ed."""

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return serializers.empty
        return dictionary.getlist(self.field_name)


class Moment(serializers.CharField):
    """Adobe's search dates: `2019-05-02` (midnight UTC) or `2019-05-02T22:49:54Z` (UTC only)."""

    def to_internal_value(self, data) -> dt.datetime:
        text = super().to_internal_value(data)
        try:
            if len(text) == 10:
                return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.UTC)
            if text.endswith("Z"):
                return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            pass
        raise serializers.ValidationError(
            _("Use a date (2019-05-02) or a UTC time (2019-05-02T22:49:54Z)."), code=INVALID_SEARCH_VALUE
        )


#: The order types a history may be searched for (Adobe's Order resource; previews are never kept).
SEARCH_ORDER_TYPES = ("NEW", "RETURN", "RENEWAL", "TRANSFER", "PREVIEW", "PREVIEW_RENEWAL", "SWITCH")
#: Most orders on one page, and the page size when none is asked for (Adobe's).
LIMIT_MAX, LIMIT_DEFAULT = 100, 25


def _search_value(pattern: str):
    def validate(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise serializers.ValidationError(_("Not a valid value."), code=INVALID_SEARCH_VALUE)
        return value

    return validate


class OrderSearch(serializers.Serializer):
    """GET /v3/customers/{customerId}/orders' query, by Adobe's parameter names (NAMES); unknown parameters are
    ignored, as Adobe's gateway ignores them. `cursor` is ours: the keyset position links.next carries."""

    limit = serializers.IntegerField(required=False, default=LIMIT_DEFAULT, min_value=1)
    offset = serializers.IntegerField(required=False, default=0, min_value=0)
    cursor = serializers.CharField(required=False, max_length=200)
    order_types = MultipleValues(child=serializers.ChoiceField(choices=SEARCH_ORDER_TYPES), required=False)
    statuses = MultipleValues(child=serializers.CharField(validators=[_search_value(r"[0-9]{4}")]), required=False)
    offer_ids = MultipleValues(child=serializers.CharField(max_length=40), required=False)
    reference_order_id = serializers.CharField(required=False, max_length=40)
    start = Moment(required=False)
    end = Moment(required=False)

    #: Adobe's parameter names → the fields above.
    NAMES = {
        "limit": "limit",
        "offset": "offset",
        "cursor": "cursor",
        "order-type": "order_types",
        "status": "statuses",
        "offer-id": "offer_ids",
        "reference-order-id": "reference_order_id",
        "start-date": "start",
        "end-date": "end",
    }

    @classmethod
    def parse(cls, query) -> dict:
        """The query's values by our names; any bad value is 1132, naming Adobe's parameter."""
        data = QueryDict(mutable=True)
        for name, field in cls.NAMES.items():
            if name in query:
                data.setlist(field, query.getlist(name))
        search = cls(data=data)
        if not search.is_valid():
            adobe = {field: name for name, field in cls.NAMES.items()}
            names = [adobe.get(field, field) for field in search.errors]
            raise errors.VipmpError(
                INVALID_SEARCH_VALUE,
                _("Invalid value for search parameter: %(names)s.") % {"names": ", ".join(names)},
                details=names,
            )
        values = dict(search.validated_data)
        values["limit"] = min(values["limit"], LIMIT_MAX)
        return values
