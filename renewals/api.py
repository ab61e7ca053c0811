"""API for the renewal overview, a customer's renewal quantities and its renewal history.

Renewal orders come in through the order intake (authorizations/api.py, order_type "renewal").
Views stay thin: they parse with serializers, call the services and answer with the same errors as the console.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.models import MarketSegment
from customers.selectors import customer_get
from resellerconsole.api import KeysetPagination
from resellerconsole.openapi import ErrorOutput, error_responses
from resellerconsole.serializers import StrictInput

from . import selectors, services
from .api_json import ENTRY_VALUES, overview_list_json
from .forms import OverviewFilterForm
from .models import Renewal, RenewalLine, WindowState


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
class RenewalOverviewLineOutput(serializers.Serializer):
    sku = serializers.CharField(source="row.product.sku_renewal", help_text=_("The product's renewal SKU"))
    product = serializers.CharField(source="row.product.name")
    quantity_held = serializers.IntegerField(source="row.quantity_held")
    assigned = serializers.IntegerField(help_text=_("Users assigned a licence of the product"))
    proposed_quantity = serializers.IntegerField(source="row.proposed_quantity")


class RenewalEntryOutput(serializers.Serializer):
    """One customer of the renewal overview (an `selectors.OverviewEntry`)."""

    customer = serializers.IntegerField(source="customer.pk", help_text=_("Customer id"))
    vip_id = serializers.CharField(source="customer.vip_id", allow_null=True)
    company_name = serializers.CharField(source="customer.company_name")
    reseller = serializers.CharField(source="customer.reseller.partner_id", help_text=_("Partner ID of the reseller"))
    anniversary_date = serializers.DateField(source="customer.anniversary_date", allow_null=True)
    days_left = serializers.SerializerMethodField(help_text=_("Days until the anniversary (negative once passed)"))
    window_state = serializers.SerializerMethodField()
    lines = RenewalOverviewLineOutput(many=True)

    def get_days_left(self, entry) -> int | None:
        return entry.days_left if entry.customer.anniversary_date else None

    @extend_schema_field(serializers.ChoiceField(choices=WindowState.choices, allow_null=True))
    def get_window_state(self, entry) -> str | None:
        return str(entry.window_state) if entry.customer.anniversary_date else None


class RenewalLineOutput(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku_renewal", help_text=_("The product's renewal SKU"))
    product = serializers.CharField(source="product.name")
    released_users = serializers.ListField(
        child=serializers.CharField(), help_text=_("E-mail addresses of the users who lost access")
    )

    class Meta:
        model = RenewalLine
        fields = ["sku", "product", "quantity_before", "quantity_after", "released_users"]


class RenewalHistoryOutput(serializers.ModelSerializer):
    placed_by = serializers.CharField(source="placed_by.username", default=None, allow_null=True)
    lines = RenewalLineOutput(many=True)

    class Meta:
        model = Renewal
        fields = ["id", "order_number", "order_date", "anniversary_before", "anniversary_after", "placed_by", "lines"]


class RenewalOutput(serializers.ModelSerializer):
    """A processed renewal order, as the order intake answers it."""

    vip_id = serializers.CharField(source="customer.vip_id")
    lines = RenewalLineOutput(many=True)

    class Meta:
        model = Renewal
        fields = ["id", "order_number", "order_date", "vip_id", "anniversary_before", "anniversary_after", "lines"]


class CustomerRenewalOutput(RenewalEntryOutput):
    renewal_history = serializers.SerializerMethodField()

    @extend_schema_field(RenewalHistoryOutput(many=True))
    def get_renewal_history(self, entry) -> list:
        return RenewalHistoryOutput(selectors.renewal_history(customer=entry.customer), many=True).data


class RenewalQuantityLineInput(StrictInput, serializers.Serializer):
    sku = serializers.CharField(max_length=30, help_text=_("The product's renewal SKU"))
    quantity = serializers.IntegerField(min_value=0, max_value=services.MAX_RENEWAL_QUANTITY)
    confirm_release = serializers.BooleanField(
        default=False, help_text=_("Renew fewer licences than users are assigned; those users lose access.")
    )


class RenewalQuantitiesInput(StrictInput, serializers.Serializer):
    lines = RenewalQuantityLineInput(many=True, allow_empty=False, max_length=1000)


def renewal_output(renewal: Renewal) -> dict:
    renewal = (
        Renewal.objects.select_related("customer")
        .prefetch_related(Prefetch("lines", queryset=RenewalLine.objects.select_related("product")))
        .get(pk=renewal.pk)
    )
    return RenewalOutput(renewal).data


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
class RenewalOverviewApi(GenericAPIView):
    serializer_class = RenewalEntryOutput
    pagination_class = KeysetPagination

    def keyset_ordering(self, request) -> tuple[str, ...]:
        return selectors.OVERVIEW_ORDERINGS[OverviewFilterForm(request.query_params).filters()["ordering"]]

    @extend_schema(
        parameters=[
            OpenApiParameter("window", str, enum=WindowState.values),
            OpenApiParameter("segment", str, enum=MarketSegment.values),
            OpenApiParameter("reseller", int, description=_("Reseller id (internal sales only)")),
            OpenApiParameter("sort", str, enum=list(selectors.OVERVIEW_ORDERINGS)),
        ],
        responses={200: RenewalEntryOutput(many=True), **error_responses(400)},
        description=_("Customers with renewable licences, soonest anniversary first, with their renewal lines."),
    )
    def get(self, request):
        filter_form = OverviewFilterForm(request.query_params)
        filter_form.raise_if_refused()
        filters = filter_form.filters()
        if not request.user.is_internal_sales:
            filters["reseller_id"] = None
        on = timezone.localdate()
        customers = selectors.renewal_overview(user=request.user, on=on, **filters)
        # RenewalEntryOutput's JSON, written from values (renewals/api_json.py): the list reads its lines itself.
        page = self.paginate_queryset(customers.prefetch_related(None).values(*ENTRY_VALUES))
        return self.get_paginated_response(overview_list_json(page, on=on))


def _customer_renewal_response(customer) -> Response:
    entry = selectors.customer_overview_entry(customer=customer, on=timezone.localdate())
    return Response(CustomerRenewalOutput(entry).data)


class CustomerRenewalApi(APIView):
    @extend_schema(responses={200: CustomerRenewalOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return _customer_renewal_response(customer_get(user=request.user, pk=pk))

    @extend_schema(
        request={"application/json": RenewalQuantitiesInput},  # lines of objects: not as form data
        responses={
            200: CustomerRenewalOutput,
            **error_responses(404, 415),
            400: OpenApiResponse(
                ErrorOutput,
                description=_(
                    "A SKU not in the overview, or fewer licences than users assigned without confirm_release"
                ),
            ),
        },
        description=_(
            "Choose the renewal quantities of the customer's overview lines (lines is required, one per renewal "
            "SKU). All lines are saved or none is; "
            "renewing fewer licences than users are assigned needs confirm_release and names who loses access."
        ),
    )
    def patch(self, request, pk: int):
        customer = customer_get(user=request.user, pk=pk)
        serializer = RenewalQuantitiesInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.renewal_quantities_set(
            customer=customer,
            lines=[
                services.RenewalQuantityRequest(line["sku"], line["quantity"], line["confirm_release"])
                for line in serializer.validated_data["lines"]
            ],
            actor=request.user,
        )
        return _customer_renewal_response(customer_get(user=request.user, pk=pk))
