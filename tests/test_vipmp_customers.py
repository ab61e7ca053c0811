"""VIP Marketplace API: POST /v3/customers, GET and PATCH /v3/customers/{customerId}, in Adobe's request and
response shapes; tenancy between clients; the audit channel; constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from authorizations import services as pa_services
from customers.models import Customer, CustomerEvent, CustomerStatus
from licences.models import Holding
from notifications.models import OutboundEmail
from resellerconsole.audit import Source
from tests.factories import ActiveCustomerFactory, InvitedCustomerFactory, ProductFactory, ResellerFactory
from tests.test_vipmp_support import CUSTOMERS_URL, V3, customer_body, make_client, northwind
from vipmp.models import ApiClient, ApiClientActor

pytestmark = pytest.mark.django_db


@pytest.fixture
def reseller(db):
    return northwind()


@pytest.fixture
def api(reseller):
    return V3(*make_client(reseller))


def created(api, reseller, **overrides) -> dict:
    response = api.post(CUSTOMERS_URL, customer_body(reseller, **overrides))
    assert response.status_code == 201, response.content
    return response.json()


def invitations(customer) -> list[list[str]]:
    """The invitation e-mails queued for the customer, oldest first."""
    rows = OutboundEmail.objects.filter(customer=customer, kind=OutboundEmail.Kind.INVITATION).order_by("pk")
    return [row.recipients for row in rows]


def assert_refused(response, status: int, code: str, details=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "additionalDetails"}
    assert body["code"] == code and body["message"]
    if details is not None:
        assert body["additionalDetails"] == details
    return body


# ---------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------
def test_create_issues_the_vip_id_at_once_and_answers_adobes_customer_resource(api, reseller):
    body = created(api, reseller)

    customer = Customer.objects.get()
    assert body["customerId"] == customer.vip_id and len(customer.vip_id) == 20
    assert customer.status == CustomerStatus.INVITATION_SENT
    assert body["status"] == "1002"  # pending until the invitation is accepted
    assert body["resellerId"] == "NW-1001"
    assert body["externalReferenceId"] == "MKT-7781"
    assert body["cotermDate"] == ""  # set by the first order
    assert body["discounts"] == [{"offerType": "LICENSE", "level": "01"}]
    assert body["creationDate"].endswith("Z")
    assert body["links"]["self"] == {"uri": f"/v3/customers/{customer.vip_id}", "method": "GET", "headers": []}
    assert body["companyProfile"] == customer_body(reseller)["companyProfile"]


def test_create_maps_adobes_values_to_ours(api, reseller):
    created(api, reseller)
    customer = Customer.objects.get()
    assert (customer.company_name, customer.reseller) == ("Lakeside Gymnasium", reseller)
    assert (customer.market_segment, customer.preferred_language) == ("education", "sv")
    assert (customer.address_line1, customer.address_line2, customer.postal_code, customer.city) == (
        "Sjövägen 12",
        "Hus B",
        "752 36",
        "Uppsala",
    )
    assert customer.country.code == "SE"
    assert [(a.name, a.email) for a in customer.vip_admins.all()] == [
        ("Ingrid Lund Berg", "ingrid.berg@lakeside.example")
    ]
    # The contacts are the VIP admins, and they get their invitations.
    assert invitations(customer) == [["ingrid.berg@lakeside.example"]]


def test_create_accepts_alpha3_countries_other_tags_and_defaults_to_commercial(api, reseller):
    body = customer_body(reseller)
    body["companyProfile"].pop("marketSegment")
    body["companyProfile"]["preferredLanguage"] = "EN_GB"
    body["companyProfile"]["address"]["country"] = "SWE"
    answer = api.post(CUSTOMERS_URL, body).json()
    customer = Customer.objects.get()
    assert (customer.market_segment, customer.preferred_language, customer.country.code) == ("commercial", "en", "SE")
    assert answer["companyProfile"]["marketSegment"] == "COM"
    assert answer["companyProfile"]["preferredLanguage"] == "en-US"


def test_every_change_is_recorded_on_the_vip_marketplace_channel_with_the_clients_id(api, reseller):
    created(api, reseller)
    customer = Customer.objects.get()
    actor = ApiClientActor.objects.get(client__client_id=api.client_id, reseller=reseller).user
    events = list(customer.events.order_by("pk"))
    assert {e.kind for e in events} >= {CustomerEvent.Kind.CREATED, CustomerEvent.Kind.INVITATION_SENT}
    assert {(e.source, e.source_detail, e.actor_id) for e in events} == {(Source.VIPMP, api.client_id, actor.pk)}
    assert customer.created_by == actor and actor.reseller == reseller and actor.role == "sales"
    assert not actor.has_usable_password()


@pytest.mark.parametrize(
    ("change", "code", "details"),
    [
        (lambda b: b["companyProfile"].pop("companyName"), "1122", ["companyProfile.companyName"]),
        (lambda b: b.update(nickname="x"), "1121", ["nickname"]),
        (lambda b: b["companyProfile"]["address"].update(county="x"), "1121", ["companyProfile.address.county"]),
        (lambda b: b["companyProfile"].update(preferredLanguage="fr-FR"), "1117", ["companyProfile.preferredLanguage"]),
        (lambda b: b["companyProfile"].update(marketSegment="NGO"), "2135", ["companyProfile.marketSegment"]),
        (
            lambda b: b["companyProfile"]["contacts"][0].update(email="not-an-address"),
            "1117",
            ["companyProfile.contacts[0].email"],
        ),
        # Our own limit (Customer.postal_code), named as Adobe names the field.
        (
            lambda b: b["companyProfile"]["address"].update(postalCode="9" * 25),
            "1117",
            ["companyProfile.address.postalCode"],
        ),
        (lambda b: b["companyProfile"].update(contacts=[]), "1117", ["companyProfile.contacts"]),
        # Found by the fuzzer: a superscript digit is a digit to str.isdigit() but not to int().
        (lambda b: b["companyProfile"]["address"].update(country="²"), "1117", ["companyProfile.address.country"]),
        (lambda b: b["companyProfile"]["address"].update(country="XX"), "1117", ["companyProfile.address.country"]),
        (lambda b: b.update(globalSalesEnabled=True), "1117", ["globalSalesEnabled"]),
        (lambda b: b.update(cotermDate="2031-01-01"), "1117", ["cotermDate"]),
    ],
)
def test_refused_input_answers_adobes_codes_and_names_the_fields(api, reseller, change, code, details):
    body = customer_body(reseller)
    change(body)
    assert_refused(api.post(CUSTOMERS_URL, body), 400, code, details)
    assert not Customer.objects.exists()


def test_several_problems_answer_1117_with_every_field(api, reseller):
    body = customer_body(reseller)
    body["companyProfile"].pop("companyName")
    body["companyProfile"]["address"]["addressLine1"] = ""
    answer = assert_refused(api.post(CUSTOMERS_URL, body), 400, "1117")
    assert set(answer["additionalDetails"]) == {"companyProfile.companyName", "companyProfile.address.addressLine1"}


def test_a_second_customer_with_the_same_name_is_1127(api, reseller):
    created(api, reseller)
    body = customer_body(reseller)
    body["companyProfile"]["contacts"][0]["email"] = "someone.else@lakeside.example"
    assert_refused(api.post(CUSTOMERS_URL, body), 400, "1127", ["companyProfile.companyName"])
    assert Customer.objects.count() == 1


def test_a_reseller_the_client_does_not_act_for_is_1115(api, reseller):
    stranger = ResellerFactory(partner_id="OTHER-9")
    for partner_id in ("OTHER-9", "NO-SUCH-RESELLER"):
        body = customer_body(stranger, resellerId=partner_id)
        assert_refused(api.post(CUSTOMERS_URL, body), 404, "1115", ["resellerId"])
    assert not Customer.objects.exists()


def test_a_reseller_taken_from_the_client_is_out_of_reach_at_once(api, reseller):
    customer_id = created(api, reseller)["customerId"]
    ApiClient.objects.get(client_id=api.client_id).resellers.clear()
    assert_refused(api.get(f"{CUSTOMERS_URL}/{customer_id}"), 404, "1116")
    assert_refused(api.post(CUSTOMERS_URL, customer_body(reseller)), 404, "1115")


def test_a_client_for_two_resellers_creates_for_each_as_its_user_there(reseller):
    second = ResellerFactory(partner_id="NW-2002")
    api = V3(*make_client(reseller, second))
    created(api, reseller)
    other = customer_body(second)
    other["companyProfile"]["companyName"] = "Hillside School"
    api.post(CUSTOMERS_URL, other)
    assert sorted(Customer.objects.values_list("reseller__partner_id", "created_by__reseller__partner_id")) == [
        ("NW-1001", "NW-1001"),
        ("NW-2002", "NW-2002"),
    ]


# ---------------------------------------------------------------------------
# Get
# ---------------------------------------------------------------------------
def test_get_answers_the_customer_as_created(api, reseller):
    body = created(api, reseller)
    assert api.get(f"{CUSTOMERS_URL}/{body['customerId']}").json() == body


def test_get_reads_customers_made_in_the_console_too(api, reseller):
    customer = ActiveCustomerFactory(reseller=reseller, vip_admins=[("Per Olof Ek", "per@ek.example")])
    customer.anniversary_date = dt.date(2027, 3, 14)
    customer.save()
    body = api.get(f"{CUSTOMERS_URL}/{customer.vip_id}").json()
    assert body["status"] == "1000" and body["cotermDate"] == "2027-03-14"
    assert body["externalReferenceId"] == "" and body["companyProfile"]["address"]["region"] == ""
    assert body["companyProfile"]["contacts"] == [
        {"firstName": "Per Olof", "lastName": "Ek", "email": "per@ek.example", "phoneNumber": ""}
    ]
    assert body["companyProfile"]["marketSegment"] == "COM"


@pytest.mark.parametrize(
    ("status", "accepted", "code"),
    [
        (CustomerStatus.INVITATION_SENT, False, "1002"),
        (CustomerStatus.ACTIVE, True, "1000"),
        (CustomerStatus.DELAYED, True, "1000"),
        (CustomerStatus.DELAYED, False, "1002"),
        (CustomerStatus.INACTIVE, True, "1004"),
    ],
)
def test_statuses_are_adobes_codes(api, reseller, status, accepted, code):
    customer = InvitedCustomerFactory(
        reseller=reseller, status=status, invitation_accepted_at=timezone.now() if accepted else None
    )
    assert api.get(f"{CUSTOMERS_URL}/{customer.vip_id}").json()["status"] == code


def test_discounts_show_our_volume_level(api, reseller):
    customer = ActiveCustomerFactory(reseller=reseller)
    product = ProductFactory()
    pa_services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa_services.LineRequest(product, 12)],
        actor=customer.created_by or ApiClientActor.objects.get(reseller=reseller).user,
    )
    assert api.get(f"{CUSTOMERS_URL}/{customer.vip_id}").json()["discounts"] == [
        {"offerType": "LICENSE", "level": "02"}
    ]


def test_unknown_customers_are_1116(api):
    assert_refused(api.get(f"{CUSTOMERS_URL}/{'A' * 20}"), 404, "1116")
    assert_refused(api.get(f"{CUSTOMERS_URL}/not-a-vip-id"), 404, "1116")


def test_get_takes_the_same_queries_whatever_the_customer_holds(api, reseller):
    small = ActiveCustomerFactory(reseller=reseller)
    large = ActiveCustomerFactory(
        reseller=reseller, vip_admins=[(f"Admin {n} Person", f"admin{n}@large.example") for n in range(6)]
    )
    actor = ApiClientActor.objects.get(reseller=reseller).user
    for product, quantity in ((ProductFactory(), 40), (ProductFactory(), 70)):
        pa_services.purchase_authorization_create(
            customer=large, license_type="team", lines=[pa_services.LineRequest(product, quantity)], actor=actor
        )
    api.get(f"{CUSTOMERS_URL}/{small.vip_id}")  # the client's last use is written once a minute
    counts = []
    for customer in (small, large, small):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{CUSTOMERS_URL}/{customer.vip_id}").status_code == 200
        counts.append(len(queries))
    # The token (with its client), the client's user at the reseller, the customer, its VIP admins, what /v3
    # keeps of it, and the holdings (volume level): 7, for one VIP admin and nothing held as for six and 110.
    assert counts == [7, 7, 7], counts


# ---------------------------------------------------------------------------
# Patch
# ---------------------------------------------------------------------------
def test_patch_changes_the_company_profile_through_our_rules(api, reseller):
    customer_id = created(api, reseller)["customerId"]
    change = {
        "externalReferenceId": "MKT-7781-B",
        "companyProfile": {
            "companyName": "Lakeside Upper School",
            "preferredLanguage": "en-US",
            "address": {
                "country": "SE",
                "region": "C",
                "city": "Uppsala",
                "addressLine1": "Sjövägen 14",
                "postalCode": "752 37",
                "phoneNumber": "018-555 01 99",
            },
            "contacts": [
                {"firstName": "Ingrid", "lastName": "Lund Berg", "email": "ingrid.berg@lakeside.example"},
                {"firstName": "Omar", "lastName": "Said", "email": "omar.said@lakeside.example", "phoneNumber": "1"},
            ],
        },
    }
    response = api.patch(f"{CUSTOMERS_URL}/{customer_id}", change)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["externalReferenceId"] == "MKT-7781-B"
    profile = body["companyProfile"]
    assert (profile["companyName"], profile["preferredLanguage"], profile["marketSegment"]) == (
        "Lakeside Upper School",
        "en-US",
        "EDU",  # not sent: unchanged
    )
    assert profile["address"]["addressLine2"] == "Hus B"  # not sent: unchanged
    assert profile["address"]["region"] == "C" and profile["address"]["postalCode"] == "752 37"
    assert [c["email"] for c in profile["contacts"]] == ["ingrid.berg@lakeside.example", "omar.said@lakeside.example"]
    customer = Customer.objects.get(vip_id=customer_id)
    assert (customer.company_name, customer.preferred_language, customer.address_line1) == (
        "Lakeside Upper School",
        "en",
        "Sjövägen 14",
    )
    assert customer.vip_admins.count() == 2
    # The added contact is invited; every event is on the VIP Marketplace channel.
    assert invitations(customer)[-1] == ["omar.said@lakeside.example"]
    updates = customer.events.filter(kind=CustomerEvent.Kind.UPDATED)
    assert updates.exists() and set(updates.values_list("source", "source_detail")) == {(Source.VIPMP, api.client_id)}
    assert api.get(f"{CUSTOMERS_URL}/{customer_id}").json() == body


def test_patch_accepts_read_only_fields_sent_back_unchanged_and_refuses_changes(api, reseller):
    answer = created(api, reseller)
    url = f"{CUSTOMERS_URL}/{answer['customerId']}"
    same = {"resellerId": answer["resellerId"], "cotermDate": "", "externalReferenceId": "R2"}
    assert api.patch(url, same).status_code == 200
    assert_refused(api.patch(url, {"cotermDate": "2030-01-01"}), 400, "1119", ["cotermDate"])
    assert_refused(api.patch(url, {"resellerId": "NW-2002"}), 400, "1119", ["resellerId"])
    assert_refused(api.patch(url, {"companyProfile": {"marketSegment": "XYZ"}}), 400, "2135")
    assert_refused(api.patch(url, {"companyProfile": {"contacts": [{"email": "a@b.example"}]}}), 400, "1122")


def test_an_empty_patch_changes_nothing(api, reseller):
    answer = created(api, reseller)
    events = CustomerEvent.objects.count()
    assert api.patch(f"{CUSTOMERS_URL}/{answer['customerId']}", {}).json() == answer
    assert CustomerEvent.objects.count() == events


# ---------------------------------------------------------------------------
# Tenancy: a client of another reseller gets 404 on every /v3 URL
# ---------------------------------------------------------------------------
def v3_routes():
    def walk(entries, prefix=""):
        for entry in entries:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and prefix.startswith("v3/"):
                yield entry

    return list(walk(get_resolver().url_patterns))


def holding_for(customer):
    """A subscription of the customer: a pending purchase authorization deploys one (it is listed as pending)."""
    product = ProductFactory(for_education=True)
    pa_services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa_services.LineRequest(product, 3)],
        actor=ApiClientActor.objects.get(reseller=customer.reseller).user,
    )
    return Holding.objects.get(customer=customer, product=product)


def test_a_client_of_another_reseller_gets_404_on_every_v3_url(api, reseller):
    body = created(api, reseller)
    customer_id = body["customerId"]
    outsider = V3(*make_client(ResellerFactory(partner_id="FAR-77"), name="Far away integration"))
    subscription_id = holding_for(Customer.objects.get(vip_id=customer_id)).pk
    paths = {
        "vipmp-customers": CUSTOMERS_URL,
        "vipmp-customer": f"{CUSTOMERS_URL}/{customer_id}",
        "vipmp-orders": f"{CUSTOMERS_URL}/{customer_id}/orders",
        "vipmp-order": f"{CUSTOMERS_URL}/{customer_id}/orders/VM00000001",
        "vipmp-subscriptions": f"{CUSTOMERS_URL}/{customer_id}/subscriptions",
        "vipmp-subscription": f"{CUSTOMERS_URL}/{customer_id}/subscriptions/{subscription_id}",
        # Not one customer's: the outsider's own list (empty), or a refusal; never the customer (below).
        "vipmp-notifications": "/v3/notifications",
        "vipmp-not-found": f"/v3/customers/{customer_id}/anything",
    }
    own_lists = {"vipmp-notifications"}
    routes = v3_routes()
    assert {route.name for route in routes} == set(paths), "a new /v3 URL: add it to this test's paths"
    secrets = [customer_id, "Lakeside", "ingrid.berg", "MKT-7781"]
    for route in routes:
        for method in ("get", "post", "patch", "put", "delete"):
            send = getattr(outsider.http, method)
            response = send(
                paths[route.name],
                customer_body(reseller, resellerId=reseller.partner_id),
                content_type="application/json",
                headers=outsider.headers(),
            )
            where = f"{method.upper()} {paths[route.name]} answered {response.status_code}"
            if route.name in own_lists and method == "get":
                assert response.status_code in (200, 400, 404), where
            else:
                assert response.status_code in (404, 405), where
                assert response.json()["code"] in ("1115", "1116", "404", "405"), where
            assert not [s for s in secrets if s in response.content.decode()], where
        if route.name in own_lists:
            query = {"notification-type": "LICENSES_PENDING_PARTNER_ORDER"}
            mine = outsider.get(paths[route.name], data=query).json()
            assert (mine["totalCount"], mine["items"]) == (0, [])
            theirs = outsider.get(paths[route.name], data={**query, "reseller-id": reseller.partner_id})
            assert theirs.status_code == 404 and theirs.json()["code"] == "1115"
    assert Customer.objects.count() == 1
    assert api.get(f"{CUSTOMERS_URL}/{customer_id}").json() == body
