"""The renewal API: the overview, a customer's renewal quantities and history, and renewal orders via the intake."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import services as pa
from catalogue.models import MarketSegment
from customers.models import CustomerEvent
from licences.models import Holding
from renewals import services
from renewals.models import Renewal, RenewalRow
from tests.error_shape import error_messages, has_error_at
from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerAdminFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
TODAY = ANNIVERSARY - timedelta(days=10)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    """A customer whose first order (5 Photoshop, 2 InDesign, 3 Photoshop users) set the anniversary 2026-03-10;
    the clock stands 10 days before it, with the overview filled."""
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    with time_machine.travel(FIRST_ORDER, tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(photoshop, 5), pa.LineRequest(indesign, 2)],
            actor=sales,
        )
        pa.order_place(
            order_number="FIRST",
            order_date=FIRST_ORDER,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5), pa.OrderLineRequest(indesign.sku_new, 2)],
            actor=ResellerAdminFactory(reseller=sales.reseller),
        )
        for n in range(3):
            pa.assignment_add(customer=customer, product=photoshop, email=f"user{n}@c.example", actor=sales)
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY
    with time_machine.travel(TODAY, tick=False):
        services.refresh_renewal_overview(on=TODAY)
        yield client_for(sales), sales, customer, photoshop, indesign


@pytest.fixture
def lws():
    return client_for(User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE))


def due_customer(reseller, anniversary, *, segment=MarketSegment.COMMERCIAL, products=None):
    """A customer with an anniversary and holdings, put in the overview as of TODAY."""
    customer = ActiveCustomerFactory(
        reseller=reseller, anniversary_date=anniversary, anniversary_day=anniversary.day, market_segment=segment
    )
    for product in products or [ProductFactory()]:
        Holding.objects.create(customer=customer, product=product, deployed=3)
    services.refresh_renewal_overview(on=TODAY)
    return customer


def overview(client, **params):
    response = client.get(reverse("api-renewal-overview"), params)
    assert response.status_code == 200, response.json()
    return response.json()


def ids(body):
    return [item["customer"] for item in body["results"]]


def renewal_body(customer, *lines, number="REN-1", order_date=TODAY):
    return {
        "order_type": "renewal",
        "order_number": number,
        "order_date": order_date.isoformat(),
        "vip_id": customer.vip_id,
        "lines": [{"sku": p.sku_renewal, "quantity": q} for p, q in lines],
    }


def patch(client, customer, *lines):
    return client.patch(reverse("api-customer-renewal", args=[customer.pk]), {"lines": list(lines)}, format="json")


def proposed(customer, product):
    return RenewalRow.objects.get(customer=customer, product=product).proposed_quantity


# ---------------------------------------------------------------------------
# The overview
# ---------------------------------------------------------------------------
def test_overview_lists_the_customer_with_its_renewal_lines(world):
    client, sales, customer, photoshop, indesign = world
    body = overview(client)
    assert (len(body["results"]), body["next"], body["previous"]) == (1, None, None)
    assert body["results"][0] == {
        "customer": customer.pk,
        "vip_id": customer.vip_id,
        "company_name": customer.company_name,
        "reseller": sales.reseller.partner_id,
        "anniversary_date": "2026-03-10",
        "days_left": 10,
        "window_state": "open",
        "lines": [
            {
                "sku": indesign.sku_renewal,
                "product": "InDesign",
                "quantity_held": 2,
                "assigned": 0,
                "proposed_quantity": 2,
            },
            {
                "sku": photoshop.sku_renewal,
                "product": "Photoshop",
                "quantity_held": 5,
                "assigned": 3,
                "proposed_quantity": 5,
            },
        ],
    }


def test_overview_filters_by_window_and_segment_and_sorts(world):
    client, sales, customer, *_ = world
    upcoming = due_customer(sales.reseller, TODAY + timedelta(days=60))
    grace = due_customer(sales.reseller, TODAY - timedelta(days=5), segment=MarketSegment.EDUCATION)
    not_due = due_customer(sales.reseller, TODAY + timedelta(days=200))

    assert ids(overview(client)) == [grace.pk, customer.pk, upcoming.pk]
    assert ids(overview(client, sort="-days_left")) == [upcoming.pk, customer.pk, grace.pk]
    assert ids(overview(client, window="open")) == [customer.pk]
    assert ids(overview(client, window="upcoming")) == [upcoming.pk]
    assert ids(overview(client, window="grace")) == [grace.pk]
    assert ids(overview(client, window="lapsed")) == []
    assert ids(overview(client, segment="education")) == [grace.pk]
    assert ids(overview(client, segment="education", window="open")) == []
    # Unknown values are refused, naming the parameter (the console shows the list without them and says so).
    refused = client.get(reverse("api-renewal-overview"), {"window": "soon", "sort": "name"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_filter"
    assert not_due.pk not in ids(overview(client))
    assert [item["window_state"] for item in overview(client)["results"]] == ["grace", "open", "upcoming"]


def test_resellers_see_only_their_customers(world):
    client, _sales, customer, photoshop, _ = world
    others = SalesFactory()
    theirs = due_customer(others.reseller, ANNIVERSARY)

    assert ids(overview(client)) == [customer.pk]
    # The reseller filter is for internal sales; reseller staff cannot use it to look elsewhere.
    assert ids(overview(client, reseller=others.reseller.pk)) == [customer.pk]
    assert ids(overview(client_for(others))) == [theirs.pk]
    assert client.get(reverse("api-customer-renewal", args=[theirs.pk])).status_code == 404
    sku = theirs.renewal_rows.get().product.sku_renewal
    assert patch(client, theirs, {"sku": sku, "quantity": 1}).status_code == 404
    assert theirs.renewal_rows.get().proposed_quantity == 3


def test_internal_sales_see_every_reseller_and_can_filter_by_one(world):
    _client, sales, customer, *_ = world
    others = SalesFactory()
    theirs = due_customer(others.reseller, ANNIVERSARY + timedelta(days=1))
    internal = client_for(InternalSalesFactory())

    assert ids(overview(internal)) == [customer.pk, theirs.pk]
    assert ids(overview(internal, reseller=others.reseller.pk)) == [theirs.pk]
    assert ids(overview(internal, reseller=sales.reseller.pk)) == [customer.pk]
    shown = internal.get(reverse("api-customer-renewal", args=[theirs.pk]))
    assert shown.status_code == 200 and shown.json()["reseller"] == others.reseller.partner_id


def test_the_lws_token_cannot_read_the_overview(lws):
    assert lws.get(reverse("api-renewal-overview")).status_code == 403


@pytest.mark.parametrize("size", [2, 20])
def test_overview_uses_a_fixed_number_of_queries(world, django_assert_num_queries, size):
    client, sales, _customer, photoshop, indesign = world
    for n in range(size):
        due_customer(sales.reseller, ANNIVERSARY + timedelta(days=n % 5), products=[photoshop, indesign])
    with django_assert_num_queries(3):  # page of customers with reseller (keyset: no count), rows, assigned
        body = overview(client)
    assert len(body["results"]) == size + 1
    assert all(len(item["lines"]) == 2 for item in body["results"])


# ---------------------------------------------------------------------------
# A customer's renewal: quantities and history
# ---------------------------------------------------------------------------
def test_customer_renewal_shows_the_entry_and_an_empty_history(world):
    client, _sales, customer, *_ = world
    body = client.get(reverse("api-customer-renewal", args=[customer.pk])).json()
    assert body["customer"] == customer.pk and body["days_left"] == 10 and body["window_state"] == "open"
    assert [line["product"] for line in body["lines"]] == ["InDesign", "Photoshop"]
    assert body["renewal_history"] == []


def test_a_customer_without_anniversary_has_no_renewal_yet(world):
    client, sales, *_ = world
    newcomer = ActiveCustomerFactory(reseller=sales.reseller)
    body = client.get(reverse("api-customer-renewal", args=[newcomer.pk])).json()
    assert (body["anniversary_date"], body["days_left"], body["window_state"]) == (None, None, None)
    assert body["lines"] == [] and body["renewal_history"] == []


def test_patch_sets_the_quantities(world):
    client, sales, customer, photoshop, indesign = world
    response = patch(
        client,
        customer,
        {"sku": photoshop.sku_renewal, "quantity": 4},
        {"sku": indesign.sku_renewal.lower(), "quantity": 1},
    )
    assert response.status_code == 200, response.json()
    assert [(ln["product"], ln["proposed_quantity"]) for ln in response.json()["lines"]] == [
        ("InDesign", 1),
        ("Photoshop", 4),
    ]
    row = RenewalRow.objects.get(customer=customer, product=photoshop)
    assert (row.proposed_quantity, row.quantity_edited_by) == (4, sales)


def test_patch_below_the_assigned_users_needs_confirmation(world):
    client, _sales, customer, photoshop, _ = world
    refused = patch(client, customer, {"sku": photoshop.sku_renewal, "quantity": 1})
    assert refused.status_code == 400
    assert refused.json()["code"] == "confirm_release"
    message = error_messages(refused, "lines.0.quantity")[0]
    assert "user2@c.example" in message and "user1@c.example" in message and "user0@c.example" not in message
    assert proposed(customer, photoshop) == 5

    confirmed = patch(client, customer, {"sku": photoshop.sku_renewal, "quantity": 1, "confirm_release": True})
    assert confirmed.status_code == 200
    assert proposed(customer, photoshop) == 1


def test_patch_is_all_or_nothing(world):
    client, _sales, customer, photoshop, indesign = world
    chosen = CustomerEvent.objects.filter(customer=customer, kind=CustomerEvent.Kind.RENEWAL_QUANTITY_CHOSEN)

    refused = patch(
        client,
        customer,
        {"sku": indesign.sku_renewal, "quantity": 1},
        {"sku": photoshop.sku_renewal, "quantity": 1},  # below the 3 users, not confirmed
    )
    unknown = patch(
        client,
        customer,
        {"sku": indesign.sku_renewal, "quantity": 1},
        {"sku": photoshop.sku_new, "quantity": 4},  # the new-purchase SKU is not a renewal SKU
    )
    stranger = patch(client, customer, {"sku": ProductFactory().sku_renewal, "quantity": 1})
    repeated = patch(
        client, customer, {"sku": indesign.sku_renewal, "quantity": 1}, {"sku": indesign.sku_renewal, "quantity": 2}
    )

    assert refused.status_code == 400 and refused.json()["code"] == "confirm_release"
    assert (
        unknown.status_code == 400
        and unknown.json()["code"] == "not_in_overview"
        and has_error_at(unknown, "lines.1.sku")
    )
    assert stranger.status_code == 400 and stranger.json()["code"] == "not_in_overview"
    assert repeated.status_code == 400 and repeated.json()["code"] == "repeated_product"
    assert (proposed(customer, indesign), proposed(customer, photoshop)) == (2, 5)
    assert not chosen.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"lines": []}, {"lines": [{"sku": "X", "quantity": -1}]}, {"lines": [{"sku": "X", "quantity": "many"}]}],
)
def test_patch_input_is_validated(world, body):
    client, _sales, customer, *_ = world
    response = client.patch(reverse("api-customer-renewal", args=[customer.pk]), body, format="json")
    assert response.status_code == 400 and has_error_at(response, "lines")


# ---------------------------------------------------------------------------
# Renewal orders through the order intake
# ---------------------------------------------------------------------------
def test_renewal_order_is_created_then_replayed_then_conflicts(world, lws):
    client, sales, customer, photoshop, indesign = world
    body = renewal_body(customer, (photoshop, 2), (indesign, 0))  # InDesign not renewed, explicitly

    first = lws.post(reverse("api-order-intake"), body, format="json")
    retry = lws.post(reverse("api-order-intake"), body, format="json")
    conflict = lws.post(
        reverse("api-order-intake"), renewal_body(customer, (photoshop, 3), (indesign, 0)), format="json"
    )

    assert first.status_code == 201, first.json()
    assert first.json() == {
        "id": Renewal.objects.get().pk,
        "order_number": "REN-1",
        "order_date": TODAY.isoformat(),
        "vip_id": customer.vip_id,
        "anniversary_before": "2026-03-10",
        "anniversary_after": "2027-03-10",
        "lines": [
            {
                "sku": indesign.sku_renewal,
                "product": "InDesign",
                "quantity_before": 2,
                "quantity_after": 0,
                "released_users": [],
            },
            {
                "sku": photoshop.sku_renewal,
                "product": "Photoshop",
                "quantity_before": 5,
                "quantity_after": 2,
                "released_users": ["user2@c.example"],
            },
        ],
    }
    assert retry.status_code == 200 and retry.json() == first.json()
    assert conflict.status_code == 409 and conflict.json()["code"] == "order_number_conflict"
    assert Renewal.objects.count() == 1

    shown = client.get(reverse("api-customer-renewal", args=[customer.pk])).json()
    assert shown["anniversary_date"] == "2027-03-10" and shown["window_state"] == "upcoming"
    assert shown["lines"] == []  # the renewed anniversary's rows are gone; the next ones come 90 days before
    history = shown["renewal_history"]
    assert len(history) == 1
    assert {k: history[0][k] for k in ("order_number", "order_date", "anniversary_before", "placed_by")} == {
        "order_number": "REN-1",
        "order_date": TODAY.isoformat(),
        "anniversary_before": "2026-03-10",
        "placed_by": "lws",
    }
    assert history[0]["lines"] == first.json()["lines"]


def test_renewal_outside_the_window_is_refused(world, lws):
    _client, _sales, customer, photoshop, indesign = world
    early = ANNIVERSARY - timedelta(days=31)
    response = lws.post(
        reverse("api-order-intake"),
        renewal_body(customer, (photoshop, 5), (indesign, 2), order_date=early),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "renewal_window_closed" and has_error_at(response, "order_date")
    assert not Renewal.objects.exists()


def test_renewal_of_an_inactive_account_is_refused(world, lws):
    _client, _sales, customer, photoshop, _ = world
    lapsed = ANNIVERSARY + timedelta(days=31)
    with time_machine.travel(lapsed, tick=False):
        assert services.remove_expired_access(on=lapsed) == [customer.pk]
        response = lws.post(
            reverse("api-order-intake"), renewal_body(customer, (photoshop, 5), order_date=lapsed), format="json"
        )
    assert response.status_code == 400 and response.json()["code"] == "account_inactive"
    assert not Renewal.objects.exists()


def test_the_lws_renews_any_customer_and_console_users_not_through_the_api(world, lws):
    # Issue 12: orders through the API, renewals included, are the licensing website's alone.
    _client, sales, customer, photoshop, indesign = world
    stranger = client_for(SalesFactory())
    internal = client_for(InternalSalesFactory())
    own_sales = client_for(sales)

    refused = [
        c.post(reverse("api-order-intake"), renewal_body(customer, (photoshop, 5), (indesign, 2)), format="json")
        for c in (stranger, internal, own_sales)
    ]
    unknown = lws.post(
        reverse("api-order-intake"),
        {**renewal_body(customer, (photoshop, 5), (indesign, 2)), "vip_id": "F" * 20},
        format="json",
    )
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_vip_id"
    assert not Renewal.objects.exists()

    accepted = lws.post(
        reverse("api-order-intake"), renewal_body(customer, (photoshop, 5), (indesign, 2)), format="json"
    )
    assert accepted.status_code == 201, accepted.json()
    assert Renewal.objects.get().placed_by.username == "lws"

    other = due_customer(SalesFactory().reseller, ANNIVERSARY)
    sku = other.renewal_rows.get().product.sku_renewal
    for_another_reseller = lws.post(
        reverse("api-order-intake"),
        {**renewal_body(other, number="REN-2"), "lines": [{"sku": sku, "quantity": 3}]},
        format="json",
    )
    assert for_another_reseller.status_code == 201, for_another_reseller.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vip_id": ""}, "vip_id"),
        ({"vip_id": None}, "vip_id"),
        ({"vip_id": "A" * 21}, "vip_id"),
        ({"order_type": "gift"}, "order_type"),
        ({"order_type": "new"}, "purchase_authorization"),
        ({"lines": [{"sku": "X", "quantity": -1}]}, "lines"),
    ],
)
def test_renewal_order_input_is_validated(world, lws, change, field):
    _client, _sales, customer, photoshop, _ = world
    body = {**renewal_body(customer, (photoshop, 5)), **change}
    if body["vip_id"] is None:
        del body["vip_id"]
    response = lws.post(reverse("api-order-intake"), body, format="json")
    assert response.status_code == 400 and has_error_at(response, field), response.json()
    assert not Renewal.objects.exists()


def test_renewal_lines_use_renewal_skus(world, lws):
    _client, _sales, customer, photoshop, _ = world
    body = {**renewal_body(customer), "lines": [{"sku": photoshop.sku_new, "quantity": 5}]}
    response = lws.post(reverse("api-order-intake"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "not_renewable" and has_error_at(response, "lines.0.sku")
