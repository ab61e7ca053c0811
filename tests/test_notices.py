"""Renewal notices exactly once, through a real SMTP sink; the banner; the daily jobs' plumbing."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from customers.models import VipAdmin
from jobs.models import JobRun
from jobs.services import run_daily_jobs
from licences.models import Holding
from notifications import notices
from notifications.models import OutboundEmail
from notifications.sending import email_deliver
from notifications.tasks import send_pending_emails
from renewals import services as renewals
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
ANNIVERSARY = date(2026, 9, 15)


def customer_due(anniversary=ANNIVERSARY, admins=("ada@c.example", "bo@c.example"), **kwargs):
    customer = ActiveCustomerFactory(
        anniversary_date=anniversary,
        anniversary_day=anniversary.day,
        vip_admins=[(f"Admin {e}", e) for e in admins],
        **kwargs,
    )
    Holding.objects.create(customer=customer, product=ProductFactory(name="Photoshop"), deployed=4)
    return customer


def deliver_all():
    while email_deliver().claimed:
        pass


def test_each_notice_reaches_each_vip_admin_once_over_real_smtp(smtp):
    customer = customer_due(preferred_language="sv")
    day = ANNIVERSARY - timedelta(days=30)
    with time_machine.travel(day, tick=False):
        notices.send_renewal_notices(on=day)
        notices.send_renewal_notices(on=day)
        deliver_all()
        deliver_all()

    # One message to each admin: neither sees the other's address.
    assert sorted(recipients for recipients, _content in smtp.messages) == [["ada@c.example"], ["bo@c.example"]]
    for [recipient], content in smtp.messages:
        other = ({"ada@c.example", "bo@c.example"} - {recipient}).pop()
        assert f"To: {recipient}" in content and other not in content
        assert customer.vip_id in content and "Photoshop" in content and customer.reseller.name in content
        assert "Content-Type: text/html" in content
    assert OutboundEmail.objects.get(kind="renewal_due").anniversary == ANNIVERSARY


def test_an_smtp_outage_leaves_notices_pending_until_a_later_run(smtp):
    customer_due()
    day = ANNIVERSARY - timedelta(days=30)
    with time_machine.travel(day, tick=False) as traveller:
        notices.send_renewal_notices(on=day)
        smtp.stop()
        deliver_all()
        row = OutboundEmail.objects.get(kind="renewal_due")
        assert (row.state, row.attempts) == ("pending", 1) and smtp.messages == []
        smtp.start()
        traveller.shift(timedelta(minutes=2))
        deliver_all()
    row.refresh_from_db()
    assert row.state == "sent" and len(smtp.messages) == 2  # one to each admin


def test_a_customer_renewed_before_the_anniversary_gets_no_anniversary_notice():
    sales = SalesFactory()
    customer = customer_due(reseller=sales.reseller)
    photoshop = Holding.objects.get(customer=customer).product
    for offset in range(-31, 35):
        day = ANNIVERSARY + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            run_daily_jobs(on=day)
            if offset == -5:
                renewals.renewal_place(
                    order_number="R",
                    order_date=day,
                    vip_id=customer.vip_id,
                    actor=ResellerAdminFactory(reseller=sales.reseller),
                    lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 4)],
                )
    assert list(OutboundEmail.objects.filter(customer=customer).values_list("kind", flat=True)) == ["renewal_due"]


def test_a_missed_day_is_caught_up_but_a_passed_notice_is_never_sent_late():
    customer = customer_due()
    # The job did not run from 40 days before until 2 days after the anniversary.
    notices.send_renewal_notices(on=ANNIVERSARY + timedelta(days=2))
    assert list(OutboundEmail.objects.filter(customer=customer).values_list("kind", flat=True)) == ["renewal_overdue"]


def test_a_year_day_by_day_sends_exactly_the_expected_emails_and_nothing_on_a_second_pass():
    sales = SalesFactory()
    lapsing = customer_due(reseller=sales.reseller, anniversary=date(2026, 3, 1))
    renewing = customer_due(reseller=sales.reseller, anniversary=date(2026, 6, 10), admins=("x@r.example",))
    no_admins = customer_due(reseller=sales.reseller, anniversary=date(2026, 8, 1), admins=())
    photoshop = Holding.objects.get(customer=renewing).product
    sent = []
    start = date(2026, 1, 1)
    for offset in range(365):
        day = start + timedelta(days=offset)
        with time_machine.travel(day, tick=False):
            for _pass in range(2):
                run_daily_jobs(on=day)
                send_pending_emails()
            if day == date(2026, 6, 1):
                renewals.renewal_place(
                    order_number="REN",
                    order_date=day,
                    vip_id=renewing.vip_id,
                    actor=ResellerAdminFactory(reseller=sales.reseller),
                    lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 4)],
                )
            for message in mail.outbox[len(sent) :]:
                sent.append(
                    (day, message.to, message.subject.split(":")[0] if ":" in message.subject else message.subject)
                )

    expected = [
        # One message to each VIP admin (they do not see each other's addresses).
        *[(date(2026, 1, 30), [admin], "Time to renew") for admin in ("ada@c.example", "bo@c.example")],
        *[
            (date(2026, 3, 1), [admin], f"{lapsing.company_name}'s VIP renewal should have been made")
            for admin in ("ada@c.example", "bo@c.example")
        ],
        *[
            (
                date(2026, 3, 24),
                [admin],
                f"{lapsing.company_name} loses access to its software on 1 Apr 2026 unless renewed",
            )
            for admin in ("ada@c.example", "bo@c.example")
        ],
        (date(2026, 5, 11), ["x@r.example"], "Time to renew"),
        # Renewed on 1 June: no anniversary notice; the next "time to renew" is in May 2027.
    ]
    assert sent == expected
    assert no_admins.emails.count() == 0
    lapsing.refresh_from_db()
    assert lapsing.status == "inactive"


def test_an_account_turning_delayed_tells_the_resellers_staff_once():
    from authorizations import services as pa

    sales = SalesFactory(email="sales@reseller.example")
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    with time_machine.travel(date(2026, 1, 1), tick=False):
        authorization = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(ProductFactory(), 1)], actor=sales
        )
    for day in (date(2026, 2, 1), date(2026, 2, 1), date(2026, 2, 2)):
        pa.enforce_order_deadlines(on=day)
    send_pending_emails()
    [message] = mail.outbox
    assert message.to == ["sales@reseller.example"] and authorization.reference in message.body


def test_the_banner_for_vip_admins_and_resellers(client, sales_client, sales):
    from accounts.models import User

    customer = customer_due(reseller=sales.reseller)
    client.force_login(
        User.objects.create_user(
            "vip@c.example", role="vip_admin", customer=customer, vip_admin=customer.vip_admins.first()
        )
    )
    for offset, expected in [
        (-31, None),
        (-20, "Your anniversary date is"),
        (0, "has passed"),
        (23, "lose access to the software on"),
        (31, None),
    ]:
        with time_machine.travel(ANNIVERSARY + timedelta(days=offset), tick=False):
            page = client.get(reverse("admin-console")).content.decode()
            reseller_page = sales_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
        if expected is None:
            assert 'data-testid="renewal-banner"' not in page, offset
        else:
            assert expected in page and customer.reseller.name in page, offset
            assert 'data-testid="renewal-banner"' in reseller_page, offset


def test_run_daily_jobs_logs_one_line_per_job_and_healthz_reports_ages(client, caplog, capsys):
    from django.core.management import call_command

    with caplog.at_level("INFO", logger="jobs"):
        call_command("run_daily_jobs", "--date", "2026-05-01")
    lines = [r.getMessage() for r in caplog.records if r.name == "jobs"]
    assert [line.split()[0] for line in lines] == [
        "job=enforce_order_deadlines",
        "job=refresh_renewal_overview",
        "job=auto_renew_subscriptions",
        "job=send_renewal_notices",
        "job=remove_expired_access",
    ]
    assert all("date=2026-05-01" in line and "duration_ms=" in line for line in lines)
    assert "send_renewal_notices" in capsys.readouterr().out

    from jobs.services import DAILY_JOBS

    healthy = client.get(reverse("healthz")).json()
    assert set(healthy["daily_jobs_last_success"]) == set(DAILY_JOBS)
    assert all(healthy["daily_jobs_last_success"].values()) and healthy["failing"] == []
    JobRun.objects.filter(job="send_renewal_notices").update(
        finished_at=JobRun.objects.first().finished_at - timedelta(hours=27)
    )
    stale = client.get(reverse("healthz"))
    assert stale.status_code == 503 and stale.json()["failing"] == ["job:send_renewal_notices"]


def test_vip_admins_without_addresses_are_skipped_not_failed():
    customer = customer_due(admins=())
    assert VipAdmin.objects.filter(customer=customer).count() == 0
    assert notices.send_renewal_notices(on=ANNIVERSARY).created["renewal_overdue"] == 0


def test_key_ranges_cover_every_customer_once_and_chunks_add_up():
    from jobs.services import key_ranges
    from resellerconsole.batching import KeyRange

    customers = [customer_due() for _ in range(7)]
    ranges = key_ranges(3)
    covered = [pk for r in ranges for pk in range(r.first, r.last + 1)]
    assert len(ranges) == 3 and sorted(set(covered)) == covered
    assert {c.pk for c in customers} <= set(covered)

    day = ANNIVERSARY - timedelta(days=10)
    chunked = [notices.send_renewal_notices(on=day, key_range=r).created["renewal_due"] for r in ranges]
    assert sum(chunked) == 7 and notices.send_renewal_notices(on=day).created["renewal_due"] == 0
    assert notices.send_renewal_notices(on=day, key_range=KeyRange(0, 0)).created["renewal_due"] == 0


def test_the_daily_jobs_are_in_the_beat_schedule_in_utc_and_admin_edits_survive():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    # The rows as the earlier migrations create them (a flushed test database may have lost them).
    importlib.import_module("authorizations.migrations.0002_order_deadline_schedule").add_schedule(apps, None)
    importlib.import_module("renewals.migrations.0002_daily_schedules").add_schedules(apps, None)
    # A job registered later gets its row (sending jobs.run_daily_job) from its own migration.
    importlib.import_module("jobs.migrations.0006_beat_row_auto_renew_subscriptions").write_beat_rows(apps, None)
    migration = importlib.import_module("jobs.migrations.0002_daily_schedule_in_utc")
    edited = PeriodicTask.objects.get(task="renewals.remove_expired_access")
    edited.crontab = CrontabSchedule.objects.create(minute="5", hour="3")  # an operator moved it
    edited.save()
    migration.to_utc(apps, None)
    migration.to_utc(apps, None)

    rows = {t.task: t for t in PeriodicTask.objects.filter(crontab__isnull=False)}
    assert set(rows) == {
        "authorizations.enforce_order_deadlines",
        "renewals.refresh_renewal_overview",
        "notifications.send_renewal_notices",
        "renewals.remove_expired_access",
        "jobs.run_daily_job",  # auto_renew_subscriptions
    }
    for task in (
        "authorizations.enforce_order_deadlines",
        "renewals.refresh_renewal_overview",
        "notifications.send_renewal_notices",
    ):
        assert (rows[task].crontab.hour, str(rows[task].crontab.timezone)) == ("23", "UTC")
        assert rows[task].expire_seconds < 24 * 3600
    assert (
        rows["renewals.remove_expired_access"].crontab.hour,
        rows["renewals.remove_expired_access"].crontab.minute,
    ) == ("3", "5")


def test_send_renewal_notices_command_dry_runs_then_creates_once(capsys):
    from django.core.management import call_command

    customer_due()
    day = (ANNIVERSARY - timedelta(days=10)).isoformat()
    call_command("send_renewal_notices", "--date", day, "--dry-run")
    assert "1 renewal_due notices would be created" in capsys.readouterr().out
    assert not OutboundEmail.objects.exists()
    call_command("send_renewal_notices", "--date", day)
    call_command("send_renewal_notices", "--date", day)
    assert OutboundEmail.objects.filter(kind="renewal_due").count() == 1
    with pytest.raises(Exception, match="--date must look like"):
        call_command("send_renewal_notices", "--date", "30/11/2026")
