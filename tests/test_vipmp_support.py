"""What the VIP Marketplace API tests share: an API client for a reseller, its token, Adobe's headers, and a
create-customer body in the shape Adobe documents (our own values)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.test import Client

from tests.factories import ResellerFactory
from vipmp import services

TOKEN_URL = "/ims/token/v3"
CUSTOMERS_URL = "/v3/customers"


def make_client(*resellers, name="Marketplace Integration"):
    """An API client acting for `resellers`, and its secret."""
    created = services.api_client_create(name=name, resellers=resellers)
    return created.client, created.secret


def post_form(http: Client, path: str, params: dict):
    """As OAuth clients send it: application/x-www-form-urlencoded."""
    return http.post(path, urlencode(params), content_type="application/x-www-form-urlencoded")


def fetch_token(http: Client, client_id: str, secret: str) -> str:
    response = post_form(
        http,
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "openid,AdobeID,read_organizations",
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class V3:
    """A plain HTTP client speaking to /v3 as an integrator's client does: every call with the bearer token,
    X-Api-Key, JSON and a fresh X-Request-Id; writes with an X-Correlation-Id (fresh unless given)."""

    def __init__(self, api_client, secret: str):
        self.http = Client()
        self.client_id = api_client.client_id
        self.token = fetch_token(self.http, api_client.client_id, secret)

    def headers(self, correlation_id: str | None = None) -> dict:
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Api-Key": self.client_id,
            "Accept": "application/json",
            "X-Request-Id": str(uuid.uuid4()),
            "X-Correlation-Id": correlation_id or str(uuid.uuid4()),
        }

    def get(self, path: str, **kwargs):
        return self.http.get(path, headers=self.headers(), **kwargs)

    def post(self, path: str, body, *, correlation_id: str | None = None):
        return self.http.post(path, body, content_type="application/json", headers=self.headers(correlation_id))

    def patch(self, path: str, body, *, correlation_id: str | None = None):
        return self.http.patch(path, body, content_type="application/json", headers=self.headers(correlation_id))


def customer_body(reseller, **overrides) -> dict:
    """A create-customer request as Adobe's documentation shapes it."""
    body = {
        "resellerId": reseller.partner_id,
        "externalReferenceId": "MKT-7781",
        "companyProfile": {
            "companyName": "Lakeside Gymnasium",
            "preferredLanguage": "sv-SE",
            "marketSegment": "EDU",
            "address": {
                "country": "SE",
                "region": "AB",
                "city": "Uppsala",
                "addressLine1": "Sjövägen 12",
                "addressLine2": "Hus B",
                "postalCode": "752 36",
                "phoneNumber": "018-555 01 20",
            },
            "contacts": [
                {
                    "firstName": "Ingrid",
                    "lastName": "Lund Berg",
                    "email": "ingrid.berg@lakeside.example",
                    "phoneNumber": "070-555 12 34",
                }
            ],
        },
    }
    body.update(overrides)
    return body


def northwind():
    return ResellerFactory(name="Northwind Partners AB", partner_id="NW-1001")
