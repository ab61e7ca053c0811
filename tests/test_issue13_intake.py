"""The order intake owns order numbers: one number lands once across new orders and renewals, at every door."""

import importlib
import threading
from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from authorizations import services as pa
from authorizations.models import Order
from intake import services as intake
from intake.models import OrderKind, OrderNumber
from renewals.models import Renewal
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)


def _customer_with_first_order(number: str):
    """A customer whose first order (2 Photoshop) set the anniversary 2026-03-10."""
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory(name="Photoshop")
    admin = ResellerAdminFactory(reseller=sales.reseller)
    with time_machine.travel(FIRST_ORDER, tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(product, 2)], actor=sales
        )
        intake.order_receive(
            kind=OrderKind.NEW,
            order_number=number,
            order_date=FIRST_ORDER,
            reference=authorization.reference,
            lines=[intake.OrderLine(product.sku_new, 2)],
            actor=admin,
        )
    customer.refresh_from_db()
    return sales, admin, customer, product


def _renew(customer, product, number, actor):
    return intake.order_receive(
        kind=OrderKind.RENEWAL,
        order_number=number,
        order_date=ANNIVERSARY,
        reference=customer.vip_id,
        lines=[intake.OrderLine(product.sku_renewal, 2)],
        actor=actor,
    )


def _new_order(sales, customer, number, actor, *, order_date=ANNIVERSARY):
    product = ProductFactory()
    authorization = pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, 1)], actor=sales
    )
    return intake.order_receive(
        kind=OrderKind.NEW,
        order_number=number,
        order_date=order_date,
        reference=authorization.reference,
        lines=[intake.OrderLine(product.sku_new, 1)],
        actor=actor,
    )


@pytest.mark.django_db
def test_every_received_order_and_renewal_claims_its_number_once():
    sales, admin, customer, product = _customer_with_first_order("FIRST")
    with time_machine.travel(ANNIVERSARY, tick=False):
        renewal, created = _renew(customer, product, "REN-1", admin)
        again, created_again = _renew(customer, product, "REN-1", admin)
    assert created and not created_again and again.pk == renewal.pk
    assert sorted(OrderNumber.objects.values_list("number", "kind")) == [("FIRST", "new"), ("REN-1", "renewal")]
    assert OrderNumber.objects.get(number="FIRST").holder == Order.objects.get(order_number="FIRST")
    assert OrderNumber.objects.get(number="REN-1").holder == renewal


@pytest.mark.django_db
def test_a_refused_order_claims_nothing_and_its_number_stays_free():
    sales, admin, customer, product = _customer_with_first_order("FIRST")
    with time_machine.travel(ANNIVERSARY, tick=False), pytest.raises(DomainError) as refused:
        _new_order(sales, customer, "LATER", admin, order_date=date(2026, 3, 11))
    assert refused.value.code == "future_date"
    assert not OrderNumber.objects.filter(number="LATER").exists()
    with time_machine.travel(ANNIVERSARY, tick=False):
        _order, created = _new_order(sales, customer, "LATER", admin)
    assert created and OrderNumber.objects.filter(number="LATER", kind="new").exists()


@pytest.mark.django_db
def test_a_number_hidden_from_the_caller_is_refused_only_after_every_other_check():
    """A renewal entered by hand is not the licensing website's: its number answers like an unknown one."""
    sales, admin, customer, product = _customer_with_first_order("FIRST")
    lws = User.objects.create_user("lws-intake", role=User.Role.LICENSING_WEBSITE, password="lws-pass-123456")
    with time_machine.travel(ANNIVERSARY, tick=False):
        _renew(customer, product, "BY-HAND", admin)
        with pytest.raises(DomainError) as other_check_first:
            _new_order(sales, customer, "BY-HAND", lws, order_date=date(2026, 3, 11))
        with pytest.raises(DomainError) as then_conflict:
            _new_order(sales, customer, "BY-HAND", lws)
    assert other_check_first.value.code == "future_date"
    assert then_conflict.value.code == "order_number_conflict"
    assert not Order.objects.filter(order_number="BY-HAND").exists()


@pytest.mark.django_db
def test_the_api_receives_both_kinds_through_the_intake(client):
    sales, admin, customer, product = _customer_with_first_order("FIRST")
    lws = User.objects.create_user("lws-intake", role=User.Role.LICENSING_WEBSITE, password="lws-pass-123456")
    client.force_login(lws)
    body = {
        "order_type": "renewal",
        "order_number": "FIRST",
        "order_date": ANNIVERSARY.isoformat(),
        "vip_id": customer.vip_id,
        "lines": [{"sku": product.sku_renewal, "quantity": 2}],
    }
    with time_machine.travel(ANNIVERSARY, tick=False):
        conflict = client.post(reverse("api-order-intake"), body, content_type="application/json")
        body["order_number"] = "REN-API"
        created = client.post(reverse("api-order-intake"), body, content_type="application/json")
    assert conflict.status_code == 409 and conflict.json()["errors"][0]["code"] == "order_number_conflict"
    assert created.status_code == 201
    assert OrderNumber.objects.get(number="REN-API").holder == Renewal.objects.get(order_number="REN-API")


@pytest.mark.django_db
def test_the_migration_claims_the_numbers_of_orders_and_renewals_already_received():
    sales, admin, customer, product = _customer_with_first_order("FIRST")
    with time_machine.travel(ANNIVERSARY, tick=False):
        _renew(customer, product, "REN-1", admin)
    OrderNumber.objects.all().delete()
    migration = importlib.import_module("intake.migrations.0001_order_numbers")

    migration.claim_existing_numbers(apps, None)
    migration.claim_existing_numbers(apps, None)  # twice: nothing more

    assert sorted(OrderNumber.objects.values_list("number", "kind")) == [("FIRST", "new"), ("REN-1", "renewal")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_and_a_renewal_with_one_number_in_parallel_land_once(monkeypatch):
    """Both pass the look-up before either claims (a barrier holds them there): the index lets one land."""
    from tests.conftest import run_together

    sales, admin, customer, product = _customer_with_first_order("FIRST")
    other_sales, other_admin, other_customer, _other_product = _customer_with_first_order("SECOND")
    barrier = threading.Barrier(2, timeout=10)
    claim = intake._claim

    def claim_together(*args, **kwargs):
        barrier.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(intake, "_claim", claim_together)
    with time_machine.travel(ANNIVERSARY, tick=False):
        results = run_together(
            lambda: _renew(customer, product, "SAME", admin),
            lambda: _new_order(other_sales, other_customer, "SAME", other_admin),
        )
    errors = [r for r in results if isinstance(r, Exception)]
    assert [getattr(e, "code", repr(e)) for e in errors] == ["order_number_conflict"]
    landed = Order.objects.filter(order_number="SAME").count() + Renewal.objects.filter(order_number="SAME").count()
    assert landed == 1 and OrderNumber.objects.filter(number="SAME").count() == 1
