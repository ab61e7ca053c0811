"""Issue 12, order intake: who may place orders (1), renewals name every held product (2), order numbers of
orders the caller cannot see (16), and the LWS reading back its orders plus the product catalogue (22)."""

import json
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import services as pa
from authorizations.models import Order, PurchaseAuthorization
from customers.models import CustomerEvent
from renewals import services as renewals
from renewals.models import Renewal
from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerAdminFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db
INTAKE = "api-order-intake"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def lws_user(name="lws") -> User:
    return User.objects.create_user(name, role=User.Role.LICENSING_WEBSITE)


def pending_pa(customer, *lines) -> PurchaseAuthorization:
    return pa.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa.LineRequest(product, quantity) for product, quantity in lines],
        actor=ResellerAdminFactory(reseller=customer.reseller),
    )


def new_order_body(authorization, number="LWS-1", **change):
    body = {
        "order_number": number,
        "order_date": pa.today().isoformat(),
        "purchase_authorization": authorization.reference,
        "lines": [{"sku": ln.product.sku_new, "quantity": ln.quantity} for ln in authorization.lines.all()],
    }
    return {**body, **change}


# ---------------------------------------------------------------------------
# 1. Orders through the API are the licensing website's alone
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["sales", "reseller_admin", "internal_sales"])
def test_console_roles_cannot_place_orders_through_the_api(role):
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    authorization = pending_pa(customer, (ProductFactory(), 3))
    user = {
        "sales": sales,
        "reseller_admin": ResellerAdminFactory(reseller=sales.reseller),
        "internal_sales": InternalSalesFactory(),
    }[role]

    response = api(user).post(reverse(INTAKE), new_order_body(authorization), format="json")
    real = api(lws_user()).post(reverse(INTAKE), new_order_body(authorization, number="LWS-REAL"), format="json")

    assert response.status_code == 403
    assert real.status_code == 201, real.json()  # the PA was not used up
    assert Order.objects.get().order_number == "LWS-REAL"


def test_console_roles_cannot_place_renewal_orders_through_the_api(renewal_world):
    customer, photoshop, indesign, _ = renewal_world
    body = renewal_body(customer, (photoshop, 5), (indesign, 2))
    for user in (SalesFactory(reseller=customer.reseller), ResellerAdminFactory(reseller=customer.reseller)):
        assert api(user).post(reverse(INTAKE), body, format="json").status_code == 403
    assert not Renewal.objects.exists()


def test_the_service_refuses_sales_whatever_the_door():
    from django.core.exceptions import PermissionDenied

    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    authorization = pending_pa(customer, (product, 1))
    with pytest.raises(PermissionDenied):
        pa.order_place(
            order_number="X-1",
            order_date=pa.today(),
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(product.sku_new, 1)],
            actor=sales,
        )
    assert not Order.objects.exists()


def test_sales_have_no_console_order_form_admins_record_by_hand(client):
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    authorization = pending_pa(customer, (ProductFactory(), 2))
    form = reverse("order-record", args=[customer.pk, authorization.pk])
    body = {"order_number": "HAND-1", "order_date": pa.today().isoformat()}

    client.force_login(sales)
    history = client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    assert "Record order" not in history
    assert client.get(form).status_code == 403
    assert client.post(form, body).status_code == 403
    assert not Order.objects.exists()

    client.force_login(ResellerAdminFactory(reseller=sales.reseller))
    assert "Record order" in client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    client.post(form, body)
    order = Order.objects.get()
    assert order.entered_by_hand is True
    event = CustomerEvent.objects.get(customer=customer, kind=CustomerEvent.Kind.ORDER_PLACED)
    assert event.parameters["entered_by_hand"] is True and "entered by hand" in event.details
    assert "entered by hand" in client.get(reverse("customer-history", args=[customer.pk])).content.decode()


def test_an_lws_order_is_not_marked_by_hand():
    customer = ActiveCustomerFactory()
    authorization = pending_pa(customer, (ProductFactory(), 2))
    response = api(lws_user()).post(reverse(INTAKE), new_order_body(authorization), format="json")
    assert response.status_code == 201 and response.json()["entered_by_hand"] is False
    event = CustomerEvent.objects.get(customer=customer, kind=CustomerEvent.Kind.ORDER_PLACED)
    assert event.parameters["entered_by_hand"] is False and "entered by hand" not in event.details


def test_internal_sales_record_orders_by_hand_in_the_console(client):
    customer = ActiveCustomerFactory()
    authorization = pending_pa(customer, (ProductFactory(), 2))
    client.force_login(InternalSalesFactory())
    client.post(
        reverse("order-record", args=[customer.pk, authorization.pk]),
        {"order_number": "HAND-2", "order_date": pa.today().isoformat()},
    )
    assert Order.objects.get().entered_by_hand is True


