"""The customers with a pending purchase authorization that PostgreSQL keeps (`PendingCustomer`) are the ones the
PAs say, after every kind of change (issue 15): services, the daily jobs, bulk updates and deletes, a customer
moving reseller; and the seed's rebuild gives the same rows."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Exists, OuterRef

from authorizations import selectors
from authorizations import services as pa
from authorizations.models import PendingCustomer, PurchaseAuthorization
from customers.models import Customer
from jobs.services import run_daily_jobs
from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory, ResellerAdminFactory
from tests.test_dashboard import build_tenant

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TODAY = date(2026, 6, 10)


def counted() -> set[tuple[int, int]]:
    pending = PurchaseAuthorization.objects.filter(customer=OuterRef("pk"), status="pending")
    return set(Customer.objects.filter(Exists(pending)).values_list("pk", "reseller_id"))


def assert_kept_match(*resellers):
    assert set(PendingCustomer.objects.values_list("customer_id", "reseller_id")) == counted()
    for reseller in resellers:
        keys = selectors.pending_customer_keys(reseller_ids=[reseller.pk])
        assert list(keys) == sorted(pk for pk, owner in counted() if owner == reseller.pk)


@pytest.fixture
def world():
    with time_machine.travel(TODAY, tick=False):
        photoshop = ProductFactory(name="Photoshop", unit_price="100.00")
        acrobat = ProductFactory(name="Acrobat", unit_price="250.00", currency="SEK")
        alpha = build_tenant("Alpha", photoshop, acrobat)
        bravo = build_tenant("Bravo", photoshop, acrobat)
        InternalSalesFactory()
        yield alpha, bravo, (photoshop, acrobat)


def test_the_kept_customers_are_the_counted_ones_after_every_kind_of_change(world):
    alpha, bravo, (photoshop, acrobat) = world
    resellers = (alpha.sales.reseller, bravo.sales.reseller)
    assert PendingCustomer.objects.exists()
    assert_kept_match(*resellers)

    with time_machine.travel(TODAY, tick=False):
        customer = ActiveCustomerFactory(reseller=alpha.sales.reseller)
        first = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 6)], actor=alpha.sales
        )
        assert_kept_match(*resellers)
        second = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(acrobat, 2)], actor=alpha.sales
        )
        pa.order_place(
            order_number="ORDER-1",
            order_date=TODAY,
            pa_reference=first.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 6)],
            actor=ResellerAdminFactory(reseller=alpha.sales.reseller),
        )
        assert_kept_match(*resellers)  # still pending: the second PA
        pa.purchase_authorization_withdraw(purchase_authorization=second, actor=alpha.sales)
        assert_kept_match(*resellers)  # none pending now
        assert not PendingCustomer.objects.filter(customer=customer).exists()

    # The daily jobs run for days (Delayed, overview, notices, removal of access withdraws pending PAs).
    for offset in (1, 5, 30):
        day = TODAY + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            run_daily_jobs(on=day)
        assert_kept_match(*resellers)

    # Bulk updates and deletes outside the services, a customer moving reseller.
    PurchaseAuthorization.objects.filter(customer__reseller=bravo.sales.reseller, status="pending").update(
        status="withdrawn"
    )
    assert_kept_match(*resellers)
    PurchaseAuthorization.objects.filter(customer__reseller=bravo.sales.reseller).update(status="pending")
    assert_kept_match(*resellers)
    PurchaseAuthorization.objects.filter(pk=PurchaseAuthorization.objects.filter(status="pending").first().pk).update(
        customer=customer
    )
    assert_kept_match(*resellers)
    Customer.objects.filter(reseller=bravo.sales.reseller).update(reseller=alpha.sales.reseller)
    assert_kept_match(*resellers)
    PurchaseAuthorization.objects.filter(customer=customer, status="pending", order=None).delete()
    assert_kept_match(*resellers)


def test_the_rebuild_gives_the_kept_rows():
    with time_machine.travel(TODAY, tick=False):
        admin = ResellerAdminFactory()
        customer = ActiveCustomerFactory(reseller=admin.reseller)
        pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(ProductFactory(), 1)], actor=admin
        )
    before = list(PendingCustomer.objects.values_list("customer_id", "reseller_id"))
    assert before == [(customer.pk, admin.reseller_id)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT authorizations_pending_rebuild()")
    assert list(PendingCustomer.objects.values_list("customer_id", "reseller_id")) == before
