"""Every write of the VIP Marketplace API: its clients and their bearer tokens (the admin and the token URL call
these), and the customers /v3 creates and changes (through customers.services, with what only /v3 keeps)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Reseller, User
from customers import services as customer_services
from customers.models import Customer, CustomerEvent
from renewals import services as renewal_services
from resellerconsole.audit import Source, audit_source

from . import errors, mapping
from .models import AccessToken, ApiClient, ApiClientActor, CustomerProfile
from .selectors import token_hash

#: A client's last use is written at most this often.
LAST_USE_RESOLUTION = timedelta(minutes=1)
#: The last name of a client's users (stored, so not translated): staff lists show them as the client's.
SERVICE_USER_LAST_NAME = "(VIP Marketplace API)"


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _service_user(username: str, *, first_name: str, role: str = "", reseller: Reseller | None = None) -> User:
    # accounts has no service for users that never sign in; these rows are made here only.
    user = User(
        username=username[:150],
        first_name=first_name[:150],
        last_name=SERVICE_USER_LAST_NAME,
        role=role,
        reseller=reseller,
    )
    user.set_unusable_password()
    user.save()
    return user


@dataclass(frozen=True)
class NewSecret:
    client: ApiClient
    #: Shown once; only its hash is stored.
    secret: str


def api_client_create(*, name: str, resellers=(), is_active: bool = True, client: ApiClient | None = None) -> NewSecret:
    """A new client with its id, its secret (returned once) and its users at the given resellers. `client`: the
    unsaved row to fill (the admin's add form), else a new one."""
    secret = _new_secret()
    client = client or ApiClient()
    with transaction.atomic():
        client.name, client.is_active = name.strip(), is_active
        client.client_id = secrets.token_hex(16)
        client.secret_hash = make_password(secret)
        # The user /v3 requests authenticate as (throttles and X-Correlation-Id keys count against it). It sees
        # no customer and places nothing: every /v3 write runs as the client's user at the customer's reseller.
        client.user = _service_user(
            f"vipmp.{client.client_id}", first_name=client.name, role=User.Role.LICENSING_WEBSITE
        )
        client.save()
        client.resellers.set(resellers)
        api_client_sync_actors(client=client)
    return NewSecret(client, secret)


def api_client_new_secret(*, client: ApiClient) -> NewSecret:
    """Replace the secret (returned once); the tokens issued so far stop working."""
    secret = _new_secret()
    with transaction.atomic():
        ApiClient.objects.filter(pk=client.pk).update(secret_hash=make_password(secret))
        AccessToken.objects.filter(client=client).delete()
    client.refresh_from_db()
    return NewSecret(client, secret)


def api_client_sync_actors(*, client: ApiClient) -> None:
    """Give the client a user at each of its resellers (a Sales user with no usable password). A reseller
    taken away keeps its user, but no /v3 read reaches it any more (they join the client's resellers)."""
    with transaction.atomic():
        have = set(ApiClientActor.objects.filter(client=client).values_list("reseller_id", flat=True))
        for reseller in client.resellers.exclude(pk__in=have):
            user = _service_user(
                f"vipmp.{client.client_id}.{reseller.pk}",
                first_name=client.name,
                role=User.Role.SALES,
                reseller=reseller,
            )
            ApiClientActor.objects.create(client=client, reseller=reseller, user=user)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def access_token_issue(*, client: ApiClient) -> IssuedToken:
    """A new bearer token for VIPMP_TOKEN_SECONDS; the client's expired ones are forgotten on the way."""
    now = timezone.now()
    seconds = settings.VIPMP_TOKEN_SECONDS
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        AccessToken.objects.filter(client=client, expires_at__lte=now).delete()
        AccessToken.objects.create(
            client=client, token_hash=token_hash(token), created_at=now, expires_at=now + timedelta(seconds=seconds)
        )
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return IssuedToken(token, seconds)


def api_client_record_use(*, client: ApiClient, at) -> None:
    """At most once a minute per client, not on every request."""
    if client.last_used_at is None or client.last_used_at <= at - LAST_USE_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=at)
        client.last_used_at = at


