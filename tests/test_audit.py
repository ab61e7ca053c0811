"""Every write leaves an audit row: who (user, token or job), when, through which channel, before and after."""

import json
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import StaffEvent, User
from authorizations import services as pa
from customers.models import CustomerEvent, CustomerStatus
from jobs.services import run_job
from resellerconsole.audit import Source, audit_source
from tests.factories import (
    ActiveCustomerFactory,
    ProductFactory,
    ResellerAdminFactory,
    SalesFactory,
)
from tests.test_console import customer_form

pytestmark = pytest.mark.django_db


def test_a_console_write_names_the_user_and_the_console(client):
    sales = SalesFactory()
    client.force_login(sales)
    client.post(reverse("customer-create"), customer_form(send_invitation="1"))
    events = CustomerEvent.objects.filter(actor=sales)
    assert {e.kind for e in events} >= {CustomerEvent.Kind.CREATED, CustomerEvent.Kind.INVITATION_SENT}
    assert {(e.source, e.source_detail) for e in events} == {("console", "")}


@pytest.mark.parametrize("by", ["token", "session"])
def test_an_api_write_names_the_user_and_whether_a_token_or_a_session(by):
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    client = APIClient()
    if by == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=sales).key}")
    else:
        client.force_login(sales)
    response = client.post(
        "/api/v1/purchase-authorizations/",
        {"customer": customer.pk, "license_type": "team", "lines": [{"sku": product.sku_new, "quantity": 3}]},
        format="json",
    )
    assert response.status_code == 201
    event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.PA_CREATED)
    assert (event.actor, event.source, event.source_detail) == (sales, "api", by)
    assert event.parameters["lines"][0]["quantity"] == 3


def test_a_job_names_itself_and_no_user():
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    authorization = pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, 1)], actor=sales
    )
    run_job("enforce_order_deadlines", on=authorization.order_deadline + timedelta(days=1))
    event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.STATUS_CHANGED)
    assert event.actor is None
    assert (event.source, event.source_detail) == ("job", "enforce_order_deadlines")
    assert event.parameters["from"] == CustomerStatus.ACTIVE and event.parameters["to"] == CustomerStatus.DELAYED


def test_a_customer_edit_keeps_the_values_before_and_after(client):
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller, city="Umeå")
    client.force_login(sales)
    from customers import services

    services.customer_update(customer=customer, actor=sales, city="Kiruna")
    event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.UPDATED)
    assert event.parameters["changes"]["city"] == ["Umeå", "Kiruna"]
    assert event.source == "command"  # called outside a request or a job: the command line / shell


def test_an_admin_edit_is_logged_with_before_and_after_values(admin_client):
    product = ProductFactory(name="Photoshop", unit_price="100.00")
    url = reverse("admin:catalogue_product_change", args=[product.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(unit_price="120.00")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = LogEntry.objects.get(object_id=str(product.pk))
    values = next(part["values"] for part in json.loads(entry.change_message) if "values" in part)
    assert values["unit_price"] == ["100.00", "120.00"]
    listing = admin_client.get(reverse("admin:admin_logentry_changelist"))
    assert "unit_price: 100.00 → 120.00" in listing.content.decode()


def test_staff_changes_in_the_console_are_recorded_once(client):
    boss = ResellerAdminFactory()
    colleague = SalesFactory(reseller=boss.reseller)
    client.force_login(boss)
    for _ in range(2):  # a double click
        client.post(reverse("staff-set-active", args=[colleague.pk]), {"active": "0"})
    event = StaffEvent.objects.get()
    assert (event.kind, event.actor, event.member, event.source) == ("deactivated", boss, colleague, "console")
    assert event.parameters == {"is_active": [True, False]}


def test_the_admin_filters_customer_events_by_channel(admin_client):
    customer = ActiveCustomerFactory()
    with audit_source(Source.JOB, "remove_expired_access"):
        CustomerEvent.objects.create(customer=customer, kind=CustomerEvent.Kind.ACCESS_REMOVED)
    with audit_source(Source.CONSOLE):
        CustomerEvent.objects.create(customer=customer, kind=CustomerEvent.Kind.UPDATED)
    url = reverse("admin:customers_customerevent_changelist")
    jobs_only = admin_client.get(url, {"source__exact": "job"})
    assert jobs_only.status_code == 200
    shown = jobs_only.context["cl"].queryset
    assert list(shown.values_list("kind", "source_detail")) == [("access_removed", "remove_expired_access")]


def test_nothing_of_ours_can_be_deleted_in_the_admin():
    """Domain records are withdrawn, returned or deactivated; the admin offers no delete for any of them."""
    superuser = User.objects.create_superuser("root", "root@example.com", "a-long-password-42")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    ours = {"accounts", "customers", "catalogue", "authorizations", "renewals", "notifications", "jobs", "admin"}
    deletable = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ours and model_admin.has_delete_permission(request)
    ]
    assert deletable == []
