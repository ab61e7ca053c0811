"""A day's jobs fanned out over two real worker processes (Redis + PostgreSQL) give the single-process result."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from celery import Celery

from authorizations import services as pa
from customers.models import Customer, CustomerEvent
from jobs.models import JobRun
from jobs.services import run_job
from licences.models import Holding
from notifications.models import OutboundEmail
from renewals.models import RenewalRow
from tests.conftest import redis_url
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory
from tests.test_worker import database_url

pytestmark = [pytest.mark.services, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_workers(tmp_path):
    broker = redis_url().rsplit("/", 1)[0] + "/14"
    Celery(broker=broker, set_as_current=False).connection_for_write().default_channel.client.flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_SECRET_KEY": "fan-out-test",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": "dummymail://",
    }
    env.pop("DJANGO_DEBUG", None)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "resellerconsole",
                "worker",
                "--pool=solo",
                "-n",
                f"w{n}@%h",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in (1, 2)
    ]
    try:
        yield Celery(broker=broker, set_as_current=False)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def wait_for(predicate, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_fanned_out_jobs_equal_the_single_process_run(two_workers):
    sales = SalesFactory()
    product = ProductFactory()
    today = pa.today()
    with time_machine.travel(today - timedelta(days=40)):
        for _ in range(12):  # overdue purchase authorizations
            pa.purchase_authorization_create(
                customer=ActiveCustomerFactory(reseller=sales.reseller),
                license_type="team",
                lines=[pa.LineRequest(product, 1)],
                actor=sales,
            )
    for offset in [20] * 10 + [-40] * 6:  # renewals due soon, and lapsed
        anniversary = today + timedelta(days=offset)
        customer = ActiveCustomerFactory(
            reseller=sales.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
        )
        Holding.objects.create(customer=customer, product=product, deployed=2)

    expected = {
        name: run_job(name, on=today, dry_run=True)
        for name in (
            "enforce_order_deadlines",
            "refresh_renewal_overview",
            "send_renewal_notices",
            "remove_expired_access",
        )
    }
    for name in expected:
        two_workers.send_task("jobs.fan_out_daily_job", args=[name, today.isoformat(), 4])
        assert wait_for(lambda name=name: JobRun.objects.filter(job=name).count() == 4), name

    assert Customer.objects.filter(status="delayed").count() == expected["enforce_order_deadlines"]["delayed"] == 12
    assert RenewalRow.objects.count() == expected["refresh_renewal_overview"]["added"] == 10
    assert (
        OutboundEmail.objects.filter(kind="renewal_due").count()
        == expected["send_renewal_notices"]["renewal_due"]
        == 10
    )
    assert Customer.objects.filter(status="inactive").count() == expected["remove_expired_access"]["removed"] == 6
    # Each change recorded once: 12 Delayed + 6 Inactive status events.
    assert CustomerEvent.objects.filter(kind="status_changed").count() == 18
