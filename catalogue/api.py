"""The read-only product catalogue of the API: every API role (console users and the licensing website)."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsLicensingWebsiteOrConsoleUser
from catalogue.models import MarketSegment
from resellerconsole.api import KeysetPagination
from resellerconsole.listing import ListFilterForm
from resellerconsole.openapi import error_responses

from .models import LicenseType, Product
from .selectors import CATALOGUE_ORDERING, catalogue_list


class ProductOutput(serializers.ModelSerializer):
    market_segments = serializers.ListField(
        child=serializers.CharField(), help_text=_("Market segments that may buy it: commercial, education, government")
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "license_type",
            "market_segments",
            "is_education_device_license",
            "sku_new",
            "sku_renewal",
            "unit_price",
            "currency",
            "is_active",
        ]


class ProductFilterForm(ListFilterForm):
    """The catalogue's filters: an unknown licence type or segment is refused, naming it (never ignored)."""

    license_type = forms.ChoiceField(label=_("licence type"), required=False, choices=[("", ""), *LicenseType.choices])
    segment = forms.ChoiceField(label=_("market segment"), required=False, choices=[("", ""), *MarketSegment.choices])


class ProductListApi(GenericAPIView):
    permission_classes = [IsLicensingWebsiteOrConsoleUser]
    serializer_class = ProductOutput
    pagination_class = KeysetPagination

    def keyset_ordering(self, request) -> tuple[str, ...]:
        return CATALOGUE_ORDERING

    @extend_schema(
        parameters=[
            OpenApiParameter("license_type", str, enum=LicenseType.values),
            OpenApiParameter("segment", str, enum=MarketSegment.values, description=_("Sold to this segment")),
        ],
        responses={200: ProductOutput(many=True), **error_responses(400)},
        description=_("The product catalogue, by name: SKUs, licence type, segments and yearly unit price."),
    )
    def get(self, request):
        filters = ProductFilterForm(request.query_params)
        filters.raise_if_refused()
        products = catalogue_list(
            license_type=filters.cleaned_data.get("license_type") or "",
            segment=filters.cleaned_data.get("segment") or "",
        )
        page = self.paginate_queryset(products)
        return self.get_paginated_response(ProductOutput(page, many=True).data)


class ProductDetailApi(APIView):
    permission_classes = [IsLicensingWebsiteOrConsoleUser]

    @extend_schema(responses={200: ProductOutput, **error_responses(404)})
    def get(self, request, pk: int):
        product = Product.objects.filter(pk=pk).first()
        if product is None:
            raise Http404
        return Response(ProductOutput(product).data)
