"""The renewal overview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from catalogue.models import Product
from customers.models import Customer
from licences import services as licences
from licences.models import Holding
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.errors import DomainError
from resellerconsole.l10n import grouped

from ..dates import overview_anniversaries
from ..events import renewal_quantity_chosen_record
from ..models import RenewalRow
from .base import BATCH_FIELDS, LIVE_STATUSES


@dataclass
class OverviewRefresh:
    customers: list[int] = field(default_factory=list)
    added: int = 0
    updated: int = 0


def overview_candidates(*, on: date):
    """Customers whose anniversary is at most RENEWAL_OVERVIEW_DAYS away and whose grace has not ended."""
    first, last = overview_anniversaries(on)
    return Customer.objects.filter(status__in=LIVE_STATUSES, anniversary_date__gte=first, anniversary_date__lte=last)


#: A refresh that adds or changes this many rows, and at least this share of the table's estimated rows, analyzes
#: the table at once (the first run, a busy season).
ANALYZE_AFTER_ROWS = 10_000
ANALYZE_FRACTION = 0.1


def refresh_renewal_overview(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> OverviewRefresh:
    """Put every renewable licence of the due customers in the overview, a batch at a time.

    New holdings become rows proposing the quantity held; changed holdings update the row, but a quantity a
    person chose stays. Running it again on the same day changes nothing.
    """
    result = OverviewRefresh()
    for batch in keyset_batches(
        overview_candidates(on=on),
        batch_size=batch_size or settings.SWEEP_BATCH_SIZE,
        lock=not dry_run,
        fields=BATCH_FIELDS,
        key_range=key_range,
    ):
        if connection.vendor == "postgresql" and not dry_run:
            added_in_sql, updated_in_sql = _refresh_batch_in_sql(batch)
            result.customers.extend(row["pk"] for row in batch)
            result.added += added_in_sql
            result.updated += updated_in_sql
            continue
        anniversaries = {row["pk"]: row["anniversary_date"] for row in batch}
        held = {
            (h.customer_id, h.product_id): h.deployed
            for h in Holding.objects.filter(customer_id__in=anniversaries).only("customer_id", "product_id", "deployed")
        }
        existing = {
            (r.customer_id, r.product_id): r
            for r in RenewalRow.objects.filter(customer_id__in=anniversaries).filter(
                _current_anniversary_condition(anniversaries)
            )
        }
        added = [
            RenewalRow(
                customer_id=customer_id,
                product_id=product_id,
                anniversary_date=anniversaries[customer_id],
                quantity_held=quantity,
                proposed_quantity=quantity,
            )
            for (customer_id, product_id), quantity in held.items()
            if quantity > 0 and (customer_id, product_id) not in existing
        ]
        changed = []
        for key, row in existing.items():
            quantity = held.get(key, 0)
            if row.quantity_held != quantity:
                row.quantity_held = quantity
                if row.quantity_edited_at is None:
                    row.proposed_quantity = quantity
                changed.append(row)
        result.customers.extend(anniversaries)
        result.added += len(added)
        result.updated += len(changed)
        if not dry_run:
            RenewalRow.objects.bulk_create(added, ignore_conflicts=True)
            RenewalRow.objects.bulk_update(changed, ["quantity_held", "proposed_quantity"])
    if connection.vendor == "postgresql" and not dry_run and result.added + result.updated >= ANALYZE_AFTER_ROWS:
        _analyze_if_stale(result.added + result.updated)
    return result


def _analyze_if_stale(changed: int) -> None:
    """Fresh statistics now, not whenever autovacuum gets to it, when the change is large for the table: with the
    table's old estimates the overview page's row query was planned for 500,000 rows instead of 500 (parallel, JIT:
    40 ms instead of 3). A day's usual change (under a tenth of the rows, autovacuum's own measure) is left to it."""
    table = RenewalRow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        estimated = cursor.fetchone()[0]
        if estimated <= 0 or changed >= ANALYZE_FRACTION * estimated:
            cursor.execute(f"ANALYZE {table}")


def _refresh_batch_in_sql(batch: list[dict]) -> tuple[int, int]:
    """The same change as the generic path, as one statement per batch (PostgreSQL). Returns (added, updated).

    The licences held and the batch's rows for the current anniversary are compared in one hash join; only what
    differs is written: new licences are inserted (an upsert, should a run in parallel have added them), changed
    ones updated, keeping a quantity a person chose, and rows whose licence is no longer held set to 0. A day
    without changes writes nothing. The batch's customers (locked, with their anniversaries) come as arrays, and
    their key range lets both tables be read by a range of their customer index.
    """
    rows, holdings = RenewalRow._meta.db_table, Holding._meta.db_table
    ids = [row["pk"] for row in batch]
    parameters = {
        "ids": ids,
        "anniversaries": [row["anniversary_date"] for row in batch],
        "first": min(ids),
        "last": max(ids),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH batch AS (
                SELECT * FROM unnest(%(ids)s::bigint[], %(anniversaries)s::date[]) AS c(id, anniversary_date)
            ), held AS (
                SELECT h.customer_id, h.product_id, c.anniversary_date, h.deployed
                FROM {holdings} h JOIN batch c ON c.id = h.customer_id
                WHERE h.customer_id BETWEEN %(first)s AND %(last)s AND h.deployed > 0
            ), listed AS (
                SELECT r.id, r.customer_id, r.product_id, r.quantity_held
                FROM {rows} r JOIN batch c ON c.id = r.customer_id AND r.anniversary_date = c.anniversary_date
                WHERE r.customer_id BETWEEN %(first)s AND %(last)s
            ), differs AS (
                SELECT listed.id, held.customer_id, held.product_id, held.anniversary_date,
                    coalesce(held.deployed, 0) AS quantity
                FROM held FULL JOIN listed
                  ON listed.customer_id = held.customer_id AND listed.product_id = held.product_id
                WHERE listed.id IS NULL OR listed.quantity_held <> coalesce(held.deployed, 0)
            ), added AS (
                INSERT INTO {rows} AS r (customer_id, product_id, anniversary_date, quantity_held,
                    proposed_quantity, created_at)
                SELECT customer_id, product_id, anniversary_date, quantity, quantity, now()
                FROM differs WHERE id IS NULL
                ON CONFLICT (customer_id, product_id, anniversary_date) DO UPDATE
                    SET quantity_held = EXCLUDED.quantity_held,
                        proposed_quantity = CASE WHEN r.quantity_edited_at IS NULL THEN EXCLUDED.quantity_held
                                                 ELSE r.proposed_quantity END
                    WHERE r.quantity_held <> EXCLUDED.quantity_held
                RETURNING (xmax = 0) AS inserted
            ), changed AS (
                UPDATE {rows} r
                SET quantity_held = differs.quantity,
                    proposed_quantity = CASE WHEN r.quantity_edited_at IS NULL THEN differs.quantity
                                             ELSE r.proposed_quantity END
                FROM differs WHERE r.id = differs.id
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM added WHERE inserted),
                (SELECT count(*) FROM added WHERE NOT inserted) + (SELECT count(*) FROM changed)
            """,  # noqa: S608 - table names from the models, ids as a parameter
            parameters,
        )
        added, updated = cursor.fetchone()
    return added, updated