# ---------------------------------------------------------------------------
# 2. A renewal order names every held product
# ---------------------------------------------------------------------------
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
TODAY = ANNIVERSARY - timedelta(days=10)


@pytest.fixture
def renewal_world():
    """Photoshop 5 and InDesign 2 held, anniversary 2026-03-10, the clock 10 days before it."""
    customer = ActiveCustomerFactory()
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    lws = lws_user()
    with time_machine.travel(FIRST_ORDER, tick=False):
        authorization = pending_pa(customer, (photoshop, 5), (indesign, 2))
        pa.order_place(
            order_number="FIRST",
            order_date=FIRST_ORDER,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5), pa.OrderLineRequest(indesign.sku_new, 2)],
            actor=lws,
        )
    customer.refresh_from_db()
    with time_machine.travel(TODAY, tick=False):
        renewals.refresh_renewal_overview(on=TODAY)
        yield customer, photoshop, indesign, lws


def renewal_body(customer, *lines, number="REN-1"):
    return {
        "order_type": "renewal",
        "order_number": number,
        "order_date": TODAY.isoformat(),
        "vip_id": customer.vip_id,
        "lines": [{"sku": p.sku_renewal, "quantity": q} for p, q in lines],
    }


def test_a_renewal_leaving_out_a_held_product_is_refused_naming_it(renewal_world):
    customer, photoshop, indesign, lws = renewal_world
    response = api(lws).post(reverse(INTAKE), renewal_body(customer, (photoshop, 5)), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "renewal_product_missing"
    assert indesign.sku_renewal in json.dumps(response.json()) and "InDesign" in json.dumps(response.json())
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY and not Renewal.objects.exists()

    # The corrected order is still inside the window, and 0 renews none of InDesign explicitly.
    corrected = api(lws).post(reverse(INTAKE), renewal_body(customer, (photoshop, 5), (indesign, 0)), format="json")
    assert corrected.status_code == 201, corrected.json()
    assert {ln["product"]: ln["quantity_after"] for ln in corrected.json()["lines"]} == {
        "Photoshop": 5,
        "InDesign": 0,
    }


def test_the_service_refuses_a_missing_product_for_every_door(renewal_world):
    customer, photoshop, _indesign, lws = renewal_world
    from resellerconsole.errors import DomainError

    with pytest.raises(DomainError) as refused:
        renewals.renewal_place(
            order_number="REN-S",
            order_date=TODAY,
            vip_id=customer.vip_id,
            lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 5)],
            actor=lws,
        )
    assert refused.value.code == "renewal_product_missing"


def test_the_console_renewal_form_names_every_held_product(client, renewal_world):
    """Even a product held since the overview was filled (a new PA today) is in the console's order."""
    customer, photoshop, indesign, _lws = renewal_world
    acrobat = ProductFactory(name="Acrobat")
    pending_pa(customer, (acrobat, 4))
    client.force_login(ResellerAdminFactory(reseller=customer.reseller))
    client.post(
        reverse("renewal-order", args=[customer.pk]), {"order_number": "REN-C", "order_date": TODAY.isoformat()}
    )
    renewal = Renewal.objects.get()
    assert renewal.entered_by_hand is True
    assert {ln.product.name: ln.quantity_after for ln in renewal.lines.all()} == {
        "Photoshop": 5,
        "InDesign": 2,
        "Acrobat": 4,
    }
    assert "entered by hand" in client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()


def test_sales_have_no_console_renewal_order_form(client, renewal_world):
    customer, *_ = renewal_world
    client.force_login(SalesFactory(reseller=customer.reseller))
    assert "Process renewal" not in client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()
    response = client.post(
        reverse("renewal-order", args=[customer.pk]), {"order_number": "REN-X", "order_date": TODAY.isoformat()}
    )
    assert response.status_code == 403 and not Renewal.objects.exists()


# ---------------------------------------------------------------------------
# 16. An order number of an order the caller cannot see answers like an unknown one
# ---------------------------------------------------------------------------
def _answer(response):
    return response.status_code, response.json()


