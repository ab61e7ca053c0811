import pytest
from django.urls import reverse

from resellerconsole.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_with_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "broker": True}


def test_healthz_names_an_unreachable_broker(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_healthz_names_an_unreachable_database(client, monkeypatch):
    from pages import views

    monkeypatch.setattr(views.connection, "cursor", lambda: (_ for _ in ()).throw(OSError("db down")))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


@pytest.mark.services
def test_healthz_with_the_real_redis_broker(client, monkeypatch):
    from tests.conftest import redis_url

    monkeypatch.setattr(celery_app.conf, "broker_url", redis_url())
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.json()
