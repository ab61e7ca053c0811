"""bench/load.py's page list stays valid: on a tiny database, every page it would load answers 200 with the
headers it would send (wrk counts only 4xx/5xx as errors, so a page that redirected to the sign-in would pass as
fast). No timing here."""

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from authorizations import services as pa
from licences.models import Holding
from renewals import services as renewal_services
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, ResellerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)
LOAD = Path(__file__).resolve().parent.parent / "bench" / "load.py"


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def tiny():
    """Two resellers; the bigger has 26 customers renewing within the overview (two overview pages), one of them
    with an order, so the history and /v3's lists have rows."""
    with time_machine.travel(TODAY, tick=False):
        photoshop = ProductFactory(name="Photoshop")
        big, small = ResellerFactory(), ResellerFactory()
        ActiveCustomerFactory(reseller=small)
        customers = []
        for n in range(26):
            anniversary = TODAY + timedelta(days=10 + n)
            customer = ActiveCustomerFactory(
                reseller=big,
                company_name=f"Fjällmedia 1-{n:07d}",
                anniversary_date=anniversary,
                anniversary_day=anniversary.day,
            )
            Holding.objects.create(customer=customer, product=photoshop, deployed=3)
            customers.append(customer)
        admin = ResellerAdminFactory(reseller=big)
        created = pa.purchase_authorization_create(
            customer=customers[0], license_type="team", lines=[pa.LineRequest(photoshop, 2)], actor=admin
        )
        pa.order_place(
            order_number="LOAD-1",
            order_date=TODAY,
            pa_reference=created.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 2)],
            actor=admin,
        )
        renewal_services.refresh_renewal_overview(on=TODAY)
        yield big


def test_every_page_of_the_load_run_answers_200_as_its_user(tiny):
    load = load_module()
    with time_machine.travel(TODAY, tick=False):
        resolved = load.resolve()
        assert resolved["reseller_customers"] == 26
        labels = [label for label, _path, _who in resolved["pages"]]
        for wanted in (
            "customer list, search name fragment",
            "customer history",
            "renewal overview CSV (one page)",
            "API v1 renewal overview",
            "/v3 orders of a customer",
            "dashboard, reseller",
            "dashboard, internal sales over all",
        ):
            assert wanted in labels
        for label, path, who in resolved["pages"]:
            response = Client().get(path, headers=resolved["auth"][who] if who else {})
            assert response.status_code == 200, (label, path, response.status_code)
            # Each search finds the customer it was built from (the one with the order).
            if path.startswith("/customers/?q="):
                assert "Fjällmedia 1-0000000" in response.content.decode(), label


def test_the_verdict_names_each_target_missed():
    load = load_module()
    assert load.verdict(p95_ms=99.9, errors=0, share=0.05) == "PASS"
    assert load.verdict(p95_ms=100, errors=0, share=0.05) == "FAIL p95"
    assert load.verdict(p95_ms=40, errors=3, share=0.049) == "FAIL errors,req/s"
