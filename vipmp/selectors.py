"""Reads of the VIP Marketplace API: credentials and tokens, the user a client acts as at a reseller, and
what a /v3 customer resource shows beyond our Customer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F

from accounts.models import User
from authorizations.selectors import holdings_for
from customers.models import Customer
from customers.selectors import customer_get

from .models import AccessToken, ApiClient, ApiClientActor, CustomerProfile


def token_hash(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 (no salt, no stretching) is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_authenticate(*, client_id: str, secret: str) -> ApiClient | None:
    """The active client these credentials belong to, or None (an unknown id costs as much as a wrong secret)."""
    client = ApiClient.objects.filter(client_id=client_id).first() if client_id else None
    if client is None:
        make_password(secret)  # as long as checking a wrong secret takes
        return None
    if not check_password(secret, client.secret_hash) or not client.is_active:
        return None
    return client


def access_token_find(token: str) -> AccessToken | None:
    """The token's row with its client and the client's user (one query), whether or not it is still valid."""
    return AccessToken.objects.select_related("client__user").filter(token_hash=token_hash(token)).first()


def _actors(client: ApiClient):
    # Only through the client's resellers as they are now: a reseller taken away is out of reach at once.
    return ApiClientActor.objects.filter(client=client, reseller__api_clients=client, user__is_active=True)


def actor_for_reseller(*, client: ApiClient, partner_id: str) -> User | None:
    """The user `client` acts as at the reseller with this partner ID, if the client may act for it."""
    actor = _actors(client).filter(reseller__partner_id=partner_id).select_related("user__reseller").first()
    return actor.user if actor is not None else None


def customer_for_client(*, client: ApiClient, vip_id: str) -> tuple[User, Customer] | None:
    """The customer with this VIP ID if it belongs to one of the client's resellers, read as the client's user
    at that reseller (customers.selectors' tenancy applies); None otherwise."""
    actor = (
        _actors(client)
        .filter(reseller__customers__vip_id=vip_id)
        .annotate(customer_pk=F("reseller__customers__pk"))
        .select_related("user")
        .first()
    )
    if actor is None:
        return None
    return actor.user, customer_get(user=actor.user, pk=actor.customer_pk)


@dataclass(frozen=True)
class CustomerResource:
    """A customer as /v3 shows it: our Customer (with its VIP admins), what /v3 keeps beside it, and the
    licences held (the volume level's base)."""

    customer: Customer
    profile: CustomerProfile
    licences_held: int


def customer_resource(*, customer: Customer) -> CustomerResource:
    """Two to three queries beyond the customer's own (holdings_for's), whatever the customer holds."""
    profile = CustomerProfile.objects.filter(customer=customer).first() or CustomerProfile(customer=customer)
    held = sum(row.deployed for row in holdings_for(customer=customer))
    return CustomerResource(customer, profile, held)


def client_reseller_ids(*, client: ApiClient) -> list[int]:
    """The resellers the client reaches now (those given to it, with an active user there), by id."""
    return list(_actors(client).order_by("reseller_id").values_list("reseller_id", flat=True))
