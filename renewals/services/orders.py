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
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import order_entered_by_hand
from authorizations import dates
from authorizations import selectors as pa_selectors
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


def renewal_fingerprint(*, order_date: date, vip_id: str, lines: Sequence[RenewalLineRequest]) -> str:
    content = {
        "type": "renewal",
        "order_date": order_date.isoformat(),
        "vip_id": vip_id.strip().upper(),
        "lines": sorted([ln.sku.strip().upper(), ln.quantity] for ln in lines),
    }
    return content_fingerprint(content)


def renewal_replayed(renewal: Renewal, fingerprint: str) -> Renewal:
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


def refuse_renewal_quantity_out_of_range(product: Product, quantity, *, field: str) -> None:
    """A quantity to renew: a whole number from 0 to the licence type's PA_MAX_QUANTITY (Adobe's maximum too:
    10,000 Team, 200,000 Enterprise). The renewal order's lines and the auto-renewal quantity ask it."""
    maximum = settings.PA_MAX_QUANTITY[product.license_type]
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 <= quantity <= maximum:
        raise DomainError(
            _("Enter a whole number of licences from 0 to %(max)s.") % {"max": grouped(maximum)},
            code="quantity_out_of_range",
            field=field,
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
        refuse_renewal_quantity_out_of_range(product, line.quantity, field=f"lines.{index}.quantity")
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


def _refuse_below_pending(customer: Customer, products: dict[int, Product], chosen: dict[int, int], lines) -> None:
    """A pending purchase authorization's licences stay deployed until it is ordered or withdrawn (and its
    withdrawal releases exactly them), so a renewal keeps at least the licences pending PAs deploy."""
    pending = pa_selectors.pending_quantities(customer=customer)
    for index, line in enumerate(lines):
        product = next((p for p in products.values() if p.sku_renewal.upper() == line.sku.strip().upper()), None)
        if product is None or product.pk not in pending:
            continue
        on_pending = sum(pending[product.pk].values())
        if chosen[product.pk] < on_pending:
            raise DomainError(
                ngettext(
                    "%(product)s: %(pending)s licence is on pending purchase authorizations (%(references)s); "
                    "renew at least that many, or withdraw them first.",
                    "%(product)s: %(pending)s licences are on pending purchase authorizations (%(references)s); "
                    "renew at least that many, or withdraw them first.",
                    on_pending,
                )
                % {
                    "product": product.name,
                    "pending": grouped(on_pending),
                    "references": ", ".join(pending[product.pk]),
                },
                code="pending_licences",
                field=f"lines.{index}.quantity",
            )


def _refuse_unrenewable(customer: Customer) -> None:
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


def renewal_lines_check(*, customer: Customer, lines: Sequence[RenewalLineRequest]) -> dict[int, int]:
    """What a renewal order with these lines would renew (product id → quantity), by the renewal's own rules
    for the account and the lines — every renewable product named, quantities in range — changing nothing and
    whatever the day (/v3's PREVIEW_RENEWAL; the window is the renewal order's to check)."""
    _refuse_unrenewable(customer)
    products = renewable_products(customer)
    chosen = _match_lines(products, lines)
    _refuse_below_pending(customer, products, chosen, lines)
    return chosen


def renewal_place(
    *,
    order_number: str,
    order_date: date,
    vip_id: str,
    lines: Sequence[RenewalLineRequest],
    actor: User,
    number_taken_elsewhere: bool = False,
    through_marketplace: bool = False,
) -> tuple[Renewal, bool]:
    """Process a renewal order: renew the chosen quantities for 12 months, release what is not renewed,
    move the anniversary a year on and record the renewal. The same order again returns the first result.

    `number_taken_elsewhere`: the order intake (which owns order numbers) found the number on a new order the
    actor may not see; it is refused only after every other check, as an unknown holder's number is.
    `through_marketplace`: a VIP Marketplace API client renews, as its user at the customer's reseller (as the
    client's NEW orders are placed), not entered by hand."""
    by_hand = order_entered_by_hand(actor, through_marketplace=through_marketplace)
    order_number = (order_number or "").strip()
    if not order_number:
        raise DomainError(_("Enter the order number."), code="required", field="order_number")
    fingerprint = renewal_fingerprint(order_date=order_date, vip_id=vip_id, lines=lines)
    existing = Renewal.objects.filter(order_number=order_number).first()
    if existing is not None and order_number_holder_visible(existing, actor=actor):
        return renewal_replayed(existing, fingerprint), False
    # Someone else's number is refused only after every other check, as the create would (answers stay alike).
    taken = existing is not None or number_taken_elsewhere
    refuse_future_order_date(order_date)
    # By hand or through the VIP Marketplace API, only the actor's own customers exist; the LWS renews for every
    # reseller.
    customers = customers_visible_to(actor) if by_hand or through_marketplace else Customer.objects
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
            return renewal_replayed(existing, fingerprint), False
        renewal = renewal_process(
            customer=customer,
            order_number=order_number,
            order_date=order_date,
            lines=lines,
            fingerprint=fingerprint,
            actor=actor,
            by_hand=by_hand,
            number_taken=taken or existing is not None,
        )
    return renewal, True


def renewal_process(
    *,
    customer: Customer,
    order_number: str,
    order_date: date,
    lines: Sequence[RenewalLineRequest],
    fingerprint: str,
    actor: User | None,
    by_hand: bool,
    number_taken: bool,
    automatic: bool = False,
) -> Renewal:
    """The renewal itself, for a customer row the caller has locked in its transaction: the account's, the
    window's and the lines' rules, then the renewal. Only renewal_place (every door of a renewal order) and
    auto_renewal_place (the auto-renewal job, `automatic`, no actor) call it."""
    _refuse_unrenewable(customer)
    _check_window(customer, order_date)
    products = renewable_products(customer)
    chosen = _match_lines(products, lines)
    _refuse_below_pending(customer, products, chosen, lines)
    if number_taken:
        raise order_number_conflict(order_number)
    anniversary = cast(date, customer.anniversary_date)  # _check_window: a renewal is of a customer that ordered
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
                automatic=automatic,
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
    return renewal
