"""Renewal orders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import order_entered_by_hand
from authorizations import dates
from authorizations.services import (
    content_fingerprint,
    order_number_conflict,
    order_number_holder_visible,
    refuse_future_order_date,
)
from catalogue.models import Product
from customers.models import Customer, CustomerStatus
from customers.selectors import customers_visible_to
from licences import selectors as licence_selectors
from licences import services as licences
from resellerconsole.errors import DomainError
from resellerconsole.l10n import grouped

from ..dates import in_renewal_window, renewal_year
from ..events import renewed_record
from ..models import Renewal, RenewalLine, RenewalRow


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
    ids = licence_selectors.held_product_ids(customer=customer)
    anniversary = cast(date, customer.anniversary_date)  # a renewal is of a customer that ordered
    ids |= set(
        RenewalRow.objects.filter(customer=customer, anniversary_date=anniversary).values_list("product_id", flat=True)
    )
    return Product.objects.in_bulk(ids)


def proposed_renewal_lines(customer: Customer) -> list[RenewalLineRequest]:
    """The console's renewal order: every renewable product, at the overview's proposed quantity (or the
    quantity held, for a product the overview has not listed yet), so none is left out."""
    anniversary = cast(date, customer.anniversary_date)
    proposed = dict(
        RenewalRow.objects.filter(customer=customer, anniversary_date=anniversary).values_list(
            "product_id", "proposed_quantity"
        )
    )
    held = licence_selectors.deployed_by_product(customer=customer)
    return [
        RenewalLineRequest(product.sku_renewal, proposed.get(pid, held.get(pid, 0)))
        for pid, product in sorted(renewable_products(customer).items(), key=lambda item: item[1].name)
    ]


def _check_window(customer: Customer, order_date: date) -> None:
    anniversary = cast(date, customer.anniversary_date)  # a renewal is of a customer that ordered
    year = renewal_year(anniversary)
    opens, closes = year.window_opens, year.grace_end
    if in_renewal_window(anniversary, order_date) or (order_date > closes and customer.reinstated_for == anniversary):
        return
    raise DomainError(
        _(
            "The renewal window for the anniversary %(anniversary)s is open from %(opens)s to %(closes)s; "
            "an order dated %(date)s is outside it."
        )
        % {
            "anniversary": date_format(anniversary),
            "opens": date_format(opens),
            "closes": date_format(closes),
            "date": date_format(order_date),
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
                _("Enter a whole number of licences from 0 to %(max)s.") % {"max": grouped(maximum)},
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
    *,
    order_number: str,
    order_date: date,
    vip_id: str,
    lines: Sequence[RenewalLineRequest],
    actor: User,
    number_taken_elsewhere: bool = False,
) -> tuple[Renewal, bool]:
    """Process a renewal order: renew the chosen quantities for 12 months, release what is not renewed,
    move the anniversary a year on and record the renewal. The same order again returns the first result.

    `number_taken_elsewhere`: the order intake (which owns order numbers) found the number on a new order the
    actor may not see; it is refused only after every other check, as an unknown holder's number is."""
    by_hand = order_entered_by_hand(actor)
    order_number = (order_number or "").strip()
    if not order_number:
        raise DomainError(_("Enter the order number."), code="required", field="order_number")
    fingerprint = _fingerprint(order_date=order_date, vip_id=vip_id, lines=lines)
    existing = Renewal.objects.filter(order_number=order_number).first()
    if existing is not None and order_number_holder_visible(existing, actor=actor):
        return _replayed(existing, fingerprint), False
    # Someone else's number is refused only after every other check, as the create would (answers stay alike).
    taken = existing is not None or number_taken_elsewhere
    refuse_future_order_date(order_date)
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
        # Users beyond the quantities renewed lose their licence; then the holdings are what was renewed.
        losing = licences.users_losing_access(customer=customer, quantities=chosen)
        licences.assignments_release(customer=customer, losing=losing, actor=actor)
        before = licences.holdings_renew(customer=customer, quantities=chosen)
        renewal_lines = [
            RenewalLine(
                renewal=renewal,
                product=product,
                quantity_before=before[product_id],
                quantity_after=chosen[product_id],
                released_users=losing.get(product_id, []),
            )
            for product_id, product in sorted(products.items(), key=lambda item: item[1].name)
        ]
        RenewalLine.objects.bulk_create(renewal_lines)
        customer.anniversary_date = new_anniversary
        customer.save(update_fields=["anniversary_date", "updated_at"])
        RenewalRow.objects.filter(customer=customer, anniversary_date=anniversary).delete()
        renewed_record(customer=customer, actor=actor, renewal=renewal, lines=renewal_lines)
    return renewal, True
