"""Renewals: the overview, renewal orders, removal of access and reinstatement (domain.md, Renewals)."""

from datetime import date, timedelta

import pytest
import time_machine

from authorizations import services as pa
from customers.models import CustomerEvent, CustomerStatus
from intake.models import OrderKind
from intake.services import OrderLine, order_receive
from licences.models import Assignment, Holding
from renewals import services
from renewals.dates import WindowState, window_state
from renewals.models import Renewal, RenewalRow
from renewals.services import RenewalLineRequest
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)


@pytest.fixture
def world():
    """A customer whose first order (5 Photoshop, 2 InDesign) set the anniversary 2026-03-10."""
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
    return sales, customer, photoshop, indesign


def run_jobs(day):
    """Each daily job twice, as a doubled beat would: the second run must change nothing."""
    first = (services.refresh_renewal_overview(on=day), services.remove_expired_access(on=day))
    second = (services.refresh_renewal_overview(on=day), services.remove_expired_access(on=day))
    assert (second[0].added, second[0].updated, second[1]) == (0, 0, [])
    return first


def snapshot(customer):
    customer.refresh_from_db()
    return (
        RenewalRow.objects.filter(customer=customer, anniversary_date=customer.anniversary_date).count(),
        customer.status,
        sum(Holding.objects.filter(customer=customer).values_list("deployed", flat=True)),
    )


def test_day_by_day_without_a_renewal(world):
    _sales, customer, *_ = world
    for offset in range(-100, 41):
        day = ANNIVERSARY + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            run_jobs(day)
            rows, status, deployed = snapshot(customer)
        expected_state = (
            WindowState.UPCOMING
            if offset < -30
            else WindowState.OPEN
            if offset <= 0
            else WindowState.GRACE
            if offset <= 30
            else WindowState.LAPSED
        )
        assert window_state(ANNIVERSARY, day) == expected_state, offset
        if offset < -90:
            assert (rows, status, deployed) == (0, "active", 7), offset
        elif offset <= 30:
            assert (rows, status, deployed) == (2, "active", 7), offset
        else:  # day 31 after the anniversary: access removed, history kept
            assert (rows, status, deployed) == (2, "inactive", 0), offset
    assert not Assignment.objects.filter(customer=customer, released_at__isnull=True).exists()
    assert customer.events.filter(kind=CustomerEvent.Kind.ACCESS_REMOVED).count() == 1


def test_day_by_day_with_a_renewal_10_days_before(world):
    sales, customer, photoshop, indesign = world
    for offset in range(-100, 41):
        day = ANNIVERSARY + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            run_jobs(day)
            if offset == -10:
                services.renewal_place(
                    order_number="REN-1",
                    order_date=day,
                    vip_id=customer.vip_id,
                    actor=ResellerAdminFactory(reseller=sales.reseller),
                    lines=[RenewalLineRequest(photoshop.sku_renewal, 4), RenewalLineRequest(indesign.sku_renewal, 2)],
                )
            rows, status, deployed = snapshot(customer)
        if offset < -90:
            assert (rows, status, deployed) == (0, "active", 7), offset
        elif offset < -10:
            assert (rows, status, deployed) == (2, "active", 7), offset
        else:  # renewed: the next overview is 90 days before 2027-03-10, far off
            assert (rows, status, deployed) == (0, "active", 6), offset
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2027, 3, 10)


@pytest.mark.parametrize(("offset", "accepted"), [(-31, False), (-30, True), (0, True), (30, True), (31, False)])
def test_the_renewal_window_edges(world, offset, accepted):
    sales, customer, photoshop, indesign = world
    day = ANNIVERSARY + timedelta(days=offset)
    with time_machine.travel(day, tick=False):
        place = lambda: services.renewal_place(  # noqa: E731
            order_number="R",
            order_date=day,
            vip_id=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[RenewalLineRequest(photoshop.sku_renewal, 5), RenewalLineRequest(indesign.sku_renewal, 2)],
        )
        if accepted:
            assert place()[1] is True
        else:
            with pytest.raises(DomainError) as refused:
                place()
            assert refused.value.code == "renewal_window_closed"
            assert "8 Feb 2026" in refused.value.message and "9 Apr 2026" in refused.value.message


