"""The dashboard from the figures PostgreSQL keeps equals the dashboard counted directly, after every kind of
change (issue 15): services, the daily jobs, bulk updates, a price change, a customer moving reseller or deleted."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations import services as pa
from authorizations.models import PurchaseAuthorization
from catalogue.models import Product
from customers.models import Customer
from dashboard import figures, selectors
from dashboard.models import Tally
from jobs.services import run_daily_jobs
from licences.models import Holding
from renewals import services as renewals
from renewals.models import RenewalRow
from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerAdminFactory,
    SalesFactory,
)
from tests.test_dashboard import build_tenant
from tests.test_dashboard import pa as pending_pa

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TODAY = date(2026, 6, 10)


def read(user, on, reseller_id=None):
    return selectors.dashboard_figures(user=user, on=on, reseller_id=reseller_id)


def assert_figures_match(monkeypatch, viewers, days=(TODAY,)):
    for user, reseller_id in viewers:
        for on in days:
            kept = read(user, on, reseller_id)
            with monkeypatch.context() as direct:
                direct.setattr(figures, "scope_of", lambda *args: None)
                counted = read(user, on, reseller_id)
            assert kept == counted, (user, reseller_id, on)
    # Compacted as it goes: one tally row per key.
    keys = Tally.objects.values("reseller_id", "status", "measure", "day", "currency").distinct().count()
    assert Tally.objects.count() == keys


@pytest.fixture
def world():
    with time_machine.travel(TODAY, tick=False):
        photoshop = ProductFactory(name="Photoshop", unit_price="100.00")
        acrobat = ProductFactory(name="Acrobat", unit_price="250.00", currency="SEK")
        alpha = build_tenant("Alpha", photoshop, acrobat)
        bravo = build_tenant("Bravo", photoshop, acrobat)
        internal = InternalSalesFactory()
        viewers = [
            (alpha.sales, None),
            (bravo.sales, None),
            (internal, None),
            (internal, alpha.sales.reseller_id),
        ]
        yield alpha, bravo, viewers, (photoshop, acrobat)


def test_the_kept_figures_are_the_counted_ones_after_every_kind_of_change(monkeypatch, world):
    alpha, bravo, viewers, (photoshop, acrobat) = world
    days = (TODAY, TODAY + timedelta(days=3), TODAY + timedelta(days=40), TODAY - timedelta(days=20))
    assert_figures_match(monkeypatch, viewers, days)

    with time_machine.travel(TODAY, tick=False):
        customer = ActiveCustomerFactory(reseller=alpha.sales.reseller)
        created = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 6)], actor=alpha.sales
        )
        assert_figures_match(monkeypatch, viewers, days)

        pa.order_place(
            order_number="ORDER-1",
            order_date=TODAY,
            pa_reference=created.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 6)],
            actor=ResellerAdminFactory(reseller=alpha.sales.reseller),
        )
        assert_figures_match(monkeypatch, viewers, days)

        second = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(acrobat, 2)], actor=alpha.sales
        )
        pa.purchase_authorization_withdraw(purchase_authorization=second, actor=alpha.sales)
        assert_figures_match(monkeypatch, viewers, days)

    # A person chooses a renewal quantity; the daily jobs run for days (Delayed, overview, notices, removal).
    open_window = alpha.named["open"]
    with time_machine.travel(TODAY, tick=False):
        renewals.renewal_quantity_set(customer=open_window, product=photoshop, quantity=2, actor=alpha.sales)
    assert_figures_match(monkeypatch, viewers, days)
    for offset in (1, 5, 30):
        day = TODAY + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            run_daily_jobs(on=day)
        assert_figures_match(monkeypatch, viewers, (day, day + timedelta(days=2)))

    # A renewal moves the anniversary a year on.
    day = TODAY + timedelta(days=31)
    with time_machine.travel(day, tick=False):
        open_window.refresh_from_db()
        renewals.renewal_place(
            order_number="RENEW-1",
            order_date=day,
            vip_id=open_window.vip_id,
            actor=ResellerAdminFactory(reseller=alpha.sales.reseller),
            lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 2)],
        )
    assert_figures_match(monkeypatch, viewers, (day,))

    # Bulk updates outside the services, a price and a currency change, a customer moving reseller, one deleted.
    Holding.objects.filter(product=acrobat).update(deployed=7)
    RenewalRow.objects.filter(product=photoshop).update(proposed_quantity=1)
    PurchaseAuthorization.objects.filter(status="pending").update(order_deadline=day + timedelta(days=2))
    assert_figures_match(monkeypatch, viewers, (day,))
    Product.objects.filter(pk=photoshop.pk).update(unit_price="120.50")
    acrobat.currency = "EUR"
    acrobat.save()
    assert_figures_match(monkeypatch, viewers, (day,))
    # Delayed by a bulk update, and back (the Delayed count is a kept figure too).
    Customer.objects.filter(pk__in=[alpha.named["open"].pk, bravo.named["removal"].pk]).update(status="delayed")
    assert_figures_match(monkeypatch, viewers, (day,))
    Customer.objects.filter(pk=bravo.named["delayed"].pk).update(status="active")
    assert_figures_match(monkeypatch, viewers, (day,))
    Customer.objects.filter(pk=bravo.named["closing"].pk).update(reseller=alpha.sales.reseller)
    leaving = ActiveCustomerFactory(reseller=bravo.sales.reseller, anniversary_date=day, anniversary_day=day.day)
    Holding.objects.create(customer=leaving, product=acrobat, deployed=5)
    assert_figures_match(monkeypatch, viewers, (day,))
    Customer.objects.filter(pk=leaving.pk).delete()
    assert_figures_match(monkeypatch, viewers, (day, TODAY))


def test_a_customer_due_soon_is_counted_once_on_every_day(monkeypatch, world):
    """Deadlines before, within and after the 7 days, several at once: the kept count of customers due soon (each
    deadline's days since the previous one) equals the distinct count on each day around them."""
    alpha, _bravo, viewers, _products = world
    with time_machine.travel(TODAY, tick=False):
        customer = ActiveCustomerFactory(reseller=alpha.sales.reseller)
        for offset in (-1, 1, 2, 2, 9, 17):
            pending_pa(customer, TODAY + timedelta(days=offset))
    assert_figures_match(monkeypatch, viewers, [TODAY + timedelta(days=n) for n in range(-10, 19)])
    PurchaseAuthorization.objects.filter(customer=customer, order_deadline=TODAY + timedelta(days=1)).update(
        status="withdrawn"
    )
    assert_figures_match(monkeypatch, viewers, [TODAY + timedelta(days=n) for n in range(-3, 4)])


def test_the_kept_figures_cost_the_same_queries_for_few_and_many_customers(world):
    alpha, _bravo, _viewers, (photoshop, _acrobat) = world

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            read(alpha.sales, TODAY)
        return len(captured.captured_queries)

    few = queries()
    with time_machine.travel(TODAY, tick=False):
        for n in range(30):
            customer = ActiveCustomerFactory(
                reseller=alpha.sales.reseller, anniversary_date=TODAY + timedelta(days=n * 9), anniversary_day=1
            )
            Holding.objects.create(customer=customer, product=photoshop, deployed=n + 1)
        renewals.refresh_renewal_overview(on=TODAY)
    assert queries() == few


def test_the_seeded_figures_are_rebuilt_from_the_tables():
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller, anniversary_date=TODAY, anniversary_day=TODAY.day)
    Holding.objects.create(customer=customer, product=ProductFactory(), deployed=3)
    ActiveCustomerFactory(reseller=sales.reseller, status="delayed")
    before = list(Tally.objects.values_list("measure", "n").order_by("measure"))
    assert ("delayed", 1) in before
    with connection.cursor() as cursor:
        cursor.execute("SELECT dashboard_rebuild()")
    assert list(Tally.objects.values_list("measure", "n").order_by("measure")) == before
