"""The overview refresh in one SQL statement a batch (PostgreSQL) writes what the generic path writes (issue 15)."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from licences.models import Holding
from renewals.models import RenewalRow
from renewals.services import overview
from tests.factories import ActiveCustomerFactory, ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TODAY = date(2026, 3, 1)
ANNIVERSARY = TODAY + timedelta(days=20)


class _NotPostgres:
    """The connection as the generic path sees it (any other database)."""

    vendor = "other"

    def __getattr__(self, name):
        return getattr(connection, name)


def rows():
    return sorted(
        RenewalRow.objects.values_list(
            "customer_id", "product_id", "anniversary_date", "quantity_held", "proposed_quantity", "quantity_edited_at"
        )
    )


def both_paths(monkeypatch, batch_size: int):
    """The refresh by each path from the same data: (counts, rows) of the SQL path, then of the generic one."""
    results = []
    for generic in (False, True):
        with transaction.atomic():
            if generic:
                monkeypatch.setattr(overview, "connection", _NotPostgres())
            result = overview.refresh_renewal_overview(on=TODAY, batch_size=batch_size)
            monkeypatch.undo()
            results.append(((result.added, result.updated, sorted(result.customers)), rows()))
            transaction.set_rollback(True)
    return results


def world():
    products = [ProductFactory(name=f"P{n}") for n in range(4)]
    customers = [
        ActiveCustomerFactory(anniversary_date=ANNIVERSARY + timedelta(days=n % 3), anniversary_day=1) for n in range(7)
    ]
    for index, customer in enumerate(customers):
        for product in products[: 1 + index % 4]:
            Holding.objects.create(customer=customer, product=product, deployed=1 + index)
    return customers, products


@pytest.mark.parametrize("batch_size", [2, 500])
def test_the_sql_refresh_writes_what_the_generic_refresh_writes(monkeypatch, batch_size):
    customers, products = world()
    first_sql, first_generic = both_paths(monkeypatch, batch_size)
    assert first_sql == first_generic and first_sql[0][0] > 0
    overview.refresh_renewal_overview(on=TODAY)

    # Every kind of change: more, fewer, none left, a new product, a person's chosen quantity, an old anniversary.
    Holding.objects.filter(customer=customers[0]).update(deployed=9)
    Holding.objects.filter(customer=customers[1], product=products[0]).update(deployed=0)
    Holding.objects.filter(customer=customers[2]).update(deployed=0)
    Holding.objects.create(customer=customers[4], product=products[3], deployed=2)
    RenewalRow.objects.filter(customer=customers[4]).update(proposed_quantity=1, quantity_edited_at=timezone.now())
    Holding.objects.filter(customer=customers[4]).update(deployed=40)
    customers[5].anniversary_date += timedelta(days=365)
    customers[5].save(update_fields=["anniversary_date"])
    Holding.objects.filter(customer=customers[6]).update(deployed=0)
    RenewalRow.objects.filter(customer=customers[6]).update(quantity_held=0, proposed_quantity=0)

    second_sql, second_generic = both_paths(monkeypatch, batch_size)
    assert second_sql == second_generic
    added, updated, _customers = second_sql[0]
    assert added > 0 and updated > 0

    overview.refresh_renewal_overview(on=TODAY)
    again = overview.refresh_renewal_overview(on=TODAY)
    assert (again.added, again.updated) == (0, 0)


def test_the_sql_refresh_issues_the_same_queries_for_few_and_many_customers():
    def queries(count: int, anniversary: date) -> int:
        product = ProductFactory()
        for _ in range(count):
            customer = ActiveCustomerFactory(anniversary_date=anniversary, anniversary_day=anniversary.day)
            Holding.objects.create(customer=customer, product=product, deployed=3)
        RenewalRow.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            overview.refresh_renewal_overview(on=TODAY)
        return len([q for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    assert queries(3, ANNIVERSARY) == queries(40, ANNIVERSARY + timedelta(days=1))
