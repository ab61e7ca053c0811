"""The orders' read side of the API: the licensing website reads back the orders it placed (list and detail),
console users their customers' orders. The intake itself (POST) stays in api.py."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from accounts.permissions import IsLicensingWebsite, IsLicensingWebsiteOrConsoleUser
from resellerconsole.api import KeysetPagination
from resellerconsole.openapi import error_responses

from . import selectors
from .api import OrderIntakeApi, OrderOutput


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
        )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(OrderOutput(page, many=True).data)
