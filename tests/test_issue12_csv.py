"""Issue 12, item 13: no CSV export hands a spreadsheet a formula (CSV/formula injection)."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from licences.models import Holding
from renewals import services
from resellerconsole.csv_export import spreadsheet_safe
from tests.factories import ActiveCustomerFactory, InternalSalesFactory, ProductFactory, ResellerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)
HOSTILE = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tTabbed", "\rReturned"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_formula_cell_is_neutralised(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Acme AB", "", "1 = 1", "a-b", 5, -5, None])
def test_other_cells_stay_as_they_are(value):
    assert spreadsheet_safe(value) == value


@pytest.fixture
def hostile_overview():
    """Due customers whose names, reseller's name and product name start formulas."""
    with time_machine.travel(TODAY, tick=False):
        reseller = ResellerFactory(name="=cmd|'/C calc'!A0")
        product = ProductFactory(name="@Photoshop")
        for number, name in enumerate(HOSTILE):
            customer = ActiveCustomerFactory(
                reseller=reseller,
                company_name=f"{name} {number}",
                anniversary_date=TODAY + timedelta(days=10 + number),
                anniversary_day=(TODAY + timedelta(days=10 + number)).day,
            )
            Holding.objects.create(customer=customer, product=product, deployed=5)
        # In its grace period: "Days left" is a negative number, which must stay a number.
        late = ActiveCustomerFactory(
            reseller=reseller,
            company_name="Late AB",
            anniversary_date=TODAY - timedelta(days=5),
            anniversary_day=(TODAY - timedelta(days=5)).day,
        )
        Holding.objects.create(customer=late, product=ProductFactory(name="Acrobat"), deployed=1)
        services.refresh_renewal_overview(on=TODAY)
        yield reseller


def export_rows(client) -> list[list[str]]:
    with time_machine.travel(TODAY, tick=False):
        response = client.get(reverse("renewal-overview-csv"))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


@pytest.mark.parametrize("role", ["reseller staff", "internal sales (every reseller)"])
def test_renewal_export_neutralises_every_formula_cell(client, hostile_overview, role):
    from tests.factories import SalesFactory

    client.force_login(SalesFactory(reseller=hostile_overview) if role == "reseller staff" else InternalSalesFactory())

    rows = export_rows(client)[1:]

    assert len(rows) == len(HOSTILE) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert not cell.startswith("-") or cell.lstrip("-").isdigit(), row  # negative numbers only
    names = {row[0] for row in rows}
    assert {"'" + f"{name} {number}" for number, name in enumerate(HOSTILE)} <= names
    assert {row[2] for row in rows} == {"'=cmd|'/C calc'!A0"}
    assert "-5" in {row[4] for row in rows}


def test_every_csv_export_writes_through_the_safe_writer():
    """A new export that used csv.writer directly would skip the neutralising."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("*/**/*.py")
        if not path.is_relative_to(root / "tests")
        and ".venv" not in path.parts
        and path != root / "resellerconsole" / "csv_export.py"
        and ("csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text())
    ]
    assert offenders == []