def test_another_lws_integration_learns_nothing_from_an_order_number():
    customer = ActiveCustomerFactory()
    product = ProductFactory()
    theirs = pending_pa(customer, (product, 2))
    first = api(lws_user("lws-a")).post(reverse(INTAKE), new_order_body(theirs, "SECRET-1"), format="json")
    assert first.status_code == 201
    other = api(lws_user("lws-b"))
    mine = pending_pa(ActiveCustomerFactory(), (product, 3))

    for change in (
        {"lines": []},  # lines mismatch
        {"purchase_authorization": "PA99999999"},  # unknown PA
        {"order_date": "2999-01-01"},  # future
    ):
        taken = _answer(other.post(reverse(INTAKE), new_order_body(mine, "SECRET-1", **change), format="json"))
        unknown = _answer(other.post(reverse(INTAKE), new_order_body(mine, "NEVER-1", **change), format="json"))
        assert taken[0] == 400 and taken == unknown, change
    # The same content as the hidden order (its PA): already ordered, as for any other number.
    replay = _answer(other.post(reverse(INTAKE), new_order_body(theirs, "SECRET-1"), format="json"))
    fresh = _answer(other.post(reverse(INTAKE), new_order_body(theirs, "NEVER-2"), format="json"))
    assert replay[0] == 409 and replay[1]["code"] == fresh[1]["code"] == "already_ordered"
    assert "lines" not in replay[1]  # not the hidden order's body


def test_a_reseller_admin_learns_nothing_from_another_resellers_order_number(client):
    product = ProductFactory()
    theirs = pending_pa(ActiveCustomerFactory(), (product, 2))
    assert api(lws_user()).post(reverse(INTAKE), new_order_body(theirs, "SECRET-2"), format="json").status_code == 201
    admin = ResellerAdminFactory()
    mine = pending_pa(ActiveCustomerFactory(reseller=admin.reseller), (product, 3))

    def attempt(number):
        with pytest.raises(Exception) as refused:
            pa.order_place(
                order_number=number,
                order_date=pa.today(),
                pa_reference=mine.reference,
                lines=[pa.OrderLineRequest(product.sku_new, 1)],  # wrong quantity
                actor=admin,
            )
        return refused.value.code, refused.value.message.replace(number, "N")

    assert attempt("SECRET-2") == attempt("NEVER-3")
    assert attempt("SECRET-2")[0] == "lines_mismatch"


def test_renewal_order_numbers_of_unseen_renewals_answer_like_unknown_ones(renewal_world):
    customer, photoshop, indesign, lws = renewal_world
    first = api(lws).post(
        reverse(INTAKE), renewal_body(customer, (photoshop, 5), (indesign, 2), number="REN-SECRET"), format="json"
    )
    assert first.status_code == 201, first.json()
    other = api(lws_user("lws-b"))
    body = renewal_body(customer, (photoshop, 5))  # leaves out InDesign: 400 for any number
    taken = _answer(other.post(reverse(INTAKE), {**body, "order_number": "REN-SECRET"}, format="json"))
    unknown = _answer(other.post(reverse(INTAKE), {**body, "order_number": "REN-NEVER"}, format="json"))
    assert taken[0] == unknown[0] == 400
    assert taken[1]["code"] == unknown[1]["code"]


def test_the_same_lws_still_gets_its_replay_and_conflict():
    customer = ActiveCustomerFactory()
    product = ProductFactory()
    authorization = pending_pa(customer, (product, 2))
    lws = api(lws_user())
    first = lws.post(reverse(INTAKE), new_order_body(authorization), format="json")
    retry = lws.post(reverse(INTAKE), new_order_body(authorization), format="json")
    other = lws.post(reverse(INTAKE), new_order_body(authorization, lines=[]), format="json")
    assert (first.status_code, retry.status_code, other.status_code) == (201, 200, 409)
    assert other.json()["code"] == "order_number_conflict"