def test_renewal_releases_unrenewed_licences_and_records_history(world):
    sales, customer, photoshop, indesign = world
    day = ANNIVERSARY - timedelta(days=5)
    with time_machine.travel(day, tick=False):
        services.refresh_renewal_overview(on=day)
        renewal, created = services.renewal_place(
            order_number="REN-2",
            order_date=day,
            vip_id=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[
                RenewalLineRequest(photoshop.sku_renewal, 2),
                RenewalLineRequest(indesign.sku_renewal, 0),
            ],  # InDesign not renewed, explicitly
        )
        again, created_again = services.renewal_place(
            order_number="REN-2",
            order_date=day,
            vip_id=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[RenewalLineRequest(photoshop.sku_renewal, 2), RenewalLineRequest(indesign.sku_renewal, 0)],
        )
        with pytest.raises(DomainError) as conflict:
            services.renewal_place(
                order_number="REN-2",
                order_date=day,
                vip_id=customer.vip_id,
                actor=ResellerAdminFactory(reseller=sales.reseller),
                lines=[RenewalLineRequest(photoshop.sku_renewal, 3), RenewalLineRequest(indesign.sku_renewal, 2)],
            )

    assert created and not created_again and again.pk == renewal.pk and conflict.value.code == "order_number_conflict"
    lines = {ln.product.name: (ln.quantity_before, ln.quantity_after, ln.released_users) for ln in renewal.lines.all()}
    assert lines == {"Photoshop": (5, 2, ["user2@c.example"]), "InDesign": (2, 0, [])}
    assert Holding.objects.get(customer=customer, product=photoshop).deployed == 2
    assert Assignment.objects.filter(customer=customer, released_at__isnull=True).count() == 2
    assert not RenewalRow.objects.filter(customer=customer).exists()
    assert (renewal.anniversary_before, renewal.anniversary_after) == (ANNIVERSARY, date(2027, 3, 10))


def test_renewal_lines_must_be_renewal_skus_of_held_products(world):
    sales, customer, photoshop, _ = world
    stranger = ProductFactory()
    day = ANNIVERSARY
    with time_machine.travel(day, tick=False):
        for lines, code in [
            ([RenewalLineRequest(photoshop.sku_new, 5)], "not_renewable"),
            ([RenewalLineRequest(stranger.sku_renewal, 5)], "not_renewable"),
            ([RenewalLineRequest(photoshop.sku_renewal, -1)], "quantity_out_of_range"),
            ([], "required"),
        ]:
            with pytest.raises(DomainError) as refused:
                services.renewal_place(
                    order_number="X",
                    order_date=day,
                    vip_id=customer.vip_id,
                    lines=lines,
                    actor=ResellerAdminFactory(reseller=sales.reseller),
                )
            assert refused.value.code == code
    assert not Renewal.objects.exists()


def test_29_february_anniversary_moves_to_28_february_then_back():
    sales = SalesFactory()
    # A first order on 2027-02-28 would give 2028-02-28; this customer's first order was on 29 February.
    customer = ActiveCustomerFactory(reseller=sales.reseller, anniversary_date=date(2028, 2, 29), anniversary_day=29)
    product = ProductFactory()
    Holding.objects.create(customer=customer, product=product, deployed=1)
    for order_day, expected in [
        (date(2028, 2, 20), date(2029, 2, 28)),
        (date(2029, 2, 20), date(2030, 2, 28)),
        (date(2030, 2, 20), date(2031, 2, 28)),
        (date(2031, 2, 20), date(2032, 2, 29)),
    ]:
        with time_machine.travel(order_day, tick=False):
            services.refresh_renewal_overview(on=order_day)
            services.renewal_place(
                order_number=f"R{order_day.year}",
                order_date=order_day,
                vip_id=customer.vip_id,
                lines=[RenewalLineRequest(product.sku_renewal, 1)],
                actor=ResellerAdminFactory(reseller=sales.reseller),
            )
        customer.refresh_from_db()
        assert customer.anniversary_date == expected


def test_an_edited_quantity_survives_the_refresh_and_below_assigned_needs_confirmation(world):
    sales, customer, photoshop, indesign = world
    day = ANNIVERSARY - timedelta(days=60)
    with time_machine.travel(day, tick=False):
        services.refresh_renewal_overview(on=day)
        with pytest.raises(DomainError) as ask:
            services.renewal_quantity_set(customer=customer, product=photoshop, quantity=1, actor=sales)
        services.renewal_quantity_set(
            customer=customer, product=photoshop, quantity=1, actor=sales, confirm_release=True
        )
        # Holdings change: a new PA adds licences of both products.
        pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(photoshop, 3), pa.LineRequest(indesign, 1)],
            actor=sales,
        )
        result = services.refresh_renewal_overview(on=day)

    assert ask.value.code == "confirm_release"
    assert "user2@c.example" in ask.value.message and "user1@c.example" in ask.value.message
    rows = {
        r.product.name: (r.quantity_held, r.proposed_quantity) for r in RenewalRow.objects.filter(customer=customer)
    }
    assert rows == {"Photoshop": (8, 1), "InDesign": (3, 3)}
    assert result.updated == 2


