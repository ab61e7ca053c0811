"""Adobe's names and values ↔ ours, in one place: languages, market segments, countries, customer statuses,
contacts, and a customer as Adobe's customer resource (docs/vip-marketplace-api.md lists the mapping)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django_countries import countries

from authorizations.selectors import volume_level
from catalogue.models import MarketSegment
from customers.models import Customer, CustomerStatus, Language
from customers.services import VipAdminContact

from .selectors import CustomerResource

#: Adobe's market segments → ours.
SEGMENTS = {"COM": MarketSegment.COMMERCIAL, "EDU": MarketSegment.EDUCATION, "GOV": MarketSegment.GOVERNMENT}
SEGMENT_CODES = {ours: code for code, ours in SEGMENTS.items()}
#: The language tag /v3 answers for each of our languages (Adobe: an IETF tag such as "en-US").
LANGUAGE_TAGS = {Language.ENGLISH: "en-US", Language.SWEDISH: "sv-SE"}

#: Adobe's status codes for a customer account: 1000 active, 1002 pending, 1004 inactive. An account is Delayed
#: (an overdue purchase authorization) beside its status: it answers the status it returns to.
ACTIVE, PENDING, INACTIVE = "1000", "1002", "1004"


def language_from_tag(tag: str) -> str | None:
    """ "en-US", "en_GB", "EN", "sv-SE" … → our language (the primary subtag decides); None if we have none."""
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in Language.values else None


def country_from_code(code: str) -> str:
    """ISO 3166 alpha-2 or alpha-3 → alpha-2; anything else as sent (the customer's own check refuses it)."""
    code = code.strip().upper()
    # ASCII only: django-countries also reads numeric codes, and its int() fails on digits such as "²".
    if not (code.isascii() and code.isalnum()):
        return code
    return countries.alpha2(code) or code


def customer_status_code(customer: Customer) -> str:
    if customer.status == CustomerStatus.INACTIVE:
        return INACTIVE
    if customer.status == CustomerStatus.ACTIVE:
        return ACTIVE
    if customer.status == CustomerStatus.DELAYED and customer.invitation_accepted_at is not None:
        return ACTIVE
    return PENDING  # invited, not accepted yet (or, without a VIP ID, unreachable through /v3)


def contact_name(first_name: str, last_name: str) -> str:
    """A VIP admin's one name field from Adobe's two."""
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def contact_names(name: str, stored: dict | None) -> tuple[str, str]:
    """Adobe's first and last name of a VIP admin: as /v3 was told them while the name is unchanged, else the
    name split before its last word."""
    if stored and contact_name(stored.get("firstName", ""), stored.get("lastName", "")) == name:
        return stored.get("firstName", ""), stored.get("lastName", "")
    first, _space, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def customer_body(resource: CustomerResource) -> dict:
    """The customer as Adobe's customer resource."""
    customer, profile = resource.customer, resource.profile
    contacts = profile.contacts or {}
    uri = reverse("vipmp-customer", kwargs={"customer_id": customer.vip_id})
    return {
        "customerId": customer.vip_id,
        "resellerId": customer.reseller.partner_id,
        "externalReferenceId": profile.external_reference_id,
        "globalSalesEnabled": False,
        "companyProfile": {
            "companyName": customer.company_name,
            "preferredLanguage": LANGUAGE_TAGS.get(customer.preferred_language, customer.preferred_language),
            "marketSegment": SEGMENT_CODES.get(customer.market_segment, customer.market_segment),
            "address": {
                "country": customer.country.code,
                "region": profile.region,
                "city": customer.city,
                "addressLine1": customer.address_line1,
                "addressLine2": customer.address_line2,
                "postalCode": customer.postal_code,
                "phoneNumber": profile.phone_number,
            },
            "contacts": [_contact(admin, contacts.get(admin.email.lower())) for admin in customer.vip_admins.all()],
        },
        # Our volume level by licences held; a customer holding none yet is at level 1, as its first order.
        "discounts": [{"offerType": "LICENSE", "level": f"{volume_level(max(resource.licences_held, 1)):02d}"}],
        "cotermDate": customer.anniversary_date.isoformat() if customer.anniversary_date else "",
        "creationDate": _utc(customer.created_at),
        "status": customer_status_code(customer),
        "links": {"self": {"uri": uri, "method": "GET", "headers": []}},
    }


def _contact(admin, stored: dict | None) -> dict:
    first, last = contact_names(admin.name, stored)
    return {
        "firstName": first,
        "lastName": last,
        "email": admin.email,
        "phoneNumber": (stored or {}).get("phoneNumber", ""),
    }


def profile_contacts(contacts: list[dict]) -> dict:
    """What CustomerProfile keeps of the contacts Adobe's request named, by e-mail."""
    return {
        c["email"].strip().lower(): {
            "firstName": c["firstName"].strip(),
            "lastName": c["lastName"].strip(),
            "phoneNumber": c.get("phoneNumber", "").strip(),
        }
        for c in contacts
    }


def customer_fields(company_profile: dict) -> dict:
    """Our customer's fields from the parts of Adobe's companyProfile that were sent (validated input)."""
    fields: dict = {}
    if "companyName" in company_profile:
        fields["company_name"] = company_profile["companyName"]
    if "preferredLanguage" in company_profile:
        fields["preferred_language"] = company_profile["preferredLanguage"]
    if "marketSegment" in company_profile:
        fields["market_segment"] = company_profile["marketSegment"]
    address = company_profile.get("address", {})
    for ours, adobe in (
        ("address_line1", "addressLine1"),
        ("address_line2", "addressLine2"),
        ("postal_code", "postalCode"),
        ("city", "city"),
        ("country", "country"),
    ):
        if adobe in address:
            fields[ours] = address[adobe]
    return fields


def vip_admin_contacts(contacts: list[dict]) -> list[VipAdminContact]:
    return [VipAdminContact(name=contact_name(c["firstName"], c["lastName"]), email=c["email"]) for c in contacts]
