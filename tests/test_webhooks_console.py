"""The webhook pages of the console (issue 18): reseller admins manage their reseller's endpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import ResellerAdminFactory, SalesFactory
from webhooks import services
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, EndpointEvent, WebhookEvent

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hooks"  # never listened to: nothing is sent in these tests


@pytest.fixture
def admin():
    return ResellerAdminFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def endpoint_of(admin, **overrides) -> Endpoint:
    values = {"url": URL, "event_types": ["customer.created", "order.placed"], **overrides}
    return services.endpoint_create(reseller=admin.reseller, actor=admin, **values)


def deliveries(endpoint: Endpoint, count: int, attempts: int = 1) -> list[Delivery]:
    made = []
    for index in range(count):
        event = WebhookEvent.objects.create(
            event_id=f"msg_{endpoint.pk}_{index}", type="customer.created", reseller=endpoint.reseller, body="{}"
        )
        delivery = Delivery.objects.create(event=event, endpoint=endpoint, state="failed", attempts=attempts)
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(delivery=delivery, status_code=500, latency_ms=12, response_excerpt="boom")
            for _ in range(attempts)
        )
        made.append(delivery)
    return made


def test_creating_an_endpoint_shows_its_secret_once(admin_client, admin):
    response = admin_client.post(
        "/webhooks/new/",
        {"url": URL, "description": "CRM", "event_types": ["customer.created", "notice.sent"], "active": "on"},
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 200 and endpoint.secret in response.content.decode()
    assert "no-store" in response.get("Cache-Control", "")
    assert endpoint.reseller == admin.reseller and endpoint.event_types == ["customer.created", "notice.sent"]
    assert endpoint.events.get().kind == EndpointEvent.Kind.CREATED
    assert endpoint.secret not in admin_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in admin_client.get("/webhooks/").content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": URL}, "event_types", "Choose at least one event type."),
        ({"url": "ftp://x.example/", "event_types": ["order.placed"]}, "url", "https://"),
        ({"url": "http://169.254.169.254/", "event_types": ["order.placed"]}, "url", "private"),
        ({"url": URL, "event_types": ["no.such.type"]}, "event_types", "valid choice"),
        ({"url": "x" * 600, "event_types": ["order.placed"]}, "url", "at most 500"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_changes_nothing(admin_client, settings, data, field, message):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post("/webhooks/new/", data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Endpoint.objects.exists()


def test_editing_an_endpoint_records_what_changed(admin_client, admin):
    endpoint = endpoint_of(admin)
    response = admin_client.post(
        f"/webhooks/{endpoint.pk}/", {"url": URL, "description": "Billing", "event_types": ["order.placed"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.event_types, endpoint.active) == ("Billing", ["order.placed"], False)
    change = endpoint.events.get(kind=EndpointEvent.Kind.UPDATED)
    assert change.actor == admin and change.source == "console"
    assert change.parameters["changes"]["active"] == [True, False]


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_signing(admin_client, admin):
    endpoint = endpoint_of(admin)
    old = endpoint.secret
    response = admin_client.post(f"/webhooks/{endpoint.pk}/rotate/", {"overlap_hours": "12"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in response.content.decode()
    assert endpoint.signing_secrets() == [endpoint.secret, old]
    assert endpoint.signing_secrets(timezone.now() + timezone.timedelta(hours=13)) == [endpoint.secret]
    assert admin_client.post(f"/webhooks/{endpoint.pk}/rotate/", {"overlap_hours": "999"}).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events.filter(kind=EndpointEvent.Kind.SECRET_ROTATED).count() == 1


def test_deleting_asks_first_and_keeps_the_record(admin_client, admin):
    endpoint = endpoint_of(admin)
    assert admin_client.get(f"/webhooks/{endpoint.pk}/delete/").status_code == 200
    assert Endpoint.objects.exists()
    assert admin_client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not Endpoint.objects.exists()
    assert EndpointEvent.objects.get(kind=EndpointEvent.Kind.DELETED).parameters == {"url": URL}


def test_a_test_event_is_queued_for_that_endpoint(admin_client, admin):
    endpoint = endpoint_of(admin)
    other = endpoint_of(admin)
    assert admin_client.post(f"/webhooks/{endpoint.pk}/test/").status_code == 302
    (delivery,) = Delivery.objects.all()
    assert delivery.endpoint == endpoint and delivery.event.type == "webhook.test"
    assert not other.deliveries.exists()


def test_another_resellers_admin_gets_404_and_sales_get_403(client, admin):
    endpoint = endpoint_of(admin)
    (delivery,) = deliveries(endpoint, 1)
    client.force_login(ResellerAdminFactory())
    paths = [f"/webhooks/{endpoint.pk}/", f"/webhooks/deliveries/{delivery.pk}/"]
    for path in paths:
        assert client.get(path).status_code == 404, path
    for path in (
        f"/webhooks/{endpoint.pk}/rotate/",
        f"/webhooks/{endpoint.pk}/delete/",
        f"/webhooks/{endpoint.pk}/test/",
    ):
        assert client.post(path, {"overlap_hours": "1"}).status_code == 404, path
    assert client.post(f"/webhooks/deliveries/{delivery.pk}/send-again/").status_code == 404
    assert URL not in client.get("/webhooks/").content.decode()
    client.force_login(SalesFactory(reseller=admin.reseller))
    assert client.get("/webhooks/").status_code == 403
    assert client.get(paths[0]).status_code == 403
    endpoint.refresh_from_db()
    assert endpoint.deliveries.get().state == "failed" and endpoint.events.count() == 1


@pytest.mark.parametrize("size", [2, 12])
def test_the_endpoint_list_uses_a_fixed_number_of_queries(admin_client, admin, django_assert_num_queries, size):
    for _ in range(size):
        deliveries(endpoint_of(admin), 2)
    with django_assert_num_queries(4):  # session, user, the header's reseller, the endpoints (failures counted)
        response = admin_client.get("/webhooks/")
    assert response.content.decode().count(URL) == size


@pytest.mark.parametrize("size", [2, 30])
def test_the_delivery_log_uses_a_fixed_number_of_queries(admin_client, admin, django_assert_num_queries, size):
    endpoint = endpoint_of(admin)
    deliveries(endpoint, size)
    with django_assert_num_queries(5):  # session, user, reseller, the endpoint, its deliveries with their events
        response = admin_client.get(f"/webhooks/{endpoint.pk}/")
    assert response.content.decode().count("msg_") == size


@pytest.mark.parametrize("attempts", [1, 8])
def test_a_delivery_page_uses_a_fixed_number_of_queries(admin_client, admin, django_assert_num_queries, attempts):
    (delivery,) = deliveries(endpoint_of(admin), 1, attempts=attempts)
    with django_assert_num_queries(5):  # session, user, reseller, the delivery (event, endpoint), its attempts
        response = admin_client.get(f"/webhooks/deliveries/{delivery.pk}/")
    assert response.content.decode().count("boom") == attempts


def test_the_pages_speak_swedish(admin_client, admin):
    endpoint = endpoint_of(admin)
    deliveries(endpoint, 1)
    admin_client.cookies["django_language"] = "sv"
    page = admin_client.get(f"/webhooks/{endpoint.pk}/", headers={"accept-language": "sv"}).content.decode()
    assert "Skicka en testhändelse" in page


def test_operators_add_an_internal_sales_endpoint_in_the_admin(client, settings):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root-hooks", "root@operator.example", "pw-123456-long"))
    response = client.post(
        "/admin/webhooks/endpoint/add/",
        {"reseller": "", "url": URL, "description": "All resellers", "event_types": ["order.placed"], "active": "on"},
        follow=True,
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.reseller is None and endpoint.event_types == ["order.placed"]
    assert endpoint.secret in response.content.decode()  # shown once, in the admin's message
    assert endpoint.events.get().actor.username == "root-hooks"
    assert endpoint.secret not in client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/").content.decode()

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    refused = client.post(
        "/admin/webhooks/endpoint/add/",
        {"url": "https://169.254.169.254/", "event_types": ["order.placed"], "active": "on"},
    )
    assert refused.status_code == 200 and "private" in refused.content.decode()
    assert Endpoint.objects.count() == 1
