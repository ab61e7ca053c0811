"""The order intake's API: POST /api/v1/orders/ receives the licensing website's orders, new or renewal (one
owner of order numbers, intake.services); GET lists the orders the caller may see."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsLicensingWebsite, IsLicensingWebsiteOrConsoleUser
from authorizations import selectors
from authorizations.api import MAX_INT, OrderOutput
from authorizations.api_json import ORDER_VALUES, order_list_json
from renewals.api import RenewalOutput, renewal_output
from resellerconsole.api import KeysetPagination
from resellerconsole.openapi import error_responses
from resellerconsole.serializers import StrictInput

from . import services
from .models import OrderKind


class LineSerializer(StrictInput, serializers.Serializer):
    sku = serializers.CharField(max_length=30, help_text=_("The product's new-purchase SKU"))
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_INT)


class OrderInput(StrictInput, serializers.Serializer):
    order_type = serializers.ChoiceField(
        choices=OrderKind.choices,
        default=OrderKind.NEW,
        help_text=_("new: an order referencing a purchase authorization; renewal: a renewal of a VIP ID's licences"),
    )
    order_number = serializers.CharField(max_length=40)
    order_date = serializers.DateField()
    purchase_authorization = serializers.CharField(
        max_length=20, required=False, help_text=_("The PA reference, e.g. PA00012345; required for new orders")
    )
    vip_id = serializers.CharField(
        max_length=20, required=False, help_text=_("The customer's VIP ID; required for renewal orders")
    )
    lines = LineSerializer(
        many=True,
        allow_empty=True,
        max_length=1000,
        help_text=_("New orders: the products' new-purchase SKUs; renewal orders: their renewal SKUs"),
    )

    def validate(self, attrs):
        if attrs["order_type"] == OrderKind.RENEWAL:
            if not attrs.get("vip_id", "").strip():
                raise serializers.ValidationError(
                    {"vip_id": [_("A renewal order names the customer's VIP ID.")]}, code="required"
                )
        elif not attrs.get("purchase_authorization", "").strip():
            raise serializers.ValidationError(
                {"purchase_authorization": [_("A new order references its purchase authorization.")]},
                code="required",
            )
        return attrs


#: What the order intake answers: an order for order_type new, a renewal for order_type renewal.
ORDER_INTAKE_RESULT = PolymorphicProxySerializer(
    component_name="OrderIntakeResult",
    serializers=[OrderOutput, RenewalOutput],
    resource_type_field_name=None,
)


class OrderIntakeApi(APIView):
    #: Orders through the API are the licensing website's alone; the console records them by hand.
    permission_classes = [IsLicensingWebsite]

    @extend_schema(
        request={"application/json": OrderInput},  # lines of objects: not as form data
        responses={
            201: ORDER_INTAKE_RESULT,
            200: OpenApiResponse(
                ORDER_INTAKE_RESULT, description=_("The same order was already received (idempotent)")
            ),
            **error_responses(400, 409, 415),
        },
        description=_(
            "The licensing website's order intake (its token only: other roles get 403). order_type new (the "
            "default): an order referencing a purchase authorization, whose lines must match it; the answer is an "
            "order. order_type renewal: a renewal order for the customer with vip_id, one line per held product's "
            "renewal SKU (quantity 0 renews none; one left out is refused as renewal_product_missing), inside the "
            "renewal window; the answer is the renewal. Retrying with the same order number and content returns "
            "the first result."
        ),
    )
    def post(self, request):
        serializer = OrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kind = data["order_type"]
        reference = data["vip_id"].strip().upper() if kind == OrderKind.RENEWAL else data["purchase_authorization"]
        result, created = services.order_receive(
            kind=kind,
            order_number=data["order_number"],
            order_date=data["order_date"],
            reference=reference,
            lines=[services.OrderLine(ln["sku"], ln["quantity"]) for ln in data["lines"]],
            actor=request.user,
        )
        body = (
            renewal_output(result)
            if kind == OrderKind.RENEWAL
            else OrderOutput(selectors.order_detail(pk=result.pk)).data
        )
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderFilterInput(serializers.Serializer):
    order_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    order_date_from = serializers.DateField(required=False)
    order_date_to = serializers.DateField(required=False)


class OrderListIntakeApi(GenericAPIView, OrderIntakeApi):
    """GET lists the orders the caller may see; POST is the licensing website's order intake."""

    serializer_class = OrderOutput
    pagination_class = KeysetPagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsLicensingWebsite()]
        return [IsLicensingWebsiteOrConsoleUser()]

    def keyset_ordering(self, request) -> tuple[str, ...]:
        return selectors.ORDER_LIST_ORDERING

    @extend_schema(
        parameters=[
            OpenApiParameter("order_number", str, description=_("Only the order with this order number")),
            OpenApiParameter("order_date_from", OpenApiTypes.DATE, description=_("Orders dated on or after")),
            OpenApiParameter("order_date_to", OpenApiTypes.DATE, description=_("Orders dated on or before")),
        ],
        responses={200: OrderOutput(many=True), **error_responses(400)},
        description=_(
            "Orders, newest order date first. The licensing website sees the orders it placed; reseller staff "
            "and internal sales the orders of the customers they see."
        ),
    )
    def get(self, request):
        filters = OrderFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        orders = selectors.order_list(
            user=request.user,
            order_number=wanted.get("order_number", "").strip(),
            date_from=wanted.get("order_date_from"),
            date_to=wanted.get("order_date_to"),
        ).prefetch_related(None)
        # Rows, not models: the prefetched lines are what OrderOutput would read (issue 15).
        page = self.paginate_queryset(orders.values(*ORDER_VALUES))
        return self.get_paginated_response(order_list_json(page))
