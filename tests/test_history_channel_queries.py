"""The history cards say their channel (each PA, order and return on the Order and authorization history tab,
each renewal on the Renewals tab's Renewal history) for one query per tab, whatever the number of cards; the
history export has the channel as its last column, for the same number of queries whatever its length."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorizations import services
from customers.models import CustomerEvent
from renewals.events import renewed_record
from renewals.models import Renewal, RenewalLine
from resellerconsole.audit import Source, audit_source
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db
EVENTS_TABLE = "customers_customerevent"


@pytest.fixture
def customer(sales):
    return ActiveCustomerFactory(reseller=sales.reseller)


def place_with_return(customer, sales, admin) -> None:
    """A PA from the console, its order from the licensing website's API, a partial return through /v3."""
    products = [ProductFactory(), ProductFactory()]
    with audit_source(Source.CONSOLE):
        pa = services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(p, 3) for p in products], actor=sales
        )
    with audit_source(Source.API, "token"):
        order, _created = services.order_place(
            order_number=f"N{pa.pk}",
            order_date=services.today(),
            pa_reference=pa.reference,
            lines=[services.OrderLineRequest(p.sku_new, 3) for p in products],
            actor=admin,
        )
    with audit_source(Source.VIPMP, "client-7"):
        services.return_request(order=order, quantities={order.lines.all()[0].pk: 1}, actor=admin)


def renewed(customer, admin, *, year: int) -> None:
    """A renewal the console recorded (written as the service writes it: the row, its line, its event)."""
    before = date(2020 + year, 3, 10)
    renewal = Renewal.objects.create(
        customer=customer,
        order_number=f"REN-{year}",
        order_date=before - timedelta(days=5),
        anniversary_before=before,
        anniversary_after=before.replace(year=before.year + 1),
        placed_by=admin,
        entered_by_hand=True,
    )
    line = RenewalLine.objects.create(renewal=renewal, product=ProductFactory(), quantity_before=4, quantity_after=3)
    with audit_source(Source.CONSOLE):
        renewed_record(customer=customer, actor=admin, renewal=renewal, lines=[line])


def queries_for(client, url: str) -> tuple[int, int, str]:
    """(all queries, queries of the history's events, the page) for one GET."""
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.status_code == 200
    events = [q for q in captured.captured_queries if EVENTS_TABLE in q["sql"]]
    return len(captured), len(events), page.content.decode()


def channels(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", shown).strip() for shown in re.findall(r'class="channel">(.*?)</', page)]


def test_the_order_history_shows_every_cards_channel_for_one_query(sales_client, customer, sales):
    admin = ResellerAdminFactory(reseller=sales.reseller)
    url = reverse("customer-history", args=[customer.pk])
    counts = {}
    for size in (1, 6):
        while customer.purchase_authorizations.count() < size:
            place_with_return(customer, sales, admin)
        total, events, page = queries_for(sales_client, url)
        counts[size] = total
        assert events == 1, "the channels of every card are read in one query"
        # Newest first: each PA (console), its order (API), its return (client 7's, through /v3).
        assert channels(page) == ["Console", "API", "VIP Marketplace API (client client-7)"] * size
    assert counts[1] == counts[6], counts


def test_the_renewal_history_shows_every_cards_channel_for_one_query(sales_client, customer, sales):
    admin = ResellerAdminFactory(reseller=sales.reseller)
    url = reverse("customer-renewals", args=[customer.pk])
    counts = {}
    for size in (1, 6):
        while Renewal.objects.filter(customer=customer).count() < size:
            renewed(customer, admin, year=Renewal.objects.count())
        total, events, page = queries_for(sales_client, url)
        counts[size] = total
        assert events == 1, "the channels of every renewal are read in one query"
        assert channels(page) == ["Console"] * size
    assert counts[1] == counts[6], counts


def test_a_card_whose_event_was_never_recorded_says_so(sales_client, customer, sales):
    admin = ResellerAdminFactory(reseller=sales.reseller)
    place_with_return(customer, sales, admin)
    renewed(customer, admin, year=1)
    customer.events.all().delete()  # rows from before the history, or written by hand
    history = sales_client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    renewals = sales_client.get(reverse("customer-renewals", args=[customer.pk])).content.decode()
    assert channels(history) == ["—", "—", "—"]
    assert channels(renewals) == ["—"]


# ---------------------------------------------------------------------------
# The history export's Channel column
# ---------------------------------------------------------------------------
def exported(client, customer, language: str = "en") -> tuple[list[list[str]], int]:
    """The customer's history export as CSV rows, and the queries it took (the stream read to its end)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("customer-history-csv", args=[customer.pk]), headers={"Accept-Language": language}
        )
        text = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(text))), len(captured)


def test_the_history_export_says_each_records_channel_for_a_fixed_number_of_queries(sales_client, customer, sales):
    admin = ResellerAdminFactory(reseller=sales.reseller)
    counts = {}
    for size in (1, 6):
        while customer.purchase_authorizations.count() < size:
            place_with_return(customer, sales, admin)
        while Renewal.objects.filter(customer=customer).count() < size:
            renewed(customer, admin, year=Renewal.objects.count())
        rows, counts[size] = exported(sales_client, customer)
        assert rows[0][-1] == "Channel"
        by_record = sorted({(row[2], row[-1]) for row in rows[1:]})
        assert by_record == [
            ("Order", "API"),
            ("Purchase authorization", "Console"),
            ("Renewal", "Console"),
            ("Return", "VIP Marketplace API (client client-7)"),
        ]
        assert len(rows) == 1 + size * (2 + 2 + 1 + 1)  # each PA's and order's two lines, a return, a renewal
    assert counts[1] == counts[6], counts

    swedish, _queries = exported(sales_client, customer, "sv")
    assert swedish[0][-1] == "Kanal"
    assert {row[-1] for row in swedish[1:]} == {"API", "Konsolen", "VIP Marketplace-API (klient client-7)"}


def test_the_export_finds_the_channel_of_a_return_recorded_before_events_named_their_return(
    sales_client, customer, sales
):
    admin = ResellerAdminFactory(reseller=sales.reseller)
    place_with_return(customer, sales, admin)
    place_with_return(customer, sales, admin)
    for event in customer.events.filter(kind=CustomerEvent.Kind.RETURN_REQUESTED):
        event.parameters.pop("return_id")
        event.save(update_fields=["parameters"])
    rows, _queries = exported(sales_client, customer)
    assert [row[-1] for row in rows[1:] if row[2] == "Return"] == ["VIP Marketplace API (client client-7)"] * 2
    history = sales_client.get(reverse("customer-history", args=[customer.pk])).content.decode()
    assert channels(history) == ["Console", "API", "VIP Marketplace API (client client-7)"] * 2
