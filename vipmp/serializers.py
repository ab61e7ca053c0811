"""The shapes /v3 accepts (Adobe's names). They check the shape and translate Adobe's values; whether the
values are acceptable is the customers app's to say (its services refuse, and errors.py names Adobe's field)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from resellerconsole.serializers import StrictInput

from . import errors, mapping

NOT_SUPPORTED = _("Not supported by this service.")


class Address(StrictInput, serializers.Serializer):
    country = serializers.CharField(max_length=3)
    region = serializers.CharField(max_length=255, required=False, allow_blank=True)
    city = serializers.CharField()
    addressLine1 = serializers.CharField()
    addressLine2 = serializers.CharField(required=False, allow_blank=True)
    postalCode = serializers.CharField()
    phoneNumber = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def validate_country(self, value: str) -> str:
        return mapping.country_from_code(value)


class Contact(StrictInput, serializers.Serializer):
    firstName = serializers.CharField(max_length=60)
    lastName = serializers.CharField(max_length=60)
    email = serializers.EmailField(max_length=254)
    phoneNumber = serializers.CharField(max_length=40, required=False, allow_blank=True)


def _empty(value):
    if value:
        raise serializers.ValidationError(NOT_SUPPORTED, code="invalid")
    return value


class CompanyProfile(StrictInput, serializers.Serializer):
    companyName = serializers.CharField()
    preferredLanguage = serializers.CharField(max_length=40)
    marketSegment = serializers.CharField(required=False)
    marketSubSegments = serializers.ListField(required=False, validators=[_empty])
    address = Address()
    contacts = Contact(many=True, min_length=1, max_length=20)

    def validate_preferredLanguage(self, value: str) -> str:
        language = mapping.language_from_tag(value)
        if language is None:
            tags = ", ".join(mapping.LANGUAGE_TAGS.values())
            raise serializers.ValidationError(_("Use one of %(tags)s.") % {"tags": tags}, code="invalid")
        return language

    def validate_marketSegment(self, value: str) -> str:
        if value not in mapping.SEGMENTS:
            raise serializers.ValidationError(
                _("Use one of %(codes)s.") % {"codes": ", ".join(mapping.SEGMENTS)}, code=errors.INVALID_MARKET_SEGMENT
            )
        return mapping.SEGMENTS[value]


class CustomerCreate(StrictInput, serializers.Serializer):
    """POST /v3/customers. Adobe's fields we do not support are accepted only empty (false)."""

    resellerId = serializers.CharField(max_length=40)
    externalReferenceId = serializers.CharField(max_length=35, required=False, allow_blank=True)
    companyProfile = CompanyProfile()
    globalSalesEnabled = serializers.BooleanField(required=False, validators=[_empty])
    benefits = serializers.ListField(required=False, validators=[_empty])
    #: Set by the first order (our anniversary), never by the request.
    cotermDate = serializers.CharField(required=False, allow_blank=True, validators=[_empty])


class AddressUpdate(Address):
    country = serializers.CharField(max_length=3, required=False)
    city = serializers.CharField(required=False)
    addressLine1 = serializers.CharField(required=False)
    postalCode = serializers.CharField(required=False)


class CompanyProfileUpdate(CompanyProfile):
    companyName = serializers.CharField(required=False)
    preferredLanguage = serializers.CharField(max_length=40, required=False)
    address = AddressUpdate(required=False)
    #: When sent, the whole list: contacts left out stop being VIP admins (customers.services' rule).
    contacts = Contact(many=True, min_length=1, max_length=20, required=False)


class CustomerUpdate(CustomerCreate):
    """PATCH /v3/customers/{id}: every part optional. resellerId and cotermDate may be sent back as read (they
    cannot change: 1119)."""

    resellerId = serializers.CharField(max_length=40, required=False)
    companyProfile = CompanyProfileUpdate(required=False)
    cotermDate = serializers.CharField(required=False, allow_blank=True)
