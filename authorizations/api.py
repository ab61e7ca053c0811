"""API for purchase authorizations, orders (the licensing website's intake) and returns.

Views stay thin: they parse with serializers, call the services and answer with the same errors as the console.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsLicensingWebsiteOrConsoleUser
from catalogue.models import LicenseType
from catalogue.selectors import products_by_sku
from customers.selectors import customer_get
from resellerconsole.errors import DomainError
from resellerconsole.openapi import ErrorOutput, error_responses
from resellerconsole.serializers import StrictInput

from . import dates, selectors, services
from .api_fields import PoNumberField, PurchaseAuthorizationLineInput
from .api_json import PA_VALUES, purchase_authorization_list_json
from .models import Order, PurchaseAuthorization, PurchaseAuthorizationStatus

MAX_INT = 2**31 - 1


# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------
class PurchaseAuthorizationLineOutput(serializers.Serializer):
    sku = serializers.CharField(source="product.sku_new")
    product = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    removed_at = serializers.DateTimeField(allow_null=True)


class OrderLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField(source="product.sku_new")
    product = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    #: Every licence of the line was returned (in one return or several).
    returned = serializers.SerializerMethodField()
    #: Licences returned so far; `remaining_quantity` may still be returned within the return window.
    returned_quantity = serializers.IntegerField()
    remaining_quantity = serializers.SerializerMethodField()

    def get_returned(self, line) -> bool:
        return self.get_remaining_quantity(line) == 0

    def get_remaining_quantity(self, line) -> int:
        # `returned_quantity` is the readers' annotation (selectors.order_lines_with_returns).
        return line.quantity - line.returned_quantity


class OrderOutput(serializers.ModelSerializer):
    purchase_authorization = serializers.CharField(source="purchase_authorization.reference")
    customer = serializers.IntegerField(source="customer_id")
    lines = OrderLineOutput(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "order_number",
            "order_date",
            "purchase_authorization",
            "customer",
            "duration_months_proposed",
            "duration_months",
            "entered_by_hand",
            "lines",
            "created_at",
        ]


class PurchaseAuthorizationOutput(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    vip_id = serializers.CharField(source="customer.vip_id")
    created_by = serializers.CharField(source="created_by.username", default=None)
    lines = PurchaseAuthorizationLineOutput(many=True)
    days_left = serializers.SerializerMethodField()
    order = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseAuthorization
        fields = [
            "id",
            "reference",
            "customer",
            "vip_id",
            "license_type",
            "status",
            "po_number",
            "deployed_at",
            "order_deadline",
            "days_left",
            "created_by",
            "withdrawn_at",
            "lines",
            "order",
        ]

    def get_days_left(self, pa) -> int | None:
        if pa.status != PurchaseAuthorizationStatus.PENDING:
            return None
        return dates.days_left(pa.order_deadline, services.today())

    @extend_schema_field(OrderOutput(allow_null=True))
    def get_order(self, pa) -> dict | None:
        order = getattr(pa, "order", None) if pa.status == PurchaseAuthorizationStatus.ORDERED else None
        return OrderOutput(order).data if order else None


class PurchaseAuthorizationInput(StrictInput, serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=MAX_INT)
    license_type = serializers.ChoiceField(choices=LicenseType.choices)
    # The schema states the rules; the service checks them, with its own codes (po_number_invalid, ...).
    po_number = PoNumberField(required=False, allow_blank=True, default="", max_length=200)
    lines = PurchaseAuthorizationLineInput(many=True, allow_empty=True)

    def validate_lines(self, lines):
        # Before looking up hundreds of SKUs: the service says the same (too_many_lines).
        try:
            services.refuse_too_many_lines(len(lines))
        except DomainError as error:
            raise serializers.ValidationError(error.message, code=error.code) from None
        return lines


class RemoveProductsInput(StrictInput, serializers.Serializer):
    products = serializers.ListField(
        child=serializers.CharField(max_length=30), allow_empty=False, max_length=1000, help_text=_("SKUs to remove")
    )


class DurationInput(StrictInput, serializers.Serializer):
    duration_months = serializers.IntegerField(min_value=1, max_value=12)


class ReturnQuantityInput(StrictInput, serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("Id of the order line"))
    quantity = serializers.IntegerField(
        min_value=1, max_value=MAX_INT, help_text=_("Licences to return: at most what remains of the line")
    )


class ReturnInput(StrictInput, serializers.Serializer):
    lines = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text=_("Ids of the order lines to return whole (what remains of each)"),
    )
    quantities = ReturnQuantityInput(
        many=True, required=False, max_length=1000, help_text=_("Order lines to return in part")
    )

    def validate_quantities(self, rows: list[dict]) -> list[dict]:
        lines = [row["line"] for row in rows]
        if len(set(lines)) != len(lines):
            raise serializers.ValidationError(_("Name each order line once."), code="repeated_line")
        return rows


# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------
def _visible_pa(request, pk) -> PurchaseAuthorization:
    pa = selectors.purchase_authorizations_visible_to(request.user).filter(pk=pk).select_related("customer").first()
    if pa is None:
        raise Http404
    return pa


def _visible_order(request, pk) -> Order:
    order = selectors.orders_visible_to(request.user).filter(pk=pk).select_related("customer").first()
    if order is None:
        raise Http404
    return order


def _pa_response(pa_pk: int, code=status.HTTP_200_OK) -> Response:
    pa = selectors.purchase_authorization_history(customer=PurchaseAuthorization.objects.get(pk=pa_pk).customer).get(
        pk=pa_pk
    )
    return Response(PurchaseAuthorizationOutput(pa).data, status=code)


class PurchaseAuthorizationListCreateApi(GenericAPIView):
    serializer_class = PurchaseAuthorizationOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, required=True, description=_("Customer id")),
            OpenApiParameter("status", str, enum=PurchaseAuthorizationStatus.values),
        ],
        responses={200: PurchaseAuthorizationOutput(many=True), **error_responses(400, 404)},
    )
    def get(self, request):
        raw = request.query_params.get("customer", "")
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise serializers.ValidationError({"customer": [_("Give the customer's id.")]})
        customer = customer_get(user=request.user, pk=int(raw))
        # Rows, not models: the history's prefetches are what the serializers would read (issue 15).
        authorizations = (
            selectors.purchase_authorization_history(customer=customer).prefetch_related(None).values(*PA_VALUES)
        )
        if "status" in request.query_params:
            wanted = request.query_params["status"]
            if wanted not in PurchaseAuthorizationStatus.values:
                raise DomainError(
                    _("Use one of: %(choices)s.") % {"choices": ", ".join(PurchaseAuthorizationStatus.values)},
                    code="invalid_filter",
                    field="status",
                )
            authorizations = authorizations.filter(status=wanted)
        page = self.paginate_queryset(authorizations)
        return self.get_paginated_response(purchase_authorization_list_json(page, vip_id=customer.vip_id))

    @extend_schema(
        request={"application/json": PurchaseAuthorizationInput},  # lines of objects: not as form data
        responses={201: PurchaseAuthorizationOutput, **error_responses(400, 404, 415)},
    )
    def post(self, request):
        serializer = PurchaseAuthorizationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = customer_get(user=request.user, pk=data["customer"])
        lines = []
        products = products_by_sku(line["sku"] for line in data["lines"])
        for index, line in enumerate(data["lines"]):
            product = products.get(line["sku"])
            if product is None:
                raise DomainError(
                    _("There is no product with SKU %(sku)s.") % {"sku": line["sku"]},
                    code="unknown_product",
                    field=f"lines.{index}.product",
                )
            lines.append(services.LineRequest(product, line["quantity"]))
        pa = services.purchase_authorization_create(
            customer=customer,
            license_type=data["license_type"],
            lines=lines,
            po_number=data["po_number"],
            actor=request.user,
        )
        return _pa_response(pa.pk, status.HTTP_201_CREATED)


class PurchaseAuthorizationDetailApi(APIView):
    @extend_schema(responses={200: PurchaseAuthorizationOutput, **error_responses(404)})
    def get(self, request, pk: int):
        return _pa_response(_visible_pa(request, pk).pk)


class PurchaseAuthorizationWithdrawApi(APIView):
    @extend_schema(
        request=None,
        responses={
            200: PurchaseAuthorizationOutput,
            **error_responses(404),
            400: OpenApiResponse(ErrorOutput, description=_("Users hold the licences (licences_assigned)")),
            409: OpenApiResponse(ErrorOutput, description=_("Not pending any more (invalid_transition)")),
        },
        description=_("Undo a pending purchase authorization; refused while users hold its licences."),
    )
    def post(self, request, pk: int):
        pa = _visible_pa(request, pk)
        services.purchase_authorization_withdraw(purchase_authorization=pa, actor=request.user)
        return _pa_response(pa.pk)


class PurchaseAuthorizationRemoveProductsApi(APIView):
    @extend_schema(
        request=RemoveProductsInput, responses={200: PurchaseAuthorizationOutput, **error_responses(400, 404, 409, 415)}
    )
    def post(self, request, pk: int):
        pa = _visible_pa(request, pk)
        serializer = RemoveProductsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        skus = {sku.strip().upper() for sku in serializer.validated_data["products"]}
        product_ids = {ln.product_id for ln in pa.lines.select_related("product") if ln.product.sku_new in skus}
        if len(product_ids) != len(skus):
            raise DomainError(
                _("Choose products that are on purchase authorization %(reference)s.") % {"reference": pa.reference},
                code="unknown_product",
                field="products",
            )
        services.purchase_authorization_remove_products(
            purchase_authorization=pa, product_ids=product_ids, actor=request.user
        )
        return _pa_response(pa.pk)


class OrderDetailApi(APIView):
    #: The licensing website reads back the orders it placed; console users their customers' orders.
    permission_classes = [IsLicensingWebsiteOrConsoleUser]

    @extend_schema(responses={200: OrderOutput, **error_responses(404)})
    def get(self, request, pk: int):
        order = selectors.order_detail(pk=pk, user=request.user)
        if order is None:
            raise Http404
        return Response(OrderOutput(order).data)


class OrderDurationApi(APIView):
    @extend_schema(request=DurationInput, responses={200: OrderOutput, **error_responses(400, 404, 415)})
    def post(self, request, pk: int):
        order = _visible_order(request, pk)
        serializer = DurationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_set_duration(
            order=order, months=serializer.validated_data["duration_months"], actor=request.user
        )
        return Response(OrderOutput(selectors.order_detail(pk=order.pk)).data)


class OrderReturnApi(APIView):
    @extend_schema(
        request=ReturnInput,
        responses={200: OrderOutput, **error_responses(400, 404, 415)},
        description=_(
            "Request return authorization within the return window: order lines whole (lines) or in part "
            "(quantities), never more than remains of a line."
        ),
    )
    def post(self, request, pk: int):
        order = _visible_order(request, pk)
        serializer = ReturnInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.return_request(
            order=order,
            order_line_ids=serializer.validated_data.get("lines", []),
            quantities={row["line"]: row["quantity"] for row in serializer.validated_data.get("quantities", [])},
            actor=request.user,
        )
        return Response(OrderOutput(selectors.order_detail(pk=order.pk)).data)
