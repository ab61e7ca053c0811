"""Exports (issue 18): the customer list as CSV and XLSX, as on screen, only what the user may see, safe to open."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import ActiveCustomerFactory, CustomerFactory, InternalSalesFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return ResellerAdminFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_the_filters_and_sort_on_screen(admin_client, admin):
    ActiveCustomerFactory(reseller=admin.reseller, company_name="Beta AB")
    ActiveCustomerFactory(reseller=admin.reseller, company_name="Alpha AB")
    CustomerFactory(reseller=admin.reseller, company_name="Gamma AB")  # not invited: filtered out
    rows = csv_rows(admin_client.get("/customers/export.csv?status=active&sort=-name"))
    assert rows[0][:5] == ["Company name", "VIP ID", "Partner ID", "Reseller", "Status"]
    assert [row[0] for row in rows[1:]] == ["Beta AB", "Alpha AB"]
    assert rows[1][4] == "Active" and rows[1][2] == admin.reseller.partner_id


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_only_the_users_own_customers_are_exported(client, admin, fmt):
    ActiveCustomerFactory(reseller=admin.reseller, company_name="Ours AB")
    ActiveCustomerFactory(company_name="Someone Else's AB")
    client.force_login(admin)
    read = csv_rows if fmt == "csv" else xlsx_rows
    assert [row[0] for row in read(client.get(f"/customers/export.{fmt}"))[1:]] == ["Ours AB"]
    # A reseller filter is internal sales' only: reseller staff cannot reach another reseller with it.
    other = ActiveCustomerFactory().reseller
    assert [row[0] for row in read(client.get(f"/customers/export.{fmt}?reseller={other.pk}"))[1:]] == ["Ours AB"]
    client.force_login(InternalSalesFactory())
    names = {row[0] for row in read(client.get(f"/customers/export.{fmt}"))[1:]}
    assert {"Ours AB", "Someone Else's AB"} <= names


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_that_would_run_as_formulas_are_neutralised(admin_client, admin, fmt):
    for name in ('=HYPERLINK("http://evil.example")', "+1+2", "-3", "@SUM(A1)"):
        ActiveCustomerFactory(reseller=admin.reseller, company_name=name, city="=cmd|' /C calc'!A0")
    read = csv_rows if fmt == "csv" else xlsx_rows
    rows = read(admin_client.get(f"/customers/export.{fmt}"))[1:]
    assert all(row[0].startswith("'") for row in rows), rows
    assert all(row[7] == "'=cmd|' /C calc'!A0" for row in rows)


def test_xlsx_holds_text_not_formulas(admin_client, admin):
    ActiveCustomerFactory(reseller=admin.reseller, company_name="=1+1")
    workbook = load_workbook(io.BytesIO(b"".join(admin_client.get("/customers/export.xlsx").streaming_content)))
    cell = workbook.active["A2"]
    assert cell.data_type == "s" and cell.value == "'=1+1"


def test_dates_are_iso_and_headers_in_the_users_language(admin_client, admin):
    customer = ActiveCustomerFactory(reseller=admin.reseller, company_name="Datum AB")
    admin_client.cookies["django_language"] = "sv"
    rows = csv_rows(admin_client.get("/customers/export.csv", headers={"accept-language": "sv"}))
    assert rows[0][0] == "Företagsnamn" and rows[0][4] == "Status"
    assert rows[1][4] == "Aktiv"
    assert rows[1][14].startswith(customer.created_at.astimezone().date().isoformat())
    assert rows[1][14][10] == "T"  # 2026-12-02T19:50:43+01:00


def test_sales_and_anonymous_users(client, admin):
    assert client.get("/customers/export.csv").status_code == 302
    from tests.factories import SalesFactory

    client.force_login(SalesFactory(reseller=admin.reseller))
    assert client.get("/customers/export.csv").status_code == 200  # sales see their reseller's list too


def history_world(admin):
    from datetime import timedelta

    import time_machine

    from authorizations import services as pa
    from renewals import services as renewals
    from tests.factories import ProductFactory
    from tests.test_webhooks import new_customer

    photoshop, acrobat = ProductFactory(name="Photoshop"), ProductFactory(name="Acrobat")
    first = timezone.localdate() - timedelta(days=370)
    with time_machine.travel(first, tick=False):
        customer = new_customer(admin, "History AB")
        authorization = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(photoshop, 5), pa.LineRequest(acrobat, 2)],
            po_number="-PO-1",
            actor=admin,
        )
        order, _created = pa.order_place(
            order_number="LWS-77",
            order_date=first,
            pa_reference=authorization.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5), pa.OrderLineRequest(acrobat.sku_new, 2)],
            actor=admin,
        )
        pa.return_request(order=order, order_line_ids=[order.lines.get(product=acrobat).pk], actor=admin)
    customer.refresh_from_db()
    renewal_date = customer.anniversary_date - timedelta(days=5)
    with time_machine.travel(renewal_date, tick=False):
        renewals.refresh_renewal_overview(on=renewal_date)
        renewals.renewal_place(
            order_number="LWS-78",
            order_date=renewal_date,
            vip_id=customer.vip_id,
            lines=[renewals.RenewalLineRequest(photoshop.sku_renewal, 4)],
            actor=admin,
        )
    return customer, authorization


def test_the_history_export_has_every_record_with_its_lines(admin_client, admin):
    customer, authorization = history_world(admin)
    ActiveCustomerFactory(company_name="Other Reseller's AB")
    rows = csv_rows(admin_client.get("/history/export.csv"))
    assert rows[0][:6] == [
        "Company name",
        "VIP ID",
        "Record",
        "Purchase authorization",
        "Customer PO number",
        "Order number",
    ]
    records = [(row[2], row[3], row[5], row[9], row[11], row[12]) for row in rows[1:]]
    assert records == [
        ("Purchase authorization", authorization.reference, "", "Photoshop", "5", ""),
        ("Purchase authorization", authorization.reference, "", "Acrobat", "2", ""),
        ("Order", authorization.reference, "LWS-77", "Photoshop", "5", ""),
        ("Order", authorization.reference, "LWS-77", "Acrobat", "2", ""),
        ("Return", authorization.reference, "LWS-77", "Acrobat", "2", ""),
        ("Renewal", "", "LWS-78", "Photoshop", "4", "5"),
    ]
    assert {row[4] for row in rows[1:6]} == {"'-PO-1"}  # a PO number cannot run as a formula
    assert {row[0] for row in rows[1:]} == {"History AB"}
    one = xlsx_rows(admin_client.get(f"/customers/{customer.pk}/history/export.xlsx"))
    assert [row[2] for row in one[1:]] == ["Purchase authorization"] * 2 + ["Order"] * 2 + ["Return", "Renewal"]


def test_another_resellers_customer_history_is_a_404(client, admin):
    customer, _authorization = history_world(admin)
    client.force_login(ResellerAdminFactory())
    assert client.get(f"/customers/{customer.pk}/history/export.csv").status_code == 404
    assert csv_rows(client.get("/history/export.csv"))[1:] == []


def test_the_customer_events_export_lists_every_change_of_visible_customers(admin_client, admin):
    customer, authorization = history_world(admin)
    ActiveCustomerFactory(company_name="Elsewhere AB")  # another reseller's (its factory writes no events)
    other = ResellerAdminFactory()
    from tests.test_webhooks import new_customer

    new_customer(other, "Hidden AB")
    rows = csv_rows(admin_client.get("/customers/events/export.csv"))
    assert rows[0] == ["Time", "Company name", "VIP ID", "Event", "Details", "Performed by", "Source"]
    assert {row[1] for row in rows[1:]} == {"History AB"}
    events = [row[3] for row in rows[1:]]
    assert events[0] == "Customer created" and "Purchase authorization created" in events
    assert "Renewal processed" in events
    created = next(row for row in rows[1:] if row[3] == "Purchase authorization created")
    assert created[4].startswith(authorization.reference) and created[5] == admin.username
    assert created[6] == "Command line"  # services called outside a request: the command line's channel
    assert len(xlsx_rows(admin_client.get("/customers/events/export.xlsx"))) == len(rows)
