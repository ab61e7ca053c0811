from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Reseller
from catalogue.models import MarketSegment
from resellerconsole.api import KeysetPagination
from resellerconsole.openapi import error_responses
from resellerconsole.serializers import StrictInput

from . import selectors, services
from .forms import CustomerFilterForm
from .models import Customer, CustomerStatus, VipAdmin


class VipAdminSerializer(StrictInput, serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("The VIP admin being edited; without it an admin is matched by e-mail, else added."),
    )
    name = serializers.CharField(max_length=VipAdmin._meta.get_field("name").max_length)
    email = serializers.EmailField(max_length=254)


class CustomerOutputSerializer(serializers.ModelSerializer):
    vip_admins = VipAdminSerializer(many=True, read_only=True)
    reseller = serializers.SlugRelatedField(slug_field="partner_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "vip_id",
            "reseller",
            "company_name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "market_segment",
            "preferred_language",
            "status",
            "status_display",
            "vip_admins",
            "invitation_sent_at",
            "invitation_accepted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Customer) -> dict:
        # The declared fields' output written out (customer_json): DRF's generic loop (a get_attribute, an
        # inspect.signature and the 250 country choices per field and row) was most of the list's time (issue 15).
        values = {name: getattr(instance, name) for name in LIST_VALUES if "__" not in name}
        values["reseller__partner_id"] = instance.reseller.partner_id
        return customer_json(
            values, [{"id": a.pk, "name": a.name, "email": a.email} for a in instance.vip_admins.all()]
        )


#: What customer_json reads: the list reads these with values(), without building models (issue 15).
LIST_VALUES = (
    "pk",
    "vip_id",
    "reseller__partner_id",
    "company_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "market_segment",
    "preferred_language",
    "status",
    "invitation_sent_at",
    "invitation_accepted_at",
    "created_at",
    "updated_at",
)
#: DRF's own datetime output (ISO 8601 in the current time zone); it keeps no per-request state.
_MOMENT = serializers.DateTimeField()
#: Lazy labels, translated when a row is written (get_status_display() would hash every choice per row).
_STATUS_LABELS = dict(CustomerStatus.choices)


def customer_json(values: dict[str, Any], vip_admins: list[dict]) -> dict:
    """CustomerOutputSerializer's output from LIST_VALUES: the same JSON as DRF's field loop gives
    (tests/test_issue15_page_output.py compares the two and pins the list's body)."""
    moment = _MOMENT.to_representation
    return {
        "id": values["pk"],
        "vip_id": values["vip_id"],
        "reseller": values["reseller__partner_id"],
        "company_name": values["company_name"],
        "address_line1": values["address_line1"],
        "address_line2": values["address_line2"],
        "postal_code": values["postal_code"],
        "city": values["city"],
        "country": str(values["country"]),
        "market_segment": values["market_segment"],
        "preferred_language": values["preferred_language"],
        "status": values["status"],
        "status_display": str(_STATUS_LABELS.get(values["status"], values["status"])),
        "vip_admins": vip_admins,
        "invitation_sent_at": moment(values["invitation_sent_at"]),
        "invitation_accepted_at": moment(values["invitation_accepted_at"]),
        "created_at": moment(values["created_at"]),
        "updated_at": moment(values["updated_at"]),
    }


def customer_list_json(rows: list[dict[str, Any]]) -> list[dict]:
    """A page of the list's LIST_VALUES rows as JSON, with their VIP admins read in one query."""
    admins = selectors.vip_admin_rows(customer_ids=[row["pk"] for row in rows])
    return [customer_json(row, admins[row["pk"]]) for row in rows]


class CustomerInputSerializer(StrictInput, serializers.ModelSerializer):
    vip_admins = VipAdminSerializer(many=True, min_length=1, max_length=20)
    reseller = serializers.SlugRelatedField(
        slug_field="partner_id",
        queryset=Reseller.objects.all(),
        required=False,
        help_text=_("Partner ID of the reseller; internal sales only. Reseller staff always create for their own."),
    )
    confirm_duplicate = serializers.BooleanField(
        default=False, write_only=True, help_text=_("Save even when the reseller has a customer with this name.")
    )

    class Meta:
        model = Customer
        fields = [*services.EDITABLE_FIELDS, "vip_admins", "reseller", "confirm_duplicate"]


def _contacts(validated: dict) -> list[services.VipAdminContact]:
    return [services.VipAdminContact(name=a["name"], email=a["email"], id=a.get("id")) for a in validated]


class CustomerListCreateApi(GenericAPIView):
    serializer_class = CustomerOutputSerializer
    pagination_class = KeysetPagination

    def keyset_ordering(self, request) -> tuple[str, ...]:
        return selectors.CUSTOMER_ORDERINGS[CustomerFilterForm(request.query_params).filters()["ordering"]]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description=_("Name contains, or VIP ID starts with")),
            OpenApiParameter("status", str, enum=CustomerStatus.values),
            OpenApiParameter("segment", str, enum=MarketSegment.values),
            OpenApiParameter("sort", str, enum=list(selectors.CUSTOMER_ORDERINGS)),
            OpenApiParameter("requests", str, enum=selectors.request_filter_values()),
            OpenApiParameter("reseller", int, description=_("Reseller id (internal sales only)")),
        ],
        responses={200: CustomerOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        filter_form = CustomerFilterForm(request.query_params)
        filter_form.raise_if_refused()
        filters = filter_form.filters()
        if not request.user.is_internal_sales:
            filters["reseller_id"] = None
        customers = selectors.customer_list(user=request.user, **filters).values(*LIST_VALUES)
        page = self.paginate_queryset(customers)
        return self.get_paginated_response(customer_list_json(page))

    # JSON only: the VIP admins, a list of objects, cannot be sent as form data.
    @extend_schema(
        request={"application/json": CustomerInputSerializer},
        responses={201: CustomerOutputSerializer, **error_responses(400, 415)},
    )
    def post(self, request):
        serializer = CustomerInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reseller = data.pop("reseller", None)
        if not request.user.is_internal_sales:
            if reseller is not None or "reseller" in request.data:
                raise serializers.ValidationError({"reseller": [_("Only internal sales choose the reseller.")]})
            reseller = request.user.reseller
        elif reseller is None:
            raise serializers.ValidationError({"reseller": [_("Internal sales must name the reseller.")]})
        customer = services.customer_create(
            reseller=reseller,
            actor=request.user,
            vip_admins=_contacts(data.pop("vip_admins")),
            allow_duplicate=data.pop("confirm_duplicate"),
            **data,
        )
        customer = selectors.customer_get(user=request.user, pk=customer.pk)
        return Response(CustomerOutputSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(APIView):
    @extend_schema(responses={200: CustomerOutputSerializer, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(CustomerOutputSerializer(selectors.customer_get(user=request.user, pk=pk)).data)

    @extend_schema(
        request={"application/json": CustomerInputSerializer},
        responses={200: CustomerOutputSerializer, **error_responses(400, 404, 415)},
    )
    def put(self, request, pk: int):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=CustomerInputSerializer, responses={200: CustomerOutputSerializer, **error_responses(400, 404, 415)}
    )
    def patch(self, request, pk: int):
        return self._update(request, pk, partial=True)

    def _update(self, request, pk: int, *, partial: bool):
        customer = selectors.customer_get(user=request.user, pk=pk)
        serializer = CustomerInputSerializer(customer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("reseller", None)
        vip_admins = data.pop("vip_admins", None)
        services.customer_update(
            customer=customer,
            actor=request.user,
            vip_admins=_contacts(vip_admins) if vip_admins is not None else None,
            allow_duplicate=data.pop("confirm_duplicate", False),
            **data,
        )
        return Response(CustomerOutputSerializer(selectors.customer_get(user=request.user, pk=pk)).data)


class InvitationInputSerializer(StrictInput, serializers.Serializer):
    resend = serializers.BooleanField(
        default=False, help_text=_("Send again to a customer already invited (the VIP ID stays).")
    )


class CustomerInvitationApi(APIView):
    @extend_schema(
        request=InvitationInputSerializer,
        responses={200: CustomerOutputSerializer, **error_responses(400, 404, 409, 415)},
        description=_("Send the VIP invitation (issuing the VIP ID at once) or, with resend, send it again."),
    )
    def post(self, request, pk: int):
        customer = selectors.customer_get(user=request.user, pk=pk)
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_send_invitation(
            customer=customer, actor=request.user, resend=serializer.validated_data["resend"]
        )
        return Response(CustomerOutputSerializer(selectors.customer_get(user=request.user, pk=pk)).data)
