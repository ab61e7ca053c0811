"""The Django admin over tables of millions of rows (issue 15): what an operator finds, and what a page reads.

The changelists of customers, PAs, orders, e-mails and events search by indexed columns, count exactly only up to
a bound (beyond it, PostgreSQL's estimate, shown as "about"), and read the same number of queries whatever the
number of rows. Timings are measured by bench/admin.py, not here.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorizations import services as pa
from customers.models import CustomerEvent
from notifications.models import OutboundEmail
from resellerconsole.admin import EstimatedCountPaginator
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "customers": "admin:customers_customer_changelist",
    "PAs": "admin:authorizations_purchaseauthorization_changelist",
    "orders": "admin:authorizations_order_changelist",
    "outbox": "admin:notifications_outboundemail_changelist",
    "events": "admin:customers_customerevent_changelist",
}


def customer_with_everything(name: str, email: str, po_number: str = ""):
    """A customer with a PA (and its order), an e-mail in the outbox and an event."""
    customer = ActiveCustomerFactory(company_name=name, vip_admins=[("Vera", email)])
    sales = SalesFactory(reseller=customer.reseller)
    product = ProductFactory()
    authorization = pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, 2)], actor=sales, po_number=po_number
    )
    order, _ = pa.order_place(
        order_number=f"LWS-{customer.pk}",
        order_date=pa.today(),
        pa_reference=authorization.reference,
        actor=ResellerAdminFactory(reseller=sales.reseller),
        lines=[pa.OrderLineRequest(product.sku_new, 2)],
    )
    OutboundEmail.objects.create(
        kind="invitation",
        dedupe_key=f"invitation:{customer.pk}",
        recipients=[email],
        language="en",
        subject="s",
        body_text="b",
        customer=customer,
    )
    CustomerEvent.objects.create(customer=customer, kind=CustomerEvent.Kind.CREATED, actor=sales)
    return customer, authorization, order, sales


def listed(admin_client, changelist: str, term: str) -> list:
    response = admin_client.get(reverse(CHANGELISTS[changelist]), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_each_changelist_finds_what_an_operator_types(admin_client):
    wanted, authorization, order, sales = customer_with_everything("Fjällmedia Nord AB", "Vera@Fjall.example", "PO-77")
    other, *_ = customer_with_everything("Kuststudio Syd AB", "anna@kust.example", "PO-78")
    customers = {
        "fjällmedia": [wanted],  # a fragment of the name, any case
        "Media Nord": [wanted],
        wanted.vip_id.lower(): [wanted],  # the VIP ID, any case
        "vera@fjall.EXAMPLE": [wanted],  # a VIP admin's address, any case
        "fjall.example": [],  # not a part of an address: that would read every VIP admin
        "AB": [wanted, other],
    }
    for term, expected in customers.items():
        assert listed(admin_client, "customers", term) == sorted(expected, key=lambda c: c.company_name), term
    assert listed(admin_client, "PAs", authorization.reference.lower()) == [authorization]
    assert listed(admin_client, "PAs", "PO-77") == [authorization]
    assert listed(admin_client, "PAs", "Fjällmedia") == [authorization]
    assert listed(admin_client, "orders", order.order_number) == [order]
    assert listed(admin_client, "orders", authorization.reference) == [order]
    assert listed(admin_client, "orders", wanted.vip_id) == [order]
    assert [e.customer for e in listed(admin_client, "outbox", "nord")] == [wanted]
    assert [e.customer for e in listed(admin_client, "outbox", f"invitation:{other.pk}")] == [other]
    assert {e.customer for e in listed(admin_client, "events", wanted.vip_id)} == {wanted}
    assert {e.customer for e in listed(admin_client, "events", sales.username)} == {wanted}


@pytest.mark.parametrize("changelist", list(CHANGELISTS))
def test_a_changelist_reads_as_many_queries_for_many_rows_as_for_few(admin_client, changelist):
    def queries(count: int) -> int:
        for index in range(count):
            customer_with_everything(f"Customer {count}-{index} AB", f"vip{count}-{index}@c.example")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(CHANGELISTS[changelist])).status_code == 200
        with CaptureQueriesContext(connection) as searched:
            assert admin_client.get(reverse(CHANGELISTS[changelist]), {"q": "Customer"}).status_code == 200
        return len(captured), len(searched)

    assert queries(2) == queries(12)


def test_a_large_count_is_the_estimate_and_says_so(admin_client, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_UP_TO", 3)
    for index in range(5):
        ActiveCustomerFactory(company_name=f"Many {index} AB")
    html = admin_client.get(reverse(CHANGELISTS["customers"])).content.decode()
    if connection.vendor == "postgresql":
        assert "about " in html  # the planner's estimate, never read as exact
    else:
        assert "5 customers" in html  # elsewhere the admin counts as Django does
    few = admin_client.get(reverse(CHANGELISTS["customers"]), {"q": "Many 1"})
    assert "1 customer" in few.content.decode() and "about" not in few.content.decode()


def test_the_date_filters_replace_the_date_hierarchy(admin_client):
    customer, authorization, *_ = customer_with_everything("Dated AB", "dated@c.example")
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)  # the filter's "Today"
    since = {"created_at__gte": str(today), "created_at__lt": str(today + timedelta(days=1))}
    assert listed_with(admin_client, "customers", since) == [customer]
    assert listed_with(admin_client, "outbox", since) != []
    assert listed_with(admin_client, "outbox", {"language": "sv"}) == []


def listed_with(admin_client, changelist: str, parameters: dict) -> list:
    response = admin_client.get(reverse(CHANGELISTS[changelist]), parameters)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_row_checkbox_is_djangos_html(admin_client):
    """LargeTableAdmin writes the row's checkbox itself (no widget template per row): the same HTML as Django's."""
    from django.contrib import admin as django_admin
    from django.utils import translation

    from customers.models import Customer

    customer = ActiveCustomerFactory(company_name='Fjäll & "Söner" <AB>')
    model_admin = django_admin.site._registry[Customer]
    for language in ("sv", "en"):
        with translation.override(language):
            ours = model_admin.action_checkbox(customer)
            assert ours == django_admin.ModelAdmin.action_checkbox(model_admin, customer)
    assert ours in admin_client.get(reverse(CHANGELISTS["customers"])).content.decode()  # the page's, in English


def test_a_vip_id_is_looked_up_by_its_key_alone(admin_client):
    """A term in the VIP ID's form is a VIP ID: no fragment search of every name (its trigrams cost most of the
    page at a million customers); in any case; and the events search finds a user's changes by the user's key."""
    wanted, _authorization, _order, sales = customer_with_everything("Vipsök AB", "vip@sok.example")
    customer_with_everything(f"Namn {wanted.vip_id} AB", "other@sok.example")  # a name holding it is not meant
    for changelist in ("customers", "events", "outbox"):
        with CaptureQueriesContext(connection) as captured:
            found = listed(admin_client, changelist, wanted.vip_id.lower())
        assert {getattr(row, "customer", row) for row in found} == {wanted}, changelist
        assert not [q["sql"] for q in captured if "LIKE" in q["sql"]], changelist
    with CaptureQueriesContext(connection) as captured:
        assert {e.actor for e in listed(admin_client, "events", sales.username)} == {sales}
    # The events are read by their actor key, never by a condition on the joined user.
    assert not [q["sql"] for q in captured if "customerevent" in q["sql"] and '"username" =' in q["sql"]]