def _current_anniversary_condition(anniversaries: dict[int, date]) -> Q:
    condition = Q(pk__in=[])
    for anniversary in set(anniversaries.values()):
        ids = [pk for pk, a in anniversaries.items() if a == anniversary]
        condition |= Q(customer_id__in=ids, anniversary_date=anniversary)
    return condition


#: The most licences a renewal quantity may name (the console's form, the API and this service ask it).
MAX_RENEWAL_QUANTITY = 200_000


def users_losing_access(*, customer: Customer, product: Product, quantity: int) -> list[str]:
    """Who loses the licence if only `quantity` are renewed (the release rule, in licences)."""
    return licences.users_losing_access(customer=customer, quantities={product.pk: quantity}).get(product.pk, [])


def renewal_quantity_set(
    *, customer: Customer, product: Product, quantity: int, actor: User, confirm_release: bool = False
) -> RenewalRow:
    """A reseller or internal sales chooses the renewal quantity; going below the users assigned needs
    `confirm_release`, and the refusal names who would lose access."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= MAX_RENEWAL_QUANTITY:
        raise DomainError(
            _("Enter a whole number of licences from 0 to %(max)s.")
            % {"max": grouped(MAX_RENEWAL_QUANTITY)},
            code="invalid",
            field="proposed_quantity",
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        row = RenewalRow.objects.filter(
            customer=customer, product=product, anniversary_date=cast(date, customer.anniversary_date)
        ).first()
        if row is None:
            raise DomainError(
                _("%(product)s is not in this customer's renewal overview.") % {"product": product.name},
                code="not_in_overview",
                field="product",
            )
        losing = users_losing_access(customer=customer, product=product, quantity=quantity)
        if losing and not confirm_release:
            raise DomainError(
                ngettext(
                    "With a renewal quantity of %(quantity)s for %(product)s, %(count)s user loses access: %(users)s.",
                    "With a renewal quantity of %(quantity)s for %(product)s, %(count)s users lose access: %(users)s.",
                    len(losing),
                )
                % {"quantity": quantity, "product": product.name, "count": len(losing), "users": ", ".join(losing)},
                code="confirm_release",
                field="proposed_quantity",
            )
        before = row.proposed_quantity
        row.proposed_quantity, row.quantity_edited_by, row.quantity_edited_at = quantity, actor, timezone.now()
        row.save(update_fields=["proposed_quantity", "quantity_edited_by", "quantity_edited_at"])
        renewal_quantity_chosen_record(
            customer=customer, actor=actor, product=product, before=before, after=quantity, losing_access=losing
        )
    return row


@dataclass(frozen=True)
class RenewalQuantityRequest:
    sku: str
    quantity: int
    confirm_release: bool = False


#: The request's own names for the fields a single quantity's refusal names.
_LINE_FIELDS = {"proposed_quantity": "quantity", "product": "sku"}


def renewal_quantities_set(
    *, customer: Customer, lines: Sequence[RenewalQuantityRequest], actor: User
) -> list[RenewalRow]:
    """Choose several renewal quantities at once, by renewal SKU: all are saved or none is. A refusal names
    its line (lines.<n>.sku / lines.<n>.quantity)."""
    with transaction.atomic(durable=True):
        products = {
            row.product.sku_renewal.upper(): row.product
            for row in RenewalRow.objects.filter(
                customer=customer, anniversary_date=cast(date, customer.anniversary_date)
            ).select_related("product")
        }
        seen: set[int] = set()
        rows = []
        for index, line in enumerate(lines):
            sku = line.sku.strip().upper()
            product = products.get(sku)
            if product is None:
                raise DomainError(
                    _("%(sku)s is not the renewal SKU of a product in this customer's renewal overview.")
                    % {"sku": sku},
                    code="not_in_overview",
                    field=f"lines.{index}.sku",
                )
            if product.pk in seen:
                raise DomainError(
                    _("SKU %(sku)s appears twice.") % {"sku": sku}, code="repeated_product", field=f"lines.{index}.sku"
                )
            seen.add(product.pk)
            try:
                rows.append(
                    renewal_quantity_set(
                        customer=customer,
                        product=product,
                        quantity=line.quantity,
                        actor=actor,
                        confirm_release=line.confirm_release,
                    )
                )
            except DomainError as error:
                field = _LINE_FIELDS.get(error.field or "")
                raise DomainError(
                    error.message, code=error.code, field=f"lines.{index}.{field}" if field else error.field
                ) from error
    return rows
