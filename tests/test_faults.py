"""Faults with the real services: Redis stopped, a worker killed, SMTP dropping, the database connection lost,
beat started twice. Each fault leaves the state of an undisturbed run, with every e-mail delivered exactly once.

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL); skipped without them, a failure in CI. Redis is stopped
only as a private redis-server this module starts; the machine's Redis is used on databases 6 and 7 only.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
import redis
import time_machine
from celery import Celery
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from authorizations import services as pa
from authorizations import tasks as authorization_tasks
from authorizations.models import Order, PurchaseAuthorization
from customers.models import Customer, CustomerEvent
from jobs import tasks as job_tasks
from jobs.models import JobRun
from jobs.services import DAILY_JOBS, key_ranges, run_job
from licences.models import Holding
from notifications import tasks as outbox_tasks
from notifications.models import OutboundEmail
from renewals import tasks as renewal_tasks
from renewals.models import RenewalRow
from resellerconsole.celery import app as celery_app
from tests.conftest import MailServer, free_port, missing, redis_url, row_keys, run_together
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory
from tests.test_worker import database_url

pytestmark = [pytest.mark.services, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WORKER_NAME = "faults-worker"  # application_name of the workers' database connections

#: A Celery worker started as `python -c WORKER worker …`. With FAULTS_BATCH_PAUSE_SECONDS, each batch of the
#: order-deadline job waits that long inside its transaction (rows locked, changes not committed), so a test can
#: strike in the middle of a job. Unacknowledged messages of a killed worker come back after 4 s, not Redis'
#: default hour.
WORKER = """
import os, sys, time
import django
django.setup()
pause = float(os.environ.get("FAULTS_BATCH_PAUSE_SECONDS") or 0)
if pause:
    from authorizations import deadlines
    apply_batch = deadlines._apply_deadline_batch
    def slow_batch(*args, **kwargs):
        result = apply_batch(*args, **kwargs)
        time.sleep(pause)
        return result
    deadlines._apply_deadline_batch = slow_batch
