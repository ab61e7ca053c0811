"""Renewal overview, renewal orders, removal of access after the grace period, and reinstatement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import order_entered_by_hand
from authorizations import dates
from authorizations.models import Assignment, Holding, Order
from authorizations.services import (
    content_fingerprint,
    customer_refresh_delay,
    order_number_conflict,
    order_number_holder_visible,
)
from authorizations.withdrawals import pending_withdraw_all
from catalogue.models import Product
from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.selectors import customers_visible_to
from customers.services import customer_event_record, customer_set_status
from resellerconsole.batching import KeyRange, keyset_batches
from resellerconsole.errors import DomainError

from .models import Renewal, RenewalLine, RenewalRow

BATCH_FIELDS = ("pk", "status", "anniversary_date")
#: Accounts the daily renewal jobs look at (Inactive ones have lost access already).
LIVE_STATUSES = (CustomerStatus.INVITATION_SENT, CustomerStatus.ACTIVE, CustomerStatus.DELAYED)


# ---------------------------------------------------------------------------
# The renewal overview
# ---------------------------------------------------------------------------
@dataclass
class OverviewRefresh:
    customers: list[int] = field(default_factory=list)
    added: int = 0
    updated: int = 0


def overview_candidates(*, on: date):
    """Customers whose anniversary is at most RENEWAL_OVERVIEW_DAYS away and whose grace has not ended."""
    return Customer.objects.filter(
        status__in=LIVE_STATUSES,
        anniversary_date__lte=on + timedelta(days=settings.RENEWAL_OVERVIEW_DAYS),
        anniversary_date__gte=on - timedelta(days=settings.RENEWAL_GRACE_DAYS),
    )


#: A refresh that adds or changes this many rows analyzes the table at once (the first run, a busy season).
ANALYZE_AFTER_ROWS = 10_000


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
            added, updated = _refresh_batch_in_sql([row["pk"] for row in batch])
            result.customers.extend(row["pk"] for row in batch)
            result.added += added
            result.updated += updated
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
        # Fresh statistics now, not whenever autovacuum gets to it: with the table's old estimates the overview
        # page's row query was planned for 500,000 rows instead of 500 (parallel, JIT: 40 ms instead of 3).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RenewalRow._meta.db_table}")
    return result


def _refresh_batch_in_sql(customer_ids: list[int]) -> tuple[int, int]:
    """The same change as the generic path, as two statements per batch (PostgreSQL): an upsert that keeps a
    chosen quantity, and zeroing rows whose product is no longer held. Returns (added, updated)."""
    rows, holdings, customers = (
        RenewalRow._meta.db_table,
        Holding._meta.db_table,
        Customer._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH upserted AS (
                INSERT INTO {rows} AS r (customer_id, product_id, anniversary_date, quantity_held,
                    proposed_quantity, created_at)
                SELECT h.customer_id, h.product_id, c.anniversary_date, h.deployed, h.deployed, now()
                FROM {holdings} h JOIN {customers} c ON c.id = h.customer_id
                WHERE c.id = ANY(%(ids)s) AND h.deployed > 0
                ON CONFLICT (customer_id, product_id, anniversary_date) DO UPDATE
                    SET quantity_held = EXCLUDED.quantity_held,
                        proposed_quantity = CASE WHEN r.quantity_edited_at IS NULL THEN EXCLUDED.quantity_held
                                                 ELSE r.proposed_quantity END
                    WHERE r.quantity_held <> EXCLUDED.quantity_held
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
            """,  # noqa: S608 - table names from the models, ids as a parameter
            {"ids": customer_ids},
        )
        added, updated = cursor.fetchone()
        cursor.execute(
            f"""
            UPDATE {rows} r
            SET quantity_held = 0,
                proposed_quantity = CASE WHEN r.quantity_edited_at IS NULL THEN 0 ELSE r.proposed_quantity END
            FROM {customers} c
            WHERE r.customer_id = c.id AND r.anniversary_date = c.anniversary_date AND c.id = ANY(%(ids)s)
              AND r.quantity_held <> 0
              AND NOT EXISTS (SELECT 1 FROM {holdings} h
                              WHERE h.customer_id = r.customer_id AND h.product_id = r.product_id AND h.deployed > 0)
            """,  # noqa: S608 - table names from the models, ids as a parameter
            {"ids": customer_ids},
        )
        updated += cursor.rowcount
    return added, updated


