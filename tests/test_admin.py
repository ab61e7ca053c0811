"""The Django admin: every model's list and change pages open, and edits go through the services."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from authorizations.models import PendingCustomer
from customers.models import CustomerEvent
from notifications.models import OutboundEmail
from tests.factories import InvitedCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"accounts", "customers", "catalogue", "authorizations", "renewals", "notifications", "jobs"}


def test_every_model_of_ours_is_in_the_admin():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert ours and all(admin.site.is_registered(m) for m in ours)


@pytest.fixture
def some_of_everything():
    from authorizations import services as pa

    customer = InvitedCustomerFactory()
    sales = SalesFactory(reseller=customer.reseller)
    kept, returned = ProductFactory(), ProductFactory()
    lines = [pa.LineRequest(kept, 2), pa.LineRequest(returned, 1)]
    authorization = pa.purchase_authorization_create(customer=customer, license_type="team", lines=lines, actor=sales)
    order, _ = pa.order_place(
        order_number="LWS-1",
        order_date=pa.today(),
        pa_reference=authorization.reference,
        actor=ResellerAdminFactory(reseller=sales.reseller),
        lines=[pa.OrderLineRequest(line.product.sku_new, line.quantity) for line in lines],
    )
    pa.return_request(order=order, order_line_ids=[order.lines.get(product=returned).pk], actor=sales)
    pa.assignment_add(customer=customer, product=kept, email="user@customer.example", actor=sales)
    import time_machine

    from renewals import services as renewals

    customer.refresh_from_db()
    with time_machine.travel(customer.anniversary_date, tick=False):
        renewals.refresh_renewal_overview(on=customer.anniversary_date)
        renewals.renewal_place(
            order_number="REN-1",
            order_date=customer.anniversary_date,
            vip_id=customer.vip_id,
            actor=ResellerAdminFactory(reseller=sales.reseller),
            lines=[renewals.RenewalLineRequest(kept.sku_renewal, 2)],
        )
    customer.refresh_from_db()
    renewals.refresh_renewal_overview(on=customer.anniversary_date)  # the next year's rows
    renewals.auto_renewal_default_set(customer=customer, enabled=True)
    renewals.auto_renewal_set(customer=customer, product=kept, actor=sales, renewal_quantity=2)
    from jobs.services import run_daily_jobs

    run_daily_jobs(on=pa.today())
    CustomerEvent.objects.create(customer=customer, kind=CustomerEvent.Kind.CREATED)
    from accounts.services import staff_member_create

    staff_member_create(
        reseller=customer.reseller,
        actor=sales,
        username="new.colleague",
        email="new@reseller.example",
        first_name="New",
        last_name="Colleague",
        role="sales",
        password="a-long-password-42",
    )
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.services import api_token_record_use

    api_token_record_use(token=Token.objects.create(user=sales), at=timezone.now())
    OutboundEmail.objects.create(
        kind="invitation",
        dedupe_key="x",
        recipients=["a@b.example"],
        language="en",
        subject="s",
        body_text="b",
        customer=customer,
    )
    return customer


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in OUR_APPS], ids=lambda m: m._meta.label
)
def test_admin_list_search_and_change_pages_open(admin_client, some_of_everything, model):
    info = model._meta.app_label, model._meta.model_name
    listing = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
    assert listing.status_code == 200
    obj = model.objects.first()
    if obj is None:  # filled by PostgreSQL's triggers from pending PAs only; the fixture's PAs are all ordered
        assert model is PendingCustomer
        return
    change = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert change.status_code == 200


def test_admin_edit_of_a_customer_is_recorded(admin_client, some_of_everything):
    customer = some_of_everything
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {
            "city": "Kiruna",
            "vip_admins-TOTAL_FORMS": "0",
            "vip_admins-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.city == "Kiruna"
    assert customer.events.filter(kind=CustomerEvent.Kind.UPDATED).exists()
