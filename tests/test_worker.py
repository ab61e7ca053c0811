"""A real Celery worker process against the real Redis and PostgreSQL delivers a queued invitation."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from customers import services
from notifications.models import OutboundEmail
from tests.conftest import redis_url
from tests.factories import CustomerFactory, SalesFactory

pytestmark = [pytest.mark.services, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A worker subprocess on its own Redis database, writing e-mails as files under tmp_path."""
    broker = redis_url().rsplit("/", 1)[0] + "/15"
    Celery(broker=broker, set_as_current=False).connection_for_write().default_channel.client.flushdb()
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
        "DJANGO_SECRET_KEY": "worker-test",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"filemail://{'/' + str(mail_dir)}",
    }
    env.pop("DJANGO_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "resellerconsole", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield Celery(broker=broker, set_as_current=False), mail_dir
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        print(output[-4000:])


def wait_for(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_delivers_the_invitation_email(worker, monkeypatch):
    producer, mail_dir = worker
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller)
    # Record the e-mail but publish it ourselves, to the worker's broker.
    monkeypatch.setattr("notifications.services._enqueue_delivery", lambda email_id: None)
    customer = services.customer_send_invitation(customer=customer, actor=sales)
    email = OutboundEmail.objects.get(customer=customer)

    producer.send_task("notifications.deliver_email", args=[email.pk])

    assert wait_for(lambda: OutboundEmail.objects.get(pk=email.pk).state == OutboundEmail.State.SENT)
    [written] = list(mail_dir.iterdir())
    content = written.read_text()
    assert customer.vip_id in content
    assert "vip" in content and "To: " in content
