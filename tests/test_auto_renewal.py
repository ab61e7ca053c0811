"""Auto-renewal: per subscription on/off and quantity, the daily job that renews on the anniversary (exactly
once, with the clock travelling), and the console's Renewals tab that shows and changes it."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from authorizations import services as pa
from customers.models import CustomerEvent
from jobs import services as jobs
from jobs.models import JobRun
from licences.models import Assignment, Holding
from renewals import services
from renewals.models import AutoRenewal, Renewal, RenewalRow
from renewals.selectors import subscriptions_for
from resellerconsole.audit import Source
from resellerconsole.errors import DomainError
from tests.conftest import run_together
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
NEXT_ANNIVERSARY = date(2027, 3, 10)


def first_order(customer, sales, products_and_quantities, *, users=3):
    with time_machine.travel(FIRST_ORDER, tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(product, quantity) for product, quantity in products_and_quantities],
            actor=sales,
        )
        pa.order_place(
            order_number=f"FIRST-{customer.pk}",
            order_date=FIRST_ORDER,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(product.sku_new, q) for product, q in products_and_quantities],
            actor=ResellerAdminFactory(reseller=sales.reseller),
        )
        photoshop = products_and_quantities[0][0]
        for n in range(users):
            pa.assignment_add(customer=customer, product=photoshop, email=f"user{n}@c.example", actor=sales)
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY
    return customer


@pytest.fixture
def world():
    """A customer holding 5 Photoshop (3 users) and 2 InDesign whose anniversary is 2026-03-10."""
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    first_order(customer, sales, [(photoshop, 5), (indesign, 2)])
    return sales, customer, photoshop, indesign


def held(customer) -> dict[str, int]:
    return {h.product.name: h.deployed for h in Holding.objects.filter(customer=customer).select_related("product")}


def run_day(day):
    """The job as beat runs it, on `day` (the clock there too)."""
    with time_machine.travel(day, tick=False):
        return jobs.run_job("auto_renew_subscriptions", on=day)


# ---------------------------------------------------------------------------
# Who renews automatically
# ---------------------------------------------------------------------------
def test_a_console_customer_is_off_and_the_job_leaves_it_to_the_renewal_order(world):
    _sales, customer, *_ = world
    assert [s.auto_renews for s in subscriptions_for(customer=customer)] == [False, False]
    assert run_day(ANNIVERSARY) == {"due": 0, "renewed": 0, "refused": 0}
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY and not Renewal.objects.exists()


def test_with_auto_renewal_on_the_job_renews_on_the_anniversary_exactly_once(world):
    _sales, customer, *_ = world
    services.auto_renewal_default_set(customer=customer, enabled=True)  # as /v3 creates its customers

    assert run_day(ANNIVERSARY - timedelta(days=1)) == {"due": 0, "renewed": 0, "refused": 0}
    assert run_day(ANNIVERSARY) == {"due": 1, "renewed": 1, "refused": 0}
    assert run_day(ANNIVERSARY) == {"due": 0, "renewed": 0, "refused": 0}  # a doubled beat
    assert run_day(ANNIVERSARY + timedelta(days=1)) == {"due": 0, "renewed": 0, "refused": 0}

    renewal = Renewal.objects.get()
    customer.refresh_from_db()
    assert customer.anniversary_date == NEXT_ANNIVERSARY
    assert (renewal.order_number, renewal.order_date) == (f"AUTO-{customer.vip_id}-20260310", ANNIVERSARY)
    assert (renewal.automatic, renewal.entered_by_hand, renewal.placed_by) == (True, False, None)
    assert [(ln.product.name, ln.quantity_before, ln.quantity_after) for ln in renewal.lines.all()] == [
        ("InDesign", 2, 2),
        ("Photoshop", 5, 5),
    ]
    assert held(customer) == {"Photoshop": 5, "InDesign": 2}
    event = customer.events.get(kind=CustomerEvent.Kind.RENEWED)
    assert (event.source, event.source_detail, event.actor) == (Source.JOB, "auto_renew_subscriptions", None)
    assert event.parameters["automatic"] is True and "auto-renewal" in event.details
    assert list(JobRun.objects.filter(job="auto_renew_subscriptions").values_list("counts", flat=True))[-1] == {
        "due": 0,
        "renewed": 0,
        "refused": 0,
    }


def test_the_year_after_it_renews_again_with_the_quantity_chosen(world):
    sales, customer, photoshop, _indesign = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    with time_machine.travel(FIRST_ORDER + timedelta(days=30), tick=False):
        services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, renewal_quantity=8)

    run_day(ANNIVERSARY)
    assert held(customer) == {"Photoshop": 8, "InDesign": 2}
    run_day(NEXT_ANNIVERSARY)
    customer.refresh_from_db()
    assert customer.anniversary_date == date(2028, 3, 10)
    assert held(customer) == {"Photoshop": 8, "InDesign": 2}  # Adobe keeps a chosen quantity year to year
    assert Renewal.objects.filter(automatic=True).count() == 2


def test_a_subscription_turned_off_is_not_renewed_and_its_users_lose_access(world):
    sales, customer, photoshop, indesign = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, enabled=False)

    assert services.auto_renewal_lines(customer) == [
        services.RenewalLineRequest(indesign.sku_renewal, 2),
        services.RenewalLineRequest(photoshop.sku_renewal, 0),
    ]
    run_day(ANNIVERSARY)
    assert held(customer) == {"Photoshop": 0, "InDesign": 2}
    assert not Assignment.objects.active().filter(customer=customer, product=photoshop).exists()
    line = Renewal.objects.get().lines.get(product=photoshop)
    assert sorted(line.released_users) == ["user0@c.example", "user1@c.example", "user2@c.example"]


def test_a_console_customer_with_one_subscription_turned_on_renews_that_one(world):
    sales, customer, photoshop, _indesign = world
    services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, enabled=True, renewal_quantity=4)
    run_day(ANNIVERSARY)
    assert held(customer) == {"Photoshop": 4, "InDesign": 0}
    # 3 users, 4 licences: nobody loses access.
    assert Assignment.objects.active().filter(customer=customer, product=photoshop).count() == 3


def test_without_a_chosen_quantity_it_renews_the_overviews_renewal_quantity(world):
    sales, customer, photoshop, _indesign = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    overview_day = ANNIVERSARY - timedelta(days=20)
    with time_machine.travel(overview_day, tick=False):
        services.refresh_renewal_overview(on=overview_day)
        services.renewal_quantity_set(customer=customer, product=photoshop, quantity=3, actor=sales)
    run_day(ANNIVERSARY)
    assert held(customer) == {"Photoshop": 3, "InDesign": 2}
    assert not RenewalRow.objects.filter(customer=customer, anniversary_date=ANNIVERSARY).exists()


@pytest.mark.parametrize(("days_late", "renewed"), [(1, 1), (30, 1), (31, 0)])
def test_a_missed_day_is_caught_up_in_the_grace_period_but_not_after_it(world, days_late, renewed):
    _sales, customer, *_ = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    assert run_day(ANNIVERSARY + timedelta(days=days_late))["renewed"] == renewed
    # Caught up, the order is dated the anniversary, as if the job had run that day.
    assert [r.order_date for r in Renewal.objects.all()] == [ANNIVERSARY] * renewed


def test_a_run_for_a_day_after_today_refuses_and_changes_nothing(world):
    _sales, customer, *_ = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    with time_machine.travel(ANNIVERSARY - timedelta(days=2), tick=False):
        run = services.auto_renew(on=ANNIVERSARY)
    assert run.refused == {customer.pk: "future_date"} and not run.renewed
    customer.refresh_from_db()
    assert customer.anniversary_date == ANNIVERSARY and not Renewal.objects.exists()


def test_a_dry_run_names_who_is_due_and_changes_nothing(world):
    _sales, customer, *_ = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    with time_machine.travel(ANNIVERSARY, tick=False):
        run = services.auto_renew(on=ANNIVERSARY, dry_run=True)
    assert (run.due, run.renewed) == ([customer.pk], [])
    assert not Renewal.objects.exists()


def test_the_auto_renewal_shows_in_the_renewal_history(client, world):
    _sales, customer, *_ = world
    services.auto_renewal_default_set(customer=customer, enabled=True)
    run_day(ANNIVERSARY)
    client.force_login(ResellerAdminFactory(reseller=customer.reseller))
    with time_machine.travel(ANNIVERSARY, tick=False):
        page = client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()
    assert f"AUTO-{customer.vip_id}-20260310" in page and "auto-renewal" in page


# ---------------------------------------------------------------------------
# Changing it: the service's rules
# ---------------------------------------------------------------------------
def test_a_change_is_recorded_once_with_before_and_after(world):
    sales, customer, photoshop, _indesign = world
    services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, enabled=True, renewal_quantity=6)
    services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, enabled=True, renewal_quantity=6)
    services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, renewal_quantity=None)

    events = list(customer.events.filter(kind=CustomerEvent.Kind.AUTO_RENEWAL_CHANGED).order_by("pk"))
    assert [(e.parameters["before"], e.parameters["after"]) for e in events] == [
        ({"enabled": False, "renewal_quantity": None}, {"enabled": True, "renewal_quantity": 6}),
        ({"enabled": True, "renewal_quantity": 6}, {"enabled": True, "renewal_quantity": None}),
    ]
    assert events[0].details == "Photoshop: off → on, 6 licences"
    row = AutoRenewal.objects.get()
    assert (row.enabled, row.renewal_quantity, row.changed_by) == (True, None, sales)


@pytest.mark.parametrize(
    ("quantity", "code"),
    [(-1, "quantity_out_of_range"), (10_001, "quantity_out_of_range"), ("7", "quantity_out_of_range")],
)
def test_the_quantity_is_the_renewals_rule(world, quantity, code):
    sales, customer, photoshop, _indesign = world
    with pytest.raises(DomainError) as refused:
        services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, renewal_quantity=quantity)
    assert (refused.value.code, refused.value.field) == (code, "renewal_quantity")
    assert not AutoRenewal.objects.exists()


def test_only_a_subscription_with_licences_held_may_be_changed(world):
    sales, customer, _photoshop, _indesign = world
    with pytest.raises(DomainError) as refused:
        services.auto_renewal_set(customer=customer, product=ProductFactory(), actor=sales, enabled=True)
    assert refused.value.code == "subscription_inactive"


# ---------------------------------------------------------------------------
# The console's Renewals tab
# ---------------------------------------------------------------------------
def test_the_renewals_tab_shows_and_changes_it(sales_client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop = ProductFactory(name="Photoshop")
    first_order(customer, sales, [(photoshop, 5)], users=1)
    tab_url = reverse("customer-renewals", args=[customer.pk])
    url = reverse("auto-renewal", args=[customer.pk])

    with time_machine.travel(FIRST_ORDER + timedelta(days=5), tick=False):
        before = sales_client.get(tab_url).content.decode()
        saved = sales_client.post(url, {"product": photoshop.pk, "enabled": "on", "renewal_quantity": "7"}, follow=True)
        refused = sales_client.post(
            url, {"product": photoshop.pk, "enabled": "on", "renewal_quantity": "-3"}, follow=True
        )
        other = sales_client.post(url, {"product": ProductFactory().pk, "enabled": "on"}, follow=True)
        off = sales_client.post(url, {"product": photoshop.pk}, follow=True)

    assert "Auto-renewal" in before and "not renewed automatically" in before
    assert "auto-renewal is on, for 7 licences" in saved.content.decode()
    assert "greater than or equal to 0" in refused.content.decode()
    assert "holds no licences of it" in other.content.decode()
    assert "auto-renewal is off" in off.content.decode()
    row = AutoRenewal.objects.get()
    assert (row.enabled, row.renewal_quantity) == (False, None)
    assert customer.events.filter(kind=CustomerEvent.Kind.AUTO_RENEWAL_CHANGED).count() == 2


def test_another_resellers_staff_cannot_change_it(client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop = ProductFactory()
    first_order(customer, sales, [(photoshop, 5)], users=0)
    client.force_login(SalesFactory())
    response = client.post(reverse("auto-renewal", args=[customer.pk]), {"product": photoshop.pk, "enabled": "on"})
    assert response.status_code == 404 and not AutoRenewal.objects.exists()


# ---------------------------------------------------------------------------
# PostgreSQL: runs at the same moment renew once
# ---------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_runs_at_once_renew_each_customer_once():
    assert connection.vendor == "postgresql"
    sales = SalesFactory()
    customers = []
    for _ in range(3):
        customer = ActiveCustomerFactory(reseller=sales.reseller)
        first_order(customer, sales, [(ProductFactory(), 2)], users=1)
        services.auto_renewal_default_set(customer=customer, enabled=True)
        customers.append(customer)

    with time_machine.travel(ANNIVERSARY, tick=False):
        runs = run_together(*[lambda: services.auto_renew(on=ANNIVERSARY, batch_size=2) for _ in range(4)])

    assert not [r for r in runs if isinstance(r, Exception)], runs
    assert sorted(pk for run in runs for pk in run.renewed) == sorted(c.pk for c in customers)
    assert not [run.refused for run in runs if run.refused]
    assert Renewal.objects.count() == 3
    for customer in customers:
        customer.refresh_from_db()
        assert customer.anniversary_date == NEXT_ANNIVERSARY
        assert customer.events.filter(kind=CustomerEvent.Kind.RENEWED).count() == 1
