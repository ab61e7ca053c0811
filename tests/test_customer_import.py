"""Bulk import of customers (issue 18): a dry run writes nothing, errors are shown per cell, the import creates
every row or none, and invitations are a separate step."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from customers import imports
from customers.models import Customer, CustomerEvent
from tests.factories import ActiveCustomerFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
GOOD = ["Import Ett AB", "Storgatan 1", "", "111 22", "Stockholm", "SE", "commercial", "sv", "Vera", "vera@ett.example"]


@pytest.fixture
def admin():
    return ResellerAdminFactory()


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def csv_file(*rows, header=imports.COLUMNS, name="customers.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")


def row(name: str, **changes) -> list[str]:
    values = dict(zip(imports.COLUMNS, GOOD, strict=True))
    values.update(company_name=name, vip_admin_email=f"admin@{(name or 'x').split()[0].lower()}.example")
    values.update(changes)
    return [values[column] for column in imports.COLUMNS]


def test_the_dry_run_shows_what_would_be_created_and_writes_nothing(admin_client):
    response = admin_client.post("/customers/import/", {"file": csv_file(row("Alfa AB"), row("Beta AB"))})
    assert response.status_code == 200
    assert [r.errors for r in response.context["checked"]] == [{}, {}]
    assert "2 customers will be created." in response.content.decode()
    assert not Customer.objects.exists() and not CustomerEvent.objects.exists()


def test_each_bad_cell_is_named_with_the_forms_own_message(admin_client, admin):
    ActiveCustomerFactory(reseller=admin.reseller, company_name="Taken AB")
    rows = [
        row("Alfa AB", country="XX"),
        row("Beta AB", market_segment="military", vip_admin_email="not-an-address"),
        row("", postal_code=""),
        row("Taken AB"),
        row("Alfa AB"),
        row("Fine AB"),
    ]
    response = admin_client.post("/customers/import/", {"file": csv_file(*rows)})
    checked = response.context["checked"]
    assert set(checked[0].errors) == {"country"}
    assert set(checked[1].errors) == {"market_segment", "vip_admin_email"}
    assert set(checked[2].errors) == {"company_name", "postal_code"}
    assert "already has a customer" in checked[3].errors["company_name"][0]
    assert "row 2" in checked[4].errors["company_name"][0]  # the first Alfa AB, on line 2 of the file
    assert checked[5].errors == {}
    page = response.content.decode()
    assert "5 rows have errors" in page and "Create" not in page.split("Dry run")[1].split("<table")[0]
    assert not Customer.objects.filter(company_name="Fine AB").exists()
    # Nothing waits to be confirmed: the confirmation is refused.
    assert admin_client.post("/customers/import/confirm/").status_code == 302
    assert not Customer.objects.filter(company_name="Fine AB").exists()


def test_confirming_creates_every_row_and_the_invitations_are_a_separate_step(admin_client, admin, mailoutbox):
    admin_client.post("/customers/import/", {"file": csv_file(row("Alfa AB"), row("Beta AB"))})
    response = admin_client.post("/customers/import/confirm/", follow=True)
    created = Customer.objects.filter(reseller=admin.reseller).order_by("pk")
    assert [c.company_name for c in created] == ["Alfa AB", "Beta AB"]
    assert {c.status for c in created} == {"not_invited"} and mailoutbox == []
    assert created[0].vip_admins.get().email == "admin@alfa.example" and created[0].preferred_language == "sv"
    assert "2 imported customers have not been invited yet." in response.content.decode()
    assert admin_client.post("/customers/import/confirm/").status_code == 302  # a second click imports nothing
    assert Customer.objects.count() == 2

    admin_client.post("/customers/import/invite/")
    assert {c.status for c in Customer.objects.all()} == {"invitation_sent"}
    assert all(c.vip_id for c in Customer.objects.all())
    admin_client.post("/customers/import/invite/")  # twice: nobody is invited twice
    assert CustomerEvent.objects.filter(kind="invitation_sent").count() == 2


def test_all_or_none_when_a_row_fails_at_the_import(admin_client, admin):
    """A duplicate that appears between the dry run and the confirmation: nothing at all is created."""
    admin_client.post("/customers/import/", {"file": csv_file(row("Alfa AB"), row("Beta AB"))})
    ActiveCustomerFactory(reseller=admin.reseller, company_name="Beta AB")
    admin_client.post("/customers/import/confirm/")
    assert not Customer.objects.filter(company_name="Alfa AB").exists()


def test_an_xlsx_file_is_read_as_the_csv(admin_client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(imports.COLUMNS))
    sheet.append(row("Excel AB"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("customers.xlsx", buffer.getvalue())
    response = admin_client.post("/customers/import/", {"file": upload})
    assert [r.errors for r in response.context["checked"]] == [{}]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad"), "could not be read"),
        (SimpleUploadedFile("x.csv", b""), "empty"),
        (csv_file(["a"], header=["company_name"]), "lacks these columns"),
        (SimpleUploadedFile("x.xlsx", b"not a zip"), "could not be read"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused_at_the_field(admin_client, upload, message):
    response = admin_client.post("/customers/import/", {"file": upload})
    assert response.status_code == 200 and message in " ".join(response.context["form"].errors["file"])
    assert response.context["checked"] is None


def test_the_template_downloads_and_imports_cleanly(admin_client):
    template = admin_client.get("/customers/import/template.csv")
    assert template.status_code == 200
    upload = SimpleUploadedFile("template.csv", template.content)
    assert [r.errors for r in admin_client.post("/customers/import/", {"file": upload}).context["checked"]] == [{}]


def test_sales_may_not_import(client, admin):
    client.force_login(SalesFactory(reseller=admin.reseller))
    assert client.get("/customers/import/").status_code == 403
    assert client.post("/customers/import/confirm/").status_code == 403