# ---------------------------------------------------------------------------
# 22. The LWS reads back its orders; everyone reads the catalogue
# ---------------------------------------------------------------------------
def place(lws_client, customer, product, number, quantity=1):
    authorization = pending_pa(customer, (product, quantity))
    response = lws_client.post(reverse(INTAKE), new_order_body(authorization, number), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_lws_reads_back_the_orders_it_placed():
    customer = ActiveCustomerFactory()
    product = ProductFactory()
    lws = api(lws_user())
    placed = place(lws, customer, product, "LWS-READ-1")
    # Someone else's orders are not the LWS's: another integration's, and one entered by hand.
    place(api(lws_user("lws-b")), customer, product, "LWS-OTHER")
    by_hand = pending_pa(customer, (product, 1))
    pa.order_place(
        order_number="HAND-3",
        order_date=pa.today(),
        pa_reference=by_hand.reference,
        lines=[pa.OrderLineRequest(product.sku_new, 1)],
        actor=ResellerAdminFactory(reseller=customer.reseller),
    )

    shown = lws.get(reverse("api-order-detail", args=[placed["id"]]))
    listed = lws.get(reverse(INTAKE))
    hidden = lws.get(reverse("api-order-detail", args=[Order.objects.get(order_number="LWS-OTHER").pk]))
    assert shown.status_code == 200 and shown.json() == placed
    assert [o["order_number"] for o in listed.json()["results"]] == ["LWS-READ-1"]
    assert hidden.status_code == 404


def test_the_order_list_filters_by_number_and_date():
    customer = ActiveCustomerFactory()
    product = ProductFactory()
    lws = api(lws_user())
    place(lws, customer, product, "N-1")
    place(lws, customer, product, "N-2")
    Order.objects.filter(order_number="N-1").update(order_date=pa.today() - timedelta(days=3))

    def numbers(**query):
        response = lws.get(reverse(INTAKE), query)
        assert response.status_code == 200, response.json()
        return [o["order_number"] for o in response.json()["results"]]

    assert numbers() == ["N-2", "N-1"]
    assert numbers(order_number="N-1") == ["N-1"]
    assert numbers(order_date_from=pa.today().isoformat()) == ["N-2"]
    assert numbers(order_date_to=(pa.today() - timedelta(days=1)).isoformat()) == ["N-1"]
    assert lws.get(reverse(INTAKE), {"order_date_from": "yesterday"}).status_code == 400


def test_console_users_list_their_customers_orders_only():
    sales = SalesFactory()
    lws = api(lws_user())
    product = ProductFactory()
    place(lws, ActiveCustomerFactory(reseller=sales.reseller), product, "MINE")
    place(lws, ActiveCustomerFactory(), product, "THEIRS")
    listed = api(sales).get(reverse(INTAKE)).json()["results"]
    assert [o["order_number"] for o in listed] == ["MINE"]
    everything = api(InternalSalesFactory()).get(reverse(INTAKE)).json()["results"]
    assert {o["order_number"] for o in everything} == {"MINE", "THEIRS"}


@pytest.mark.parametrize("size", [2, 12])
def test_the_order_list_uses_a_fixed_number_of_queries(django_assert_num_queries, size):
    user = lws_user()
    lws = api(user)
    customer = ActiveCustomerFactory()
    for n in range(size):
        place(lws, customer, ProductFactory(), f"Q-{n}", quantity=2)
    client = APIClient(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})
    client.get(reverse(INTAKE))  # a token's first use records it (at most once a minute); not what is counted
    with django_assert_num_queries(3):  # token with its user and last use, page of orders with their PA, lines
        response = client.get(reverse(INTAKE))
    assert len(response.json()["results"]) == size


def test_every_api_role_reads_the_catalogue_vip_admins_do_not():
    team = ProductFactory(name="Team thing", license_type="team", for_education=False)
    enterprise = ProductFactory(name="Enterprise thing", license_type="enterprise", for_education=True)
    for user in (SalesFactory(), ResellerAdminFactory(), InternalSalesFactory(), lws_user()):
        listed = api(user).get(reverse("api-product-list"))
        shown = api(user).get(reverse("api-product-detail", args=[team.pk]))
        assert listed.status_code == 200 and shown.status_code == 200, user.role
        assert {p["name"] for p in listed.json()["results"]} == {"Team thing", "Enterprise thing"}
        assert shown.json()["sku_new"] == team.sku_new and shown.json()["market_segments"] == [
            "commercial",
            "government",
        ]
    lws = api(User.objects.get(role=User.Role.LICENSING_WEBSITE))
    by_type = lws.get(reverse("api-product-list"), {"license_type": "enterprise"}).json()["results"]
    by_segment = lws.get(reverse("api-product-list"), {"segment": "education"}).json()["results"]
    assert [p["id"] for p in by_type] == [p["id"] for p in by_segment] == [enterprise.pk]
    assert api(lws_user("x")).get(reverse("api-product-detail", args=[10**9])).status_code == 404
    vip_admin = User.objects.create_user("vip", role=User.Role.VIP_ADMIN, customer=ActiveCustomerFactory())
    assert api(vip_admin).get(reverse("api-product-list")).status_code == 403


@pytest.mark.parametrize("size", [2, 12])
def test_the_catalogue_uses_a_fixed_number_of_queries(django_assert_num_queries, size):
    for _ in range(size):
        ProductFactory()
    user = lws_user()
    client = APIClient(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})
    client.get(reverse("api-product-list"))  # a token's first use records it (at most once a minute)
    with django_assert_num_queries(2):  # token with its user and last use, page of products
        response = client.get(reverse("api-product-list"))
    assert len(response.json()["results"]) == size
