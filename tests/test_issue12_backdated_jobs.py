"""Issue 12, items 5, 6 and 7: a run for an earlier date never undoes a later day's decision; the single-job
commands log and record their run like beat; the Delayed refusal always names the overdue PA."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations import services
from authorizations.models import PurchaseAuthorization
from authorizations.services import LineRequest, OrderLineRequest
from customers.models import Customer, CustomerEvent, CustomerStatus
from jobs.models import JobRun
from notifications import notices
from notifications.models import OutboundEmail
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 3, 2)
LATER = DAY0 + timedelta(days=40)  # the PA created on DAY0 is overdue (deadline DAY0 + 30)
EARLIER = DAY0 + timedelta(days=10)  # not yet overdue
TODAY = DAY0 + timedelta(days=5)  # the real date while testers run the jobs for future dates


@pytest.fixture
def world():
    staff = ResellerAdminFactory()
    customer = ActiveCustomerFactory(reseller=staff.reseller)
    return staff, customer, ProductFactory(name="Photoshop"), ProductFactory(name="Acrobat Pro")


def create_pa(staff, customer, product, quantity=1):
    return services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[LineRequest(product, quantity)], actor=staff
    )


def order(staff, pa, number):
    return services.order_place(
        order_number=number,
        order_date=services.today(),
        pa_reference=pa.reference,
        lines=[OrderLineRequest(ln.product.sku_new, ln.quantity) for ln in pa.lines.all()],
        actor=staff,
    )


def status(customer) -> str:
    return Customer.objects.get(pk=customer.pk).status


# ---------------------------------------------------------------------------
# Item 5: the deadline sweep run for an earlier date
# ---------------------------------------------------------------------------
def test_a_run_for_an_earlier_day_never_restores_what_a_later_day_made_delayed(world):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        create_pa(staff, customer, photoshop)

    later = services.enforce_order_deadlines(on=LATER)
    earlier = services.enforce_order_deadlines(on=EARLIER)

    assert later.delayed == [customer.pk]
    assert earlier.restored == [] and status(customer) == CustomerStatus.DELAYED
    assert (earlier.kept, earlier.decided_for) == (1, LATER)
    assert CustomerEvent.objects.filter(kind=CustomerEvent.Kind.STATUS_CHANGED).count() == 1


def test_a_dry_run_for_today_after_runs_for_future_dates_reports_nothing_restored(world):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        create_pa(staff, customer, photoshop)
    with time_machine.travel(TODAY, tick=False):
        services.enforce_order_deadlines(on=LATER)
        services.enforce_order_deadlines(on=LATER + timedelta(days=5))

        dry = services.enforce_order_deadlines(on=services.today(), dry_run=True)

    assert (dry.delayed, dry.restored, dry.kept) == ([], [], 1)


def test_an_earlier_run_still_adds_what_that_day_missed(world):
    staff, customer, photoshop, _ = world
    other = ActiveCustomerFactory(reseller=staff.reseller)
    with time_machine.travel(DAY0, tick=False):
        create_pa(staff, customer, photoshop)
    services.enforce_order_deadlines(on=LATER)
    with time_machine.travel(DAY0, tick=False):  # created after the later run, overdue on the earlier day too
        missed = create_pa(staff, other, photoshop)
    PurchaseAuthorization.objects.filter(pk=missed.pk).update(order_deadline=DAY0 + timedelta(days=20))

    earlier = services.enforce_order_deadlines(on=DAY0 + timedelta(days=25))

    assert earlier.delayed == [other.pk] and earlier.restored == []
    assert status(customer) == status(other) == CustomerStatus.DELAYED


def test_ordering_the_overdue_pa_still_restores_after_a_run_for_a_future_date(world):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(staff, customer, photoshop)
    with time_machine.travel(TODAY, tick=False):
        services.enforce_order_deadlines(on=LATER)
        order(staff, pa, "LWS-1")

    assert status(customer) == CustomerStatus.ACTIVE
    assert Customer.objects.get(pk=customer.pk).delayed_for is None


def test_ordering_another_pa_keeps_what_a_run_for_a_future_date_decided(world):
    staff, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        overdue = create_pa(staff, customer, photoshop)
        other = create_pa(staff, customer, acrobat)
    PurchaseAuthorization.objects.filter(pk=other.pk).update(order_deadline=DAY0 + timedelta(days=60))
    with time_machine.travel(TODAY, tick=False):
        services.enforce_order_deadlines(on=LATER)
        order(staff, other, "LWS-2")  # the PA overdue on LATER is still pending

        assert status(customer) == CustomerStatus.DELAYED
        services.purchase_authorization_withdraw(purchase_authorization=overdue, actor=staff)

    assert status(customer) == CustomerStatus.ACTIVE


def test_a_later_run_that_finds_the_account_still_delayed_moves_its_date_on(world):
    """Delayed for day 40 by one PA, still Delayed on day 50 by a second one: ordering the first PA (today) must
    not restore the account that the run for day 50 found Delayed."""
    staff, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        first = create_pa(staff, customer, photoshop)
        second = create_pa(staff, customer, acrobat)
    PurchaseAuthorization.objects.filter(pk=second.pk).update(order_deadline=LATER + timedelta(days=5))
    services.enforce_order_deadlines(on=LATER)
    services.enforce_order_deadlines(on=LATER + timedelta(days=10))
    assert Customer.objects.get(pk=customer.pk).delayed_for == LATER + timedelta(days=10)

    with time_machine.travel(TODAY, tick=False):
        order(staff, first, "LWS-1")

    assert status(customer) == CustomerStatus.DELAYED


def test_the_restore_pass_still_restores_when_nothing_is_overdue_as_of_the_later_day(world):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(staff, customer, photoshop)
    services.enforce_order_deadlines(on=LATER)
    PurchaseAuthorization.objects.filter(pk=pa.pk).update(order_deadline=LATER + timedelta(days=30))  # extended

    earlier = services.enforce_order_deadlines(on=EARLIER)

    assert earlier.restored == [customer.pk] and status(customer) == CustomerStatus.ACTIVE


def test_the_deadline_sweep_uses_a_fixed_number_of_queries(world):
    staff, _customer, photoshop, _ = world

    def queries(accounts: int) -> int:
        customers = [ActiveCustomerFactory(reseller=staff.reseller) for _ in range(accounts)]
        with time_machine.travel(DAY0, tick=False):
            for customer in customers:
                create_pa(staff, customer, photoshop)
        services.enforce_order_deadlines(on=LATER)  # delays them
        with CaptureQueriesContext(connection) as captured:
            services.enforce_order_deadlines(on=LATER + timedelta(days=1))  # confirms them
            services.enforce_order_deadlines(on=EARLIER)  # keeps them
        Customer.objects.filter(pk__in=[c.pk for c in customers]).update(status=CustomerStatus.INACTIVE)
        return len(captured)

    assert queries(2) == queries(6)


def test_the_command_says_the_restore_pass_was_skipped(world, capsys):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        create_pa(staff, customer, photoshop)
    call_command("enforce_order_deadlines", "--date", LATER.isoformat())

    call_command("enforce_order_deadlines", "--date", EARLIER.isoformat())

    out = capsys.readouterr().out
    assert "0 accounts were restored" in out
    assert f"restore pass skipped for 1 accounts: a run for {LATER.isoformat()} already decided" in out
    assert status(customer) == CustomerStatus.DELAYED


def test_a_catch_up_for_an_earlier_day_sends_no_notice_that_a_later_one_overtook():
    anniversary = date(2026, 6, 1)
    ActiveCustomerFactory(anniversary_date=anniversary, anniversary_day=1)

    later = notices.send_renewal_notices(on=anniversary + timedelta(days=2))
    earlier = notices.send_renewal_notices(on=anniversary - timedelta(days=3))  # "time to renew" was missed

    assert later.created[OutboundEmail.Kind.RENEWAL_OVERDUE] == 1
    assert earlier.created[OutboundEmail.Kind.RENEWAL_DUE] == 0
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == [OutboundEmail.Kind.RENEWAL_OVERDUE]


# ---------------------------------------------------------------------------
# Item 7: the Delayed refusal names the overdue PA
# ---------------------------------------------------------------------------
def test_the_refusal_names_the_overdue_pa_when_a_run_for_a_later_date_made_the_account_delayed(world):
    staff, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(staff, customer, photoshop)
    with time_machine.travel(TODAY, tick=False):
        services.enforce_order_deadlines(on=LATER)
        with pytest.raises(DomainError) as refused:
            create_pa(staff, Customer.objects.get(pk=customer.pk), acrobat)

    assert refused.value.code == "account_delayed"
    assert pa.reference in refused.value.message and "?" not in refused.value.message


def test_a_delayed_account_with_no_overdue_pa_on_record_names_its_earliest_pending_pa(world):
    staff, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        first = create_pa(staff, customer, photoshop)
        create_pa(staff, customer, acrobat)
    PurchaseAuthorization.objects.filter(pk=first.pk).update(order_deadline=DAY0 + timedelta(days=20))
    Customer.objects.filter(pk=customer.pk).update(status=CustomerStatus.DELAYED)  # set another way, no date

    with time_machine.travel(TODAY, tick=False), pytest.raises(DomainError) as refused:
        create_pa(staff, Customer.objects.get(pk=customer.pk), ProductFactory())

    assert refused.value.code == "account_delayed"
    assert first.reference in refused.value.message and "?" not in refused.value.message


# ---------------------------------------------------------------------------
# Item 6: the single-job commands log and record their run
# ---------------------------------------------------------------------------
SINGLE_JOBS = [
    "enforce_order_deadlines",
    "refresh_renewal_overview",
    "auto_renew_subscriptions",
    "send_renewal_notices",
    "remove_expired_access",
]


@pytest.mark.parametrize("job", SINGLE_JOBS)
def test_each_single_job_command_logs_and_records_its_run(job, caplog, client):
    with caplog.at_level("INFO", logger="jobs"):
        call_command(job, "--date", "2026-05-01")

    [line] = [r.getMessage() for r in caplog.records if r.name == "jobs"]
    assert line.startswith(f"job={job} date=2026-05-01 dry_run=false source=command counts=")
    [run] = JobRun.objects.filter(job=job)
    assert (run.business_date, run.source, run.dry_run) == (date(2026, 5, 1), "command", False)
    assert client.get(reverse("healthz")).json()["daily_jobs_last_success"][job] is not None


@pytest.mark.parametrize("job", SINGLE_JOBS)
def test_a_dry_run_command_logs_its_line_and_records_nothing(job, caplog):
    with caplog.at_level("INFO", logger="jobs"):
        call_command(job, "--date", "2026-05-01", "--dry-run")

    [line] = [r.getMessage() for r in caplog.records if r.name == "jobs"]
    assert line.startswith(f"job={job} date=2026-05-01 dry_run=true source=command")
    assert not JobRun.objects.exists()


def test_what_a_command_changes_names_the_command_line_and_the_job(world):
    staff, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        create_pa(staff, customer, photoshop)

    call_command("enforce_order_deadlines", "--date", LATER.isoformat())

    event = customer.events.get(kind=CustomerEvent.Kind.STATUS_CHANGED)
    assert (event.source, event.source_detail) == ("command", "enforce_order_deadlines")


def test_run_daily_jobs_records_each_job_as_run_from_the_command_line():
    call_command("run_daily_jobs", "--date", "2026-05-01")

    assert sorted(JobRun.objects.values_list("job", "source")) == sorted((job, "command") for job in SINGLE_JOBS)