def _current_anniversary_condition(anniversaries: dict[int, date]) -> Q:
    condition = Q(pk__in=[])
    for anniversary in set(anniversaries.values()):
        ids = [pk for pk, a in anniversaries.items() if a == anniversary]
        condition |= Q(customer_id__in=ids, anniversary_date=anniversary)
    return condition


def users_losing_access(*, customer: Customer, product: Product, quantity: int) -> list[str]:
    """Who loses the licence if only `quantity` are renewed: the most recently assigned users go first."""
    active = Assignment.objects.filter(customer=customer, product=product, released_at__isnull=True)
    surplus = active.count() - quantity
    if surplus <= 0:
        return []
    return list(active.order_by("-assigned_at", "-pk").values_list("email", flat=True)[:surplus])


def renewal_quantity_set(
    *, customer: Customer, product: Product, quantity: int, actor: User, confirm_release: bool = False
) -> RenewalRow:
    """A reseller or internal sales chooses the renewal quantity; going below the users assigned needs
    `confirm_release`, and the refusal names who would lose access."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= 200_000:
        raise DomainError(
            _("Enter a whole number of licences from 0 to 200 000."), code="invalid", field="proposed_quantity"
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        row = RenewalRow.objects.filter(
            customer=customer, product=product, anniversary_date=customer.anniversary_date
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
                _("Renewing %(quantity)s %(product)s licences leaves %(count)s users without access: %(users)s.")
                % {"quantity": quantity, "product": product.name, "count": len(losing), "users": ", ".join(losing)},
                code="confirm_release",
                field="proposed_quantity",
            )
        before = row.proposed_quantity
        row.proposed_quantity, row.quantity_edited_by, row.quantity_edited_at = quantity, actor, timezone.now()
        row.save(update_fields=["proposed_quantity", "quantity_edited_by", "quantity_edited_at"])
        customer_event_record(
            customer,
            CustomerEvent.Kind.RENEWAL_QUANTITY_CHOSEN,
            actor,
            product=product.name,
            sku=product.sku_renewal,
            before=before,
            after=quantity,
            losing_access=losing,
        )
    return row


# ---------------------------------------------------------------------------
# Renewal orders
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RenewalLineRequest:
    sku: str
    quantity: int


def _fingerprint(*, order_date: date, vip_id: str, lines: Sequence[RenewalLineRequest]) -> str:
    content = {
        "type": "renewal",
        "order_date": order_date.isoformat(),
        "vip_id": vip_id.strip().upper(),
        "lines": sorted([ln.sku.strip().upper(), ln.quantity] for ln in lines),
    }
    return content_fingerprint(content)


def _replayed(renewal: Renewal, fingerprint: str) -> Renewal:
    if renewal.fingerprint != fingerprint:
        raise order_number_conflict(renewal.order_number)
    return renewal


def renewable_products(customer: Customer) -> dict[int, Product]:
    """Products the customer holds, or held when the overview was filled (access may have been removed)."""
    ids = set(Holding.objects.filter(customer=customer, deployed__gt=0).values_list("product_id", flat=True))
    ids |= set(
        RenewalRow.objects.filter(customer=customer, anniversary_date=customer.anniversary_date).values_list(
            "product_id", flat=True
        )
    )
    return Product.objects.in_bulk(ids)


def proposed_renewal_lines(customer: Customer) -> list[RenewalLineRequest]:
    """The console's renewal order: every renewable product, at the overview's proposed quantity (or the
    quantity held, for a product the overview has not listed yet), so none is left out."""
    proposed = dict(
        RenewalRow.objects.filter(customer=customer, anniversary_date=customer.anniversary_date).values_list(
            "product_id", "proposed_quantity"
        )
    )
    held = dict(Holding.objects.filter(customer=customer).values_list("product_id", "deployed"))
    return [
        RenewalLineRequest(product.sku_renewal, proposed.get(pid, held.get(pid, 0)))
        for pid, product in sorted(renewable_products(customer).items(), key=lambda item: item[1].name)
    ]


def _check_window(customer: Customer, order_date: date) -> None:
    anniversary = customer.anniversary_date
    opens = anniversary - timedelta(days=settings.RENEWAL_WINDOW_OPENS_DAYS)
    closes = anniversary + timedelta(days=settings.RENEWAL_GRACE_DAYS)
    if opens <= order_date <= closes or (order_date > closes and customer.reinstated_for == anniversary):
        return
    raise DomainError(
        _(
            "The renewal window for the anniversary %(anniversary)s is open from %(opens)s to %(closes)s; "
            "an order dated %(date)s is outside it."
        )
        % {
            "anniversary": anniversary.isoformat(),
            "opens": opens.isoformat(),
            "closes": closes.isoformat(),
            "date": order_date.isoformat(),
        },
        code="renewal_window_closed",
        field="order_date",
    )


def _match_lines(products: dict[int, Product], lines: Sequence[RenewalLineRequest]) -> dict[int, int]:
    by_sku = {p.sku_renewal.upper(): p for p in products.values()}
    chosen: dict[int, int] = {}
    for index, line in enumerate(lines):
        sku = line.sku.strip().upper()
        product = by_sku.get(sku)
        if product is None:
            raise DomainError(
                _("%(sku)s is not the renewal SKU of a product this customer holds.") % {"sku": sku},
                code="not_renewable",
                field=f"lines.{index}.sku",
            )
        if product.pk in chosen:
            raise DomainError(
                _("SKU %(sku)s appears twice in the order.") % {"sku": sku},
                code="repeated_product",
                field=f"lines.{index}.sku",
            )
        maximum = settings.PA_MAX_QUANTITY[product.license_type]
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or not 0 <= line.quantity <= maximum:
            raise DomainError(
                _("Enter a whole number of licences from 0 to %(max)s.") % {"max": maximum},
                code="quantity_out_of_range",
                field=f"lines.{index}.quantity",
            )
        chosen[product.pk] = line.quantity
    if not chosen:
        raise DomainError(_("Add at least one product to renew."), code="required", field="lines")
    # Every held product is named: one left out would silently renew at 0 and move the anniversary.
    missing = sorted((p for pid, p in products.items() if pid not in chosen), key=lambda p: p.name)
    if missing:
        raise DomainError(
            _(
                "The renewal order leaves out %(products)s. Name every held product's renewal SKU "
                "(quantity 0 renews none of it)."
            )
            % {"products": ", ".join(f"{p.name} ({p.sku_renewal})" for p in missing)},
            code="renewal_product_missing",
            field="lines",
        )
    return chosen


def renewal_place(
    *, order_number: str, order_date: date, vip_id: str, lines: Sequence[RenewalLineRequest], actor: User
) -> tuple[Renewal, bool]:
    """Process a renewal order: renew the chosen quantities for 12 months, release what is not renewed,
    move the anniversary a year on and record the renewal. The same order again returns the first result."""
    by_hand = order_entered_by_hand(actor)
    order_number = (order_number or "").strip()
    if not order_number:
        raise DomainError(_("Enter the order number."), code="required", field="order_number")
    fingerprint = _fingerprint(order_date=order_date, vip_id=vip_id, lines=lines)
    existing = Renewal.objects.filter(order_number=order_number).first()
    if existing is not None and order_number_holder_visible(existing, actor=actor):
        return _replayed(existing, fingerprint), False
    order = Order.objects.filter(order_number=order_number).first()
    if order is not None and order_number_holder_visible(order, actor=actor):
        raise order_number_conflict(order_number)
    # Someone else's number is refused only after every other check, as the create would (answers stay alike).
    taken = existing is not None or order is not None
    if order_date > timezone.localdate():
        raise DomainError(_("The order date cannot be in the future."), code="future_date", field="order_date")
    # By hand, only the actor's own customers exist; the LWS renews for every reseller.
    customers = customers_visible_to(actor) if by_hand else Customer.objects
    customer = customers.filter(vip_id=(vip_id or "").strip().upper()).first()
    if customer is None:
        raise DomainError(
            _("There is no customer with VIP ID %(vip_id)s.") % {"vip_id": vip_id},
            code="unknown_vip_id",
            field="vip_id",
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        existing = Renewal.objects.filter(order_number=order_number).first()
        if existing is not None and order_number_holder_visible(existing, actor=actor):
            return _replayed(existing, fingerprint), False
        taken = taken or existing is not None
        if customer.status == CustomerStatus.INACTIVE:
            raise DomainError(
                _(
                    "%(name)s lost access after the grace period ended. The account must be reinstated by its "
                    "reseller before a renewal can be processed."
                )
                % {"name": customer.company_name},
                code="account_inactive",
            )
        if customer.anniversary_date is None:
            raise DomainError(
                _("%(name)s has no anniversary yet: its first order sets it.") % {"name": customer.company_name},
                code="no_anniversary",
                field="vip_id",
            )
        _check_window(customer, order_date)
        products = renewable_products(customer)
        chosen = _match_lines(products, lines)
        if taken:
            raise order_number_conflict(order_number)
        anniversary = customer.anniversary_date
        new_anniversary = dates.next_anniversary(anniversary, original_day=customer.anniversary_day)
        try:
            with transaction.atomic():
                renewal = Renewal.objects.create(
                    customer=customer,
                    order_number=order_number,
                    order_date=order_date,
                    anniversary_before=anniversary,
                    anniversary_after=new_anniversary,
                    fingerprint=fingerprint,
                    placed_by=actor,
                    entered_by_hand=by_hand,
                )
        except IntegrityError:
            raise order_number_conflict(order_number) from None
        holdings = {h.product_id: h for h in Holding.objects.filter(customer=customer, product_id__in=products)}
        now = timezone.now()
        renewal_lines = []
        for product_id, product in sorted(products.items(), key=lambda item: item[1].name):
            before = holdings[product_id].deployed if product_id in holdings else 0
            after = chosen[product_id]
            losing = users_losing_access(customer=customer, product=product, quantity=after)
            if losing:
                Assignment.objects.filter(
                    customer=customer, product=product, released_at__isnull=True, email__in=losing
                ).update(released_at=now, released_by=actor)
            Holding.objects.update_or_create(customer=customer, product=product, defaults={"deployed": after})
            renewal_lines.append(
                RenewalLine(
                    renewal=renewal,
                    product=product,
                    quantity_before=before,
                    quantity_after=after,
                    released_users=losing,
                )
            )
        RenewalLine.objects.bulk_create(renewal_lines)
        customer.anniversary_date = new_anniversary
        customer.save(update_fields=["anniversary_date", "updated_at"])
        RenewalRow.objects.filter(customer=customer, anniversary_date=anniversary).delete()
        customer_event_record(
            customer,
            CustomerEvent.Kind.RENEWED,
            actor,
            order_number=order_number,
            anniversary_before=anniversary.isoformat(),
            anniversary_after=new_anniversary.isoformat(),
            entered_by_hand=by_hand,
            lines=[
                {"product": ln.product.name, "before": ln.quantity_before, "after": ln.quantity_after}
                for ln in renewal_lines
            ],
        )
    return renewal, True


# ---------------------------------------------------------------------------
# Removal of access and reinstatement
# ---------------------------------------------------------------------------
def expired_candidates(*, on: date):
    """Customers whose grace period ended before `on` without a renewal (the anniversary did not move)."""
    return Customer.objects.filter(
        status__in=LIVE_STATUSES,
        anniversary_date__lt=on - timedelta(days=settings.RENEWAL_GRACE_DAYS),
    ).exclude(reinstated_for=F("anniversary_date"))


def remove_expired_access(
    *, on: date, dry_run: bool = False, batch_size: int | None = None, key_range: KeyRange | None = None
) -> list[int]:
    """End the deployments and assignments of lapsed customers and make them Inactive; nothing is deleted.

    Their pending purchase authorizations are withdrawn first (their licences are no longer deployed, and a
    pending PA left behind could never be withdrawn or ordered after a reinstatement), one event each.
    """
    removed: list[int] = []
    for batch in keyset_batches(
        expired_candidates(on=on),
        batch_size=batch_size or settings.SWEEP_BATCH_SIZE,
        lock=not dry_run,
        fields=BATCH_FIELDS,
        key_range=key_range,
    ):
        ids = [row["pk"] for row in batch]
        removed.extend(ids)
        if dry_run:
            continue
        now = timezone.now()
        events, released = pending_withdraw_all(customer_ids=ids, reason="access removed", at=now)
        held: dict[int, list[dict]] = {}
        for customer_id, product_id, name, deployed in (
            Holding.objects.filter(customer_id__in=ids, deployed__gt=0)
            .order_by("product__name")
            .values_list("customer_id", "product_id", "product__name", "deployed")
        ):
            # What the removal itself ends: the licences left once the pending PAs have released theirs.
            quantity = deployed - released.get((customer_id, product_id), 0)
            if quantity > 0:
                held.setdefault(customer_id, []).append({"product": name, "quantity": quantity})
        Holding.objects.filter(customer_id__in=ids, deployed__gt=0).update(deployed=0)
        Assignment.objects.filter(customer_id__in=ids, released_at__isnull=True).update(released_at=now)
        Customer.objects.filter(pk__in=ids).update(status=CustomerStatus.INACTIVE, delayed_for=None, updated_at=now)
        for row in batch:
            anniversary = row["anniversary_date"].isoformat()
            events.append(
                CustomerEvent(
                    customer_id=row["pk"],
                    kind=CustomerEvent.Kind.ACCESS_REMOVED,
                    at=now,
                    parameters={"anniversary": anniversary, "lines": held.get(row["pk"], [])},
                )
            )
            events.append(
                CustomerEvent(
                    customer_id=row["pk"],
                    kind=CustomerEvent.Kind.STATUS_CHANGED,
                    at=now,
                    parameters={"from": row["status"], "to": CustomerStatus.INACTIVE, "reason": "grace period ended"},
                )
            )
        CustomerEvent.objects.bulk_create(events)
    return removed


def customer_reinstate(*, customer: Customer, actor: User) -> Customer:
    """The reseller reinstates an Inactive account so a late renewal can be processed; recorded.

    It returns to Active if its invitation was accepted, else to Invitation sent.
    """
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.status != CustomerStatus.INACTIVE:
            raise DomainError(_("Only an inactive account can be reinstated."), code="invalid_transition")
        back = CustomerStatus.ACTIVE if customer.invitation_accepted_at else CustomerStatus.INVITATION_SENT
        customer_set_status(customer=customer, status=back, actor=actor, reason="reinstated")
        # The lapsed anniversary may still be renewed late; the removal job leaves the account alone meanwhile.
        customer.reinstated_for = customer.anniversary_date
        customer.save(update_fields=["reinstated_for", "updated_at"])
        customer_event_record(
            customer,
            CustomerEvent.Kind.REINSTATED,
            actor,
            anniversary=customer.anniversary_date.isoformat() if customer.anniversary_date else None,
        )
        # The removal withdrew the pending PAs; one left from before it did (older data) makes it Delayed at once.
        customer_refresh_delay(customer=customer, on=timezone.localdate(), actor=actor)
    return customer