def test_an_inactive_account_must_be_reinstated_before_a_late_renewal(world):
    sales, customer, photoshop, indesign = world
    late = ANNIVERSARY + timedelta(days=35)
    with time_machine.travel(late, tick=False):
        services.refresh_renewal_overview(on=late - timedelta(days=40))
        assert services.remove_expired_access(on=late) == [customer.pk]
        with pytest.raises(DomainError) as refused:
            services.renewal_place(
                order_number="LATE",
                order_date=late,
                vip_id=customer.vip_id,
                actor=ResellerAdminFactory(reseller=sales.reseller),
                lines=[RenewalLineRequest(photoshop.sku_renewal, 5), RenewalLineRequest(indesign.sku_renewal, 0)],
            )
        services.customer_reinstate(customer=customer, actor=sales)
        assert services.remove_expired_access(on=late + timedelta(days=1)) == []  # left alone once reinstated
        renewal, _ = services.renewal_place(
            order_number="LATE",
            order_date=late,
            vip_id=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[RenewalLineRequest(photoshop.sku_renewal, 5), RenewalLineRequest(indesign.sku_renewal, 0)],
        )

    assert refused.value.code == "account_inactive" and "reinstated" in refused.value.message
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE and customer.anniversary_date == date(2027, 3, 10)
    assert [(ln.product.name, ln.quantity_before, ln.quantity_after) for ln in renewal.lines.all()][0] == (
        "InDesign",
        0,
        0,
    )
    reinstated = customer.events.get(kind=CustomerEvent.Kind.REINSTATED)
    assert reinstated.actor == sales


def test_dry_runs_change_nothing(world):
    _sales, customer, *_ = world
    day = ANNIVERSARY + timedelta(days=31)
    refresh = services.refresh_renewal_overview(on=day - timedelta(days=40), dry_run=True)
    removal = services.remove_expired_access(on=day, dry_run=True)
    assert refresh.added == 2 and removal == [customer.pk]
    assert not RenewalRow.objects.exists()
    customer.refresh_from_db()
    assert customer.status == "active"


def test_commands_tasks_and_beat_schedules(world, capsys):
    import importlib

    from django.apps import apps
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    from renewals import tasks

    _sales, customer, *_ = world
    day = ANNIVERSARY - timedelta(days=80)
    call_command("refresh_renewal_overview", "--date", day.isoformat(), "--dry-run")
    assert "2 rows would be added" in capsys.readouterr().out and not RenewalRow.objects.exists()
    assert tasks.refresh_renewal_overview(day.isoformat()) == {"customers": 1, "added": 2, "updated": 0}
    late = ANNIVERSARY + timedelta(days=31)
    call_command("remove_expired_access", "--date", late.isoformat(), "--dry-run")
    assert "1 customers would lose access" in capsys.readouterr().out
    assert tasks.remove_expired_access(late.isoformat()) == {"removed": 1}

    migration = importlib.import_module("renewals.migrations.0002_daily_schedules")
    PeriodicTask.objects.filter(task__startswith="renewals.").delete()
    migration.add_schedules(apps, None)
    migration.add_schedules(apps, None)
    assert sorted(PeriodicTask.objects.filter(task__startswith="renewals.").values_list("task", flat=True)) == [
        "renewals.refresh_renewal_overview",
        "renewals.remove_expired_access",
    ]


def test_order_numbers_are_unique_across_new_and_renewal_orders(world):
    sales, customer, photoshop, indesign = world
    with time_machine.travel(ANNIVERSARY, tick=False):
        order_receive(
            kind=OrderKind.RENEWAL,
            order_number="SHARED",
            order_date=ANNIVERSARY,
            reference=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[OrderLine(photoshop.sku_renewal, 5), OrderLine(indesign.sku_renewal, 2)],
        )
        new_pa = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(ProductFactory(), 1)], actor=sales
        )
        with pytest.raises(DomainError) as refused:
            order_receive(
                kind=OrderKind.NEW,
                order_number="SHARED",
                order_date=ANNIVERSARY,
                reference=new_pa.reference,
                lines=[OrderLine(new_pa.lines.get().product.sku_new, 1)],
                actor=ResellerAdminFactory(reseller=sales.reseller),
            )
        with pytest.raises(DomainError) as refused_too:
            order_receive(
                kind=OrderKind.RENEWAL,
                order_number="FIRST",
                order_date=ANNIVERSARY,
                reference=customer.vip_id,
                actor=ResellerAdminFactory(reseller=sales.reseller),
                lines=[OrderLine(photoshop.sku_renewal, 5), OrderLine(indesign.sku_renewal, 2)],
            )
    assert refused.value.code == refused_too.value.code == "order_number_conflict"


@pytest.mark.postgres
def test_a_bulk_refresh_analyzes_the_overview_table_at_once(world, monkeypatch):
    """Stale statistics after the first big refresh made the overview's page query 13x slower (docs)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def analyzes(threshold):
        monkeypatch.setattr("renewals.services.overview.ANALYZE_AFTER_ROWS", threshold)
        RenewalRow.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            services.refresh_renewal_overview(on=ANNIVERSARY - timedelta(days=60))
        return any(q["sql"].startswith("ANALYZE") for q in queries.captured_queries)

    assert analyzes(threshold=1) is True
    assert analyzes(threshold=1_000) is False


@pytest.mark.postgres
def test_postgresql_sessions_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
