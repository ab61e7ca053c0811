"""The daily jobs' keyset walk driven by an index's keys, read several batches ahead (issue 15): every candidate is
visited once, in key order, inside a fanned-out chunk's range too; the batch's keys go to the database as one array."""

import pytest

from customers.models import Customer
from resellerconsole import batching
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.querying import AmongValues
from tests.factories import CustomerFactory


@pytest.fixture
def customers(db):
    return [CustomerFactory(company_name=f"Kund {n:02}") for n in range(11)]


def test_among_values_finds_the_rows_of_the_keys_given(customers):
    wanted = [customers[3].pk, customers[7].pk, customers[0].pk, 10**12]
    found = Customer.objects.filter(AmongValues("pk", wanted)).order_by("pk")
    assert list(found.values_list("pk", flat=True)) == sorted(wanted[:3])
    assert not Customer.objects.filter(AmongValues("pk", [])).exists()


@pytest.mark.parametrize("read_ahead", [1, 2, 10])
def test_each_candidate_is_batched_once_in_key_order(customers, monkeypatch, read_ahead):
    monkeypatch.setattr(batching, "KEYS_READ_AHEAD", read_ahead)
    # Keys include customers that are no candidates (every third one), and the candidates are all keys.
    candidates = Customer.objects.exclude(company_name__in=[c.company_name for c in customers[::3]])
    keys = Customer.objects.values_list("pk", flat=True)
    batches = list(keyset_batches(candidates, batch_size=2, lock=False, fields=("pk",), keys=keys))
    visited = [row["pk"] for rows in batches for row in rows]
    assert visited == sorted(c.pk for i, c in enumerate(customers) if i % 3)
    assert all(1 <= len(rows) <= 2 for rows in batches)


def test_a_chunk_of_keys_walks_its_range_only(customers, monkeypatch):
    monkeypatch.setattr(batching, "KEYS_READ_AHEAD", 3)
    chunk = KeyRange(customers[2].pk, customers[8].pk)
    keys = Customer.objects.values_list("pk", flat=True)
    batches = keyset_batches(
        Customer.objects.all(), batch_size=2, lock=False, fields=("pk",), keys=keys, key_range=chunk
    )
    assert [row["pk"] for rows in batches for row in rows] == [c.pk for c in customers[2:9]]
