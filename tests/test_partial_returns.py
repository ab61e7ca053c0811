"""Returns of part of an order line (issue 14, as VIP Marketplace allows): within the return window, never more
than remains of the line, several returns per line, the assigned-users rule per quantity; in the service, the
console's return form and /api/v1."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import services
from authorizations.models import ReturnAuthorization, ReturnLine
from customers.models import CustomerEvent
from licences.models import Holding
from resellerconsole.errors import DomainError
from tests.conftest import run_together
from tests.error_shape import error_fields
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    pa = services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[services.LineRequest(photoshop, 10), services.LineRequest(indesign, 4)],
        actor=sales,
    )
    order, _ = services.order_place(
        order_number="LWS-PART-1",
        order_date=services.today(),
        pa_reference=pa.reference,
        lines=[services.OrderLineRequest(photoshop.sku_new, 10), services.OrderLineRequest(indesign.sku_new, 4)],
        actor=User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE),
    )
    return customer, order, order.lines.get(product=photoshop), order.lines.get(product=indesign)


def deployed(customer, line) -> int:
    return Holding.objects.get(customer=customer, product=line.product).deployed


def remaining(line) -> int:
    return services.remaining_quantity(line, services.returned_quantities([line]))


# ---------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------
def test_part_of_a_line_is_returned_and_the_rest_remains(world, sales):
    customer, order, photoshop, indesign = world
    first = services.return_request(order=order, quantities={photoshop.pk: 3}, actor=sales)
    assert [(ln.order_line_id, ln.quantity) for ln in first.lines.all()] == [(photoshop.pk, 3)]
    assert (deployed(customer, photoshop), remaining(photoshop)) == (7, 7)
    # Several returns against the same line, each checked against what remains.
    services.return_request(order=order, quantities={photoshop.pk: 5}, actor=sales)
    assert (deployed(customer, photoshop), remaining(photoshop)) == (2, 2)
    # A whole line is what remains of it.
    services.return_request(order=order, order_line_ids=[photoshop.pk, indesign.pk], actor=sales)
    assert (deployed(customer, photoshop), remaining(photoshop), deployed(customer, indesign)) == (0, 0, 0)
    assert sorted(ReturnLine.objects.values_list("quantity", flat=True)) == [2, 3, 4, 5]


def test_more_than_remains_is_refused_and_changes_nothing(world, sales):
    customer, order, photoshop, indesign = world
    services.return_request(order=order, quantities={photoshop.pk: 6}, actor=sales)
    with pytest.raises(DomainError) as refused:
        services.return_request(order=order, quantities={photoshop.pk: 5, indesign.pk: 1}, actor=sales)
    assert refused.value.code == "return_exceeds_remaining"
    assert "5 licences asked back, 4 remain" in refused.value.message and "Photoshop" in refused.value.message
    assert (deployed(customer, photoshop), deployed(customer, indesign)) == (4, 4)
    assert ReturnAuthorization.objects.count() == 1
    services.return_request(order=order, quantities={photoshop.pk: 4}, actor=sales)
    with pytest.raises(DomainError) as again:
        services.return_request(order=order, quantities={photoshop.pk: 1}, actor=sales)
    assert again.value.code == "already_returned"


@pytest.mark.parametrize("quantity", [0, -2, True, "3", 2.5, None])
def test_a_quantity_must_be_a_whole_number_of_licences(world, sales, quantity):
    customer, order, photoshop, _ = world
    with pytest.raises(DomainError) as refused:
        services.return_request(order=order, quantities={photoshop.pk: quantity}, actor=sales)
    assert refused.value.code == "invalid_quantity" and "from 1 to 10" in refused.value.message
    assert deployed(customer, photoshop) == 10


def test_the_assigned_users_rule_applies_per_quantity(world, sales):
    customer, order, photoshop, _ = world
    for n in range(7):
        services.assignment_add(customer=customer, product=photoshop.product, email=f"u{n}@c.example", actor=sales)
    # 10 deployed, 7 assigned: 3 may go back, 4 may not (someone would lose their licence).
    assert services.return_check(order=order, quantities={photoshop.pk: 3}) == []
    blockers = services.return_check(order=order, quantities={photoshop.pk: 4})
    assert [b.product for b in blockers] == [photoshop.product]
    with pytest.raises(DomainError) as refused:
        services.return_request(order=order, quantities={photoshop.pk: 4}, actor=sales)
    assert refused.value.code == "licences_assigned"
    services.return_request(order=order, quantities={photoshop.pk: 3}, actor=sales)
    assert deployed(customer, photoshop) == 7


def test_partial_returns_keep_the_return_window(world, sales):
    customer, order, photoshop, _ = world
    with (
        time_machine.travel(order.order_date + timedelta(days=15), tick=False),
        pytest.raises(DomainError) as refused,
    ):
        services.return_request(order=order, quantities={photoshop.pk: 1}, actor=sales)
    assert refused.value.code == "return_window_closed"


def test_the_history_records_what_was_returned(world, sales):
    customer, order, photoshop, _ = world
    services.return_request(order=order, quantities={photoshop.pk: 3}, actor=sales)
    event = customer.events.get(kind=CustomerEvent.Kind.RETURN_REQUESTED)
    assert event.parameters["lines"] == [{"sku": photoshop.product.sku_new, "product": "Photoshop", "quantity": 3}]
    assert event.details == "LWS-PART-1: Photoshop × 3"


# ---------------------------------------------------------------------------
# The console's return form
# ---------------------------------------------------------------------------
def test_the_form_returns_part_of_a_line(world, sales, client):
    customer, order, photoshop, indesign = world
    client.force_login(sales)
    url = reverse("return-request", args=[customer.pk, order.pk])
    form = client.get(url).content.decode()
    assert f'name="quantity-{photoshop.pk}"' in form and 'max="10"' in form and 'max="4"' in form
    answer = client.post(url, {"line": [photoshop.pk], f"quantity-{photoshop.pk}": "3"}, follow=True)
    assert "Return authorization recorded" in answer.content.decode()
    assert (deployed(customer, photoshop), deployed(customer, indesign)) == (7, 4)
    history = client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    assert "Returned: Photoshop × 3" in history
    # What remains is offered next time, with what was returned so far.
    form = client.get(url).content.decode()
    assert 'max="7"' in form and "3 returned so far" in form


def test_the_form_refuses_more_than_remains_with_the_services_message(world, sales, client):
    customer, order, photoshop, _ = world
    client.force_login(sales)
    url = reverse("return-request", args=[customer.pk, order.pk])
    for quantity in ("11", "0", "x"):
        answer = client.post(url, {"line": [photoshop.pk], f"quantity-{photoshop.pk}": quantity})
        assert answer.status_code == 400
        assert "asked back" in answer.content.decode() or "from 1 to 10" in answer.content.decode()
    assert deployed(customer, photoshop) == 10


def test_a_ticked_line_without_a_number_returns_what_remains(world, sales, client):
    customer, order, photoshop, _ = world
    services.return_request(order=order, quantities={photoshop.pk: 4}, actor=sales)
    client.force_login(sales)
    client.post(reverse("return-request", args=[customer.pk, order.pk]), {"line": [photoshop.pk]})
    assert deployed(customer, photoshop) == 0


# ---------------------------------------------------------------------------
# /api/v1
# ---------------------------------------------------------------------------
@pytest.fixture
def api(sales):
    client = APIClient()
    client.force_authenticate(ResellerAdminFactory(reseller=sales.reseller))
    return client


def test_the_api_returns_part_of_a_line_and_shows_what_remains(world, api):
    customer, order, photoshop, indesign = world
    url = reverse("api-order-returns", args=[order.pk])
    answer = api.post(url, {"quantities": [{"line": photoshop.pk, "quantity": 4}]}, format="json")
    assert answer.status_code == 200, answer.json()
    lines = {ln["id"]: ln for ln in answer.json()["lines"]}
    assert (lines[photoshop.pk]["returned_quantity"], lines[photoshop.pk]["remaining_quantity"]) == (4, 6)
    assert lines[photoshop.pk]["returned"] is False and lines[indesign.pk]["remaining_quantity"] == 4
    # Whole lines and parts together.
    answer = api.post(
        url, {"lines": [indesign.pk], "quantities": [{"line": photoshop.pk, "quantity": 6}]}, format="json"
    )
    assert [ln["returned"] for ln in answer.json()["lines"]] == [True, True]
    shown = api.get(reverse("api-order-detail", args=[order.pk])).json()
    assert [(ln["returned_quantity"], ln["remaining_quantity"]) for ln in shown["lines"]] == [(10, 0), (4, 0)]


def test_the_api_refuses_more_than_remains(world, api):
    customer, order, photoshop, _ = world
    url = reverse("api-order-returns", args=[order.pk])
    too_many = api.post(url, {"quantities": [{"line": photoshop.pk, "quantity": 11}]}, format="json")
    assert too_many.status_code == 400 and too_many.json()["code"] == "return_exceeds_remaining"
    twice = api.post(
        url,
        {"quantities": [{"line": photoshop.pk, "quantity": 1}, {"line": photoshop.pk, "quantity": 2}]},
        format="json",
    )
    assert twice.status_code == 400 and "quantities" in error_fields(twice)
    zero = api.post(url, {"quantities": [{"line": photoshop.pk, "quantity": 0}]}, format="json")
    assert zero.status_code == 400
    nothing = api.post(url, {}, format="json")
    assert nothing.status_code == 400 and nothing.json()["code"] == "unknown_line"
    assert deployed(customer, photoshop) == 10


# ---------------------------------------------------------------------------
# Races (PostgreSQL): parts of one line returned at the same moment never give back more than it had
# ---------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_partial_returns_never_return_more_than_the_line_had():
    assert connection.vendor == "postgresql"
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 10)], actor=sales
    )
    order, _ = services.order_place(
        order_number="RACE-PART",
        order_date=services.today(),
        pa_reference=pa.reference,
        lines=[services.OrderLineRequest(product.sku_new, 10)],
        actor=ResellerAdminFactory(reseller=sales.reseller),
    )
    line = order.lines.get()
    results = run_together(
        *[lambda: services.return_request(order=order, quantities={line.pk: 4}, actor=sales) for _ in range(4)]
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    # 10 licences: two returns of 4 land, the others find 2 left.
    assert len(winners) == 2 and [e.code for e in losers] == ["return_exceeds_remaining"] * 2
    assert sum(ReturnLine.objects.filter(order_line=line).values_list("quantity", flat=True)) == 8
    assert Holding.objects.get(customer=customer, product=product).deployed == 2