# ---------------------------------------------------------------------------
# Customers through /v3 (customers.services does the work; only what /v3 keeps beside it is written here)
# ---------------------------------------------------------------------------
def _profile_values(*, external_reference_id: str | None, address: dict, contacts: list[dict] | None) -> dict:
    values: dict[str, Any] = (
        {"external_reference_id": external_reference_id} if external_reference_id is not None else {}
    )
    if "region" in address:
        values["region"] = address["region"]
    if "phoneNumber" in address:
        values["phone_number"] = address["phoneNumber"]
    if contacts is not None:
        values["contacts"] = mapping.profile_contacts(contacts)
    return values


def customer_create(*, client: ApiClient, actor: User, request: dict) -> Customer:
    """POST /v3/customers (validated `request`): the customer is created and invited at once, so its VIP ID —
    the customerId — exists from the start; the contacts become its VIP admins and get their invitations."""
    profile = request["companyProfile"]
    fields = mapping.customer_fields(profile)
    fields.setdefault("market_segment", mapping.SEGMENTS["COM"])  # Adobe's default
    with audit_source(Source.VIPMP, client.client_id):
        customer = customer_services.customer_create_and_invite(
            invite=True,
            reseller=actor.reseller,
            actor=actor,
            vip_admins=mapping.vip_admin_contacts(profile["contacts"]),
            **fields,
        )
        # customer_create_and_invite is a durable transaction of its own: these rows follow it (a failure here
        # leaves the customer without its marketplace reference, never a half-made customer).
        with transaction.atomic():
            CustomerProfile.objects.create(
                customer=customer,
                **_profile_values(
                    external_reference_id=request.get("externalReferenceId", ""),
                    address=profile["address"],
                    contacts=profile["contacts"],
                ),
            )
            # As Adobe's: a customer created through /v3 has its subscriptions auto-renew unless set otherwise.
            renewal_services.auto_renewal_default_set(customer=customer, enabled=True)
    return customer


def customer_change(*, client: ApiClient, actor: User, customer: Customer, request: dict) -> Customer:
    """PATCH /v3/customers/{id} (validated `request`): the companyProfile's fields that were sent change through
    customers.services (its rules, its history); what only /v3 keeps changes beside them, in one transaction."""
    _refuse_read_only(customer, request)
    profile_request = request.get("companyProfile", {})
    contacts = profile_request.get("contacts")
    with audit_source(Source.VIPMP, client.client_id), transaction.atomic():
        fields = mapping.customer_fields(profile_request)
        if fields or contacts is not None:
            customer_services.customer_update(
                customer=customer,
                actor=actor,
                vip_admins=mapping.vip_admin_contacts(contacts) if contacts is not None else None,
                **fields,
            )
        profile, _created = CustomerProfile.objects.select_for_update().get_or_create(customer=customer)
        values = _profile_values(
            external_reference_id=request.get("externalReferenceId"),
            address=profile_request.get("address", {}),
            contacts=contacts,
        )
        changed = {
            name: [getattr(profile, name), value] for name, value in values.items() if getattr(profile, name) != value
        }
        if changed:
            for name, (_before, value) in changed.items():
                setattr(profile, name, value)
            profile.save(update_fields=list(changed))
            recorded = {name: [str(before), str(after)] for name, (before, after) in changed.items()}
            customer_services.customer_event_record(customer, CustomerEvent.Kind.UPDATED, actor, changes=recorded)
    return customer


def _refuse_read_only(customer: Customer, request: dict) -> None:
    """resellerId and cotermDate may come back as read; a different value is a change /v3 does not make."""
    current = {
        "resellerId": customer.reseller.partner_id,
        "cotermDate": customer.anniversary_date.isoformat() if customer.anniversary_date else "",
    }
    different = [name for name, value in current.items() if name in request and request[name] != value]
    if different:
        raise errors.VipmpError(errors.NOT_EDITABLE, _("Some fields are not editable."), details=different)