from resellerconsole.celery import app
app.conf.broker_transport_options = {
    "visibility_timeout": 4, "unacked_restore_interval": 1, "unacked_restore_throttle": 1,
}
app.worker_main(sys.argv[1:])
"""


# ---------------------------------------------------------------------------
# The services: an SMTP server that misbehaves on cue, a private Redis, worker processes
# ---------------------------------------------------------------------------
def redis_database(number: int) -> str:
    """The machine's Redis (REDIS_URL), on database `number`, emptied first."""
    assert number != 0, "database 0 is not ours to empty"
    url = urlunparse(urlparse(redis_url())._replace(path=f"/{number}"))
    redis.Redis.from_url(url).flushdb()
    return url


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence: stopping it loses what it held."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(lambda: self.answers(), timeout=10), "redis-server did not start"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis(tmp_path):
    if not os.access(REDIS_SERVER, os.X_OK):
        missing(f"{REDIS_SERVER} (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def workers(tmp_path):
    """Start Celery worker processes (`start(...)`); each is stopped at the end, its log kept under tmp_path."""
    started: list[subprocess.Popen] = []

    def start(*, broker: str, smtp_url: str, name: str, **extra_env) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
            "DJANGO_SECRET_KEY": "faults-test",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "CONSOLE_BASE_URL": "http://testserver",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "EMAIL_URL": smtp_url,
            "EMAIL_TIMEOUT": "5",
            "LOG_LEVEL": "INFO",
            "PGAPPNAME": WORKER_NAME,
            **extra_env,
        }
        env.pop("DJANGO_DEBUG", None)
        log_path = tmp_path / f"{name}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-c", WORKER, "worker", "--pool=solo", "-n", f"{name}@%h", "--loglevel=INFO"]
                + ["--prefetch-multiplier=1", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- {process.log_path.name}\n{process.log_path.read_text()[-3000:]}")


def producer(broker: str) -> Celery:
    """Sends tasks by name as beat or another process would (not made the current app)."""
    return Celery(broker=broker, set_as_current=False)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def overdue_customers(sales, count: int) -> list[int]:
    """`count` accounts whose purchase authorization passed its order deadline ten days ago."""
    product = ProductFactory()
    with time_machine.travel(pa.today() - timedelta(days=40)):
        customers = [ActiveCustomerFactory(reseller=sales.reseller) for _ in range(count)]
        for customer in customers:
            pa.purchase_authorization_create(
                customer=customer, license_type="team", lines=[pa.LineRequest(product, 1)], actor=sales
            )
    return [customer.pk for customer in customers]


def status_events() -> Counter:
    return Counter(
        CustomerEvent.objects.filter(kind=CustomerEvent.Kind.STATUS_CHANGED).values_list("customer_id", flat=True)
    )


def worker_in_transaction() -> bool:
    """A worker's connection is inside a batch's transaction (changes made, not committed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"
            " AND state = 'idle in transaction'",
            [WORKER_NAME],
        )
        return cursor.fetchone() is not None


def terminate_worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [WORKER_NAME],
        )
        return cursor.fetchone()[0]


def assert_each_email_delivered_once(server: MailServer) -> None:
    rows = row_keys()
    assert set(OutboundEmail.objects.values_list("state", flat=True)) <= {"sent"}
    assert max(rows.values(), default=1) == 1, "two outbox rows with one recipient list and subject"
    duplicates = {key: n for key, n in server.counts().items() if n > 1}
    assert duplicates == {}, "sent twice"
    assert set(server.counts()) == set(rows), "accepted by the server != outbox rows"


# ---------------------------------------------------------------------------
# 1. Redis stopped while resellers work
# ---------------------------------------------------------------------------
ALARMING = re.compile(r"\b(errors?|traceback|exception|failed|unavailable|broker|redis|server error)\b|\b500\b", re.I)


def visible_text(content: bytes) -> str:
    html = content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def console_broker(private_redis):
    """This process publishes to the private Redis, for real (not eagerly), like the web server."""
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=private_redis.url, task_always_eager=False)
    celery_app._after_fork()  # forget connection pools made for the test broker
    yield private_redis
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.update(previous)
    celery_app._after_fork()


def test_a_redis_outage_neither_fails_nor_alarms_resellers_and_the_sweep_delivers_every_email_once(
    client, console_broker, mail_server, workers
):
    sales = SalesFactory()
    product = ProductFactory()
    signed_in = client.post(reverse("login"), {"username": sales.username, "password": "pw-for-tests-123"})
    assert signed_in.status_code == 302
    form = {
        "address_line1": "Kungsgatan 5",
        "postal_code": "411 03",
        "city": "Göteborg",
        "country": "SE",
        "market_segment": "commercial",
        "preferred_language": "en",
        "admins-TOTAL_FORMS": "1",
        "admins-INITIAL_FORMS": "0",
        "admins-MIN_NUM_FORMS": "1",
        "admins-MAX_NUM_FORMS": "20",
        "admins-0-name": "Lena Admin",
    }
    # Before the outage: an invitation queued in Redis, which loses it when it stops (no persistence).
    before = client.post(
        reverse("customer-create"),
        {**form, "company_name": "Before Outage AB", "admins-0-email": "lena@before.example", "send_invitation": "1"},
    )
    assert before.status_code == 302
    assert redis.Redis.from_url(console_broker.url).llen("celery") == 1
    console_broker.stop()

    responses = []

    def act(method, url, data=None, **kwargs):
        started = time.monotonic()
        response = getattr(client, method)(url, data, **kwargs)
        responses.append((method, url, response, time.monotonic() - started))
        if response.status_code == 302:
            followed = client.get(response.url)
            responses.append(("get", response.url, followed, time.monotonic() - started))
        return response

    act("get", reverse("customer-create"))
    act(
        "post", reverse("customer-create"), {**form, "company_name": "Outage One AB", "admins-0-email": "a@one.example"}
    )
    one = Customer.objects.get(company_name="Outage One AB")
    act("post", reverse("customer-send-invitation", args=[one.pk]))
    act(
        "post",
        reverse("customer-create"),
        {**form, "company_name": "Outage Two AB", "admins-0-email": "b@two.example", "send_invitation": "1"},
    )
    act(
        "post",
        reverse("purchase-authorization-create", args=[one.pk]),
        {
            "license_type": "team",
            "po_number": "PO-7",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "3",
            "action": "create",
        },
    )
    authorization = PurchaseAuthorization.objects.get(customer=one)
    lws_token = Token.objects.create(user=User.objects.create_user("lws-outage", role=User.Role.LICENSING_WEBSITE)).key
    act(
        "post",
        reverse("api-order-intake"),
        {
            "order_number": "LWS-OUTAGE-1",
            "order_date": timezone.localdate().isoformat(),
            "purchase_authorization": authorization.reference,
            "lines": [{"sku": product.sku_new, "quantity": 3}],
        },
        content_type="application/json",
        # Orders through the API are the licensing website's alone (issue 12): its token, beside the session.
        HTTP_AUTHORIZATION=f"Token {lws_token}",
    )
    act("get", reverse("customer-list"))
    act("get", reverse("customer-history", args=[one.pk]))
    health = client.get(reverse("healthz"))

    served = [(method, url, response.status_code, round(seconds, 2)) for method, url, response, seconds in responses]
    assert all(code in (200, 201, 302) for _, _, code, _ in served), served
    assert max(seconds for *_, seconds in served) < 3, served  # a request never waits on the broker
    alarming = [(url, ALARMING.findall(visible_text(r.content))) for _, url, r, _ in responses]
    assert [(url, words) for url, words in alarming if words] == []
    assert (health.status_code, health.json()["failing"]) == (503, ["broker"])  # the outage was real
    assert Order.objects.filter(order_number="LWS-OUTAGE-1", purchase_authorization=authorization).exists()
    assert Customer.objects.filter(company_name__startswith="Outage", vip_id__isnull=False).count() == 2
    assert list(OutboundEmail.objects.values_list("state", flat=True)) == ["pending"] * 3

    # Redis is back, empty; a worker starts and beat's next minute sends the sweep.
    console_broker.start()
    worker = workers(broker=console_broker.url, smtp_url=mail_server.smtp_url, name="outage")
    with producer(console_broker.url) as beat:
        beat.send_task("notifications.send_pending_emails")
    assert wait_for(lambda: set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}), worker.log_path
    # The console publishes again by itself, and the next sweeps find nothing more to send.
    after = client.post(
        reverse("customer-create"),
        {**form, "company_name": "After Outage AB", "admins-0-email": "c@after.example", "send_invitation": "1"},
    )
    assert after.status_code == 302
    with producer(console_broker.url) as beat:
        beat.send_task("notifications.send_pending_emails")
        beat.send_task("notifications.send_pending_emails")
    queue = redis.Redis.from_url(console_broker.url)
    assert wait_for(lambda: len(mail_server.accepted) == 4 and not queue.llen("celery") and not queue.hlen("unacked"))
    assert OutboundEmail.objects.count() == 4
    assert_each_email_delivered_once(mail_server)


# ---------------------------------------------------------------------------
# 2. A worker killed with SIGKILL in the middle of a fanned-out daily job
# ---------------------------------------------------------------------------
def test_a_worker_killed_mid_chunk_leaves_the_state_of_an_undisturbed_run(mail_server, workers):
    broker = redis_database(6)
    sales = SalesFactory()
    overdue_customers(sales, 24)
    today = pa.today()
    expected = set(pa.enforce_order_deadlines(on=today, dry_run=True).delayed)
    chunks = [{pk for pk in expected if key_range.first <= pk <= key_range.last} for key_range in key_ranges(3)]
    assert len(expected) == 24 and [len(chunk) for chunk in chunks] == [8, 8, 8]

    # Batches of two customers, each held 0.4 s inside its transaction: four batches a chunk.
    doomed = workers(
        broker=broker,
        smtp_url=mail_server.smtp_url,
        name="doomed",
        SWEEP_BATCH_SIZE="2",
        FAULTS_BATCH_PAUSE_SECONDS="0.4",
    )
    with producer(broker) as beat:
        beat.send_task("jobs.fan_out_daily_job", args=["enforce_order_deadlines", today.isoformat(), 3])

    def a_chunk_half_done() -> bool:
        delayed = set(Customer.objects.filter(status="delayed").values_list("pk", flat=True))
        return any(0 < len(chunk & delayed) < len(chunk) for chunk in chunks)

    assert wait_for(lambda: a_chunk_half_done() and worker_in_transaction(), interval=0.05), doomed.log_path
    doomed.kill()  # SIGKILL: no warm shutdown, no acknowledgement, its open transaction cut off
    doomed.wait(timeout=10)
    at_kill = set(Customer.objects.filter(status="delayed").values_list("pk", flat=True))
    assert 0 < len(at_kill) < 24 and JobRun.objects.count() < 3

    # A worker comes back (at full speed); Redis hands it the killed chunk again after the visibility timeout.
    restarted = workers(broker=broker, smtp_url=mail_server.smtp_url, name="restarted", SWEEP_BATCH_SIZE="2")
    assert wait_for(lambda: JobRun.objects.count() == 3, timeout=60), restarted.log_path
    assert wait_for(
        lambda: (
            OutboundEmail.objects.count() == 24
            and set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}
        ),
        timeout=30,
    )
    assert outbox_tasks.send_pending_emails() == 0  # beat's next sweep: nothing was left behind

    assert set(Customer.objects.filter(status="delayed").values_list("pk", flat=True)) == expected
    assert status_events() == Counter(dict.fromkeys(expected, 1))  # each change recorded once
    assert pa.enforce_order_deadlines(on=today, dry_run=True).delayed == []  # nothing left to do
    assert Counter(OutboundEmail.objects.values_list("customer_id", flat=True)) == Counter(dict.fromkeys(expected, 1))
    assert len(mail_server.accepted) == 24 and JobRun.objects.count() == 3  # each chunk recorded once
    assert_each_email_delivered_once(mail_server)


# ---------------------------------------------------------------------------
# 3. SMTP dropping and refusing connections in the middle of a batch
# ---------------------------------------------------------------------------
def assert_sent_exactly_what_was_accepted(server: MailServer) -> None:
    sent = row_keys(OutboundEmail.objects.filter(state="sent"))
    assert server.counts() == sent, "a row marked sent that the server did not accept, or the reverse"
    assert not OutboundEmail.objects.exclude(state__in=["sent", "pending"]).exists()


def test_smtp_faults_mid_batch_mark_nothing_sent_that_was_not_accepted(mail_server):
    for n in range(30):
        OutboundEmail.objects.create(
            kind=OutboundEmail.Kind.INVITATION,
            dedupe_key=f"faults:smtp:{n}",
            recipients=[f"admin{n}@customer.example"],
            language="en",
            subject=f"Invitation {n:02d}",
            body_text="Welcome",
        )
    start = timezone.now()

    # Batch 1 (20 rows): five accepted, the sixth accepted and then the connection drops: the sender connects
    # again and goes on. The ninth is dropped unanswered, and again on its one retry: it keeps a retry. The
    # thirteenth is refused (421, the server hangs up): it keeps a retry, the rest go over a new connection.
    # Batch 2 (10 rows): all accepted.
    mail_server.faults = ["accept"] * 5 + ["accept_then_drop"] + ["accept"] * 2 + ["drop", "drop"]
    mail_server.faults += ["accept"] * 3 + ["421"]
    outbox_tasks.send_pending_emails()
    assert len(mail_server.accepted) == 28
    assert_sent_exactly_what_was_accepted(mail_server)
    kept = OutboundEmail.objects.filter(state="pending")
    assert sorted(kept.values_list("subject", "attempts")) == [("Invitation 08", 1), ("Invitation 12", 1)]

    # Two minutes later the server refuses connections: every due row keeps its retry.
    mail_server.stop()
    with time_machine.travel(start + timedelta(minutes=2), tick=True):
        assert outbox_tasks.send_pending_emails() == 0
    assert_sent_exactly_what_was_accepted(mail_server)
    assert set(OutboundEmail.objects.filter(state="pending").values_list("attempts", flat=True)) == {2}

    # Back: a later sweep delivers the rest.
    mail_server.start()
    with time_machine.travel(start + timedelta(minutes=5), tick=True):
        outbox_tasks.send_pending_emails()
    assert_sent_exactly_what_was_accepted(mail_server)
    assert len(mail_server.accepted) == OutboundEmail.objects.count() == 30
    assert_each_email_delivered_once(mail_server)
    assert max(OutboundEmail.objects.values_list("attempts", flat=True)) < 5  # none gave up


# ---------------------------------------------------------------------------
# 4. The database connection lost in the middle of a job
# ---------------------------------------------------------------------------
def test_a_lost_database_connection_fails_the_job_visibly_and_a_rerun_completes_it(mail_server, workers):
    broker = redis_database(7)
    sales = SalesFactory()
    overdue_customers(sales, 12)
    today = pa.today()
    expected = set(pa.enforce_order_deadlines(on=today, dry_run=True).delayed)
    worker = workers(
        broker=broker,
        smtp_url=mail_server.smtp_url,
        name="dbloss",
        SWEEP_BATCH_SIZE="2",
        FAULTS_BATCH_PAUSE_SECONDS="0.4",
    )
    with producer(broker) as beat:
        beat.send_task("jobs.run_daily_job", args=["enforce_order_deadlines", today.isoformat()])

    assert wait_for(
        lambda: 0 < Customer.objects.filter(status="delayed").count() < 12 and worker_in_transaction(), interval=0.05
    )
    assert terminate_worker_connections() == 1  # its batch in flight is lost with the connection
    # One line naming the job, its date and the cause, complete up to its duration (a JSON line: the worker
    # runs with production's log format, docs/operations.md).
    failure = re.compile(
        rf"^job=enforce_order_deadlines date={today.isoformat()} dry_run=false failed"
        r" error=OperationalError: .*(terminat|closed the connection).* duration_ms=\d+$"
    )

    def failure_line():
        for line in worker.log_path.read_text().splitlines():
            record = json.loads(line) if line.startswith("{") else {}
            if record.get("logger") == "jobs" and record.get("level") == "error" and failure.search(record["event"]):
                return record
        return None

    assert wait_for(failure_line, timeout=20), worker.log_path.read_text()
    record = failure_line()
    assert record["job"] == "enforce_order_deadlines" and record["date"] == today.isoformat()
    assert record["outcome"] == "failed" and record["task_id"]
    partial = Customer.objects.filter(status="delayed").count()
    assert 0 < partial < 12 and not JobRun.objects.exists()

    with producer(broker) as beat:  # the re-run, by an operator or the next beat
        beat.send_task("jobs.run_daily_job", args=["enforce_order_deadlines", today.isoformat()])
    assert wait_for(lambda: JobRun.objects.exists(), timeout=30), worker.log_path.read_text()
    [rerun] = JobRun.objects.all()
    assert rerun.counts["delayed"] == 12 - partial
    assert wait_for(lambda: set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}, timeout=20)
    assert outbox_tasks.send_pending_emails() == 0

    assert set(Customer.objects.filter(status="delayed").values_list("pk", flat=True)) == expected
    assert status_events() == Counter(dict.fromkeys(expected, 1))
    assert OutboundEmail.objects.count() == len(mail_server.accepted) == 12
    assert_each_email_delivered_once(mail_server)


# ---------------------------------------------------------------------------
# 5. Beat started twice
# ---------------------------------------------------------------------------
BEAT_TASKS = {  # the daily jobs' tasks as the beat schedule names them
    "enforce_order_deadlines": authorization_tasks.enforce_order_deadlines,
    "refresh_renewal_overview": renewal_tasks.refresh_renewal_overview,
    "send_renewal_notices": outbox_tasks.send_renewal_notices,
    "remove_expired_access": renewal_tasks.remove_expired_access,
}


def test_two_beats_change_and_send_nothing_twice(mail_server, monkeypatch):
    sales = SalesFactory()
    delayed = overdue_customers(sales, 6)
    product = ProductFactory()
    today = pa.today()
    for offset in [20] * 5 + [-40] * 4:  # renewals due soon, and lapsed
        anniversary = today + timedelta(days=offset)
        customer = ActiveCustomerFactory(
            reseller=sales.reseller, anniversary_date=anniversary, anniversary_day=anniversary.day
        )
        Holding.objects.create(customer=customer, product=product, deployed=2)
    expected = {name: run_job(name, on=today, dry_run=True) for name in DAILY_JOBS}
    assert expected["enforce_order_deadlines"]["delayed"] == len(delayed) == 6
    # The e-mails wait for the sweeps below (as while the worker is busy), so that two sweeps race for them.
    monkeypatch.setattr("notifications.services._enqueue_sweep", lambda: None)

    for name, beat_task in BEAT_TASKS.items():
        results = run_together(
            lambda beat_task=beat_task: beat_task(today.isoformat()),  # beat one
            lambda beat_task=beat_task: beat_task(today.isoformat()),  # beat two
            lambda name=name: job_tasks.fan_out_daily_job(name, today.isoformat(), 3),  # both again, fanned out
            lambda name=name: job_tasks.fan_out_daily_job(name, today.isoformat(), 3),
            timeout=60,
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        # Each change is counted by exactly one of the runs.
        for key, count in expected[name].items():
            if key not in ("customers",):
                total = sum(run.counts.get(key, 0) for run in JobRun.objects.filter(job=name))
                assert total == count, (name, key, total, count)
    results = run_together(outbox_tasks.send_pending_emails, outbox_tasks.send_pending_emails, timeout=60)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == OutboundEmail.objects.count()

    events = Counter(
        CustomerEvent.objects.filter(kind__in=["status_changed", "access_removed"]).values_list("customer_id", "kind")
    )
    assert max(events.values()) == 1
    assert sum(1 for _, kind in events if kind == "status_changed") == 6 + 4
    assert Customer.objects.filter(status="delayed").count() == 6
    assert Customer.objects.filter(status="inactive").count() == expected["remove_expired_access"]["removed"] == 4
    assert RenewalRow.objects.count() == expected["refresh_renewal_overview"]["added"] == 5
    assert Counter(OutboundEmail.objects.values_list("kind", flat=True)) == {"account_delayed": 6, "renewal_due": 5}
    assert_each_email_delivered_once(mail_server)
