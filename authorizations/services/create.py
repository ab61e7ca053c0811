"""Create."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from catalogue.models import LicenseType, Product
from customers.models import Customer, CustomerStatus
from resellerconsole.errors import DomainError, Problem
from resellerconsole.l10n import grouped

from .. import dates
from ..deadlines import (
    overdue_references,
)
from ..events import pa_created_record
from ..models import (
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
)
from .base import PO_NUMBER_MAX_LENGTH, PO_NUMBER_PATTERN, LineRequest, _lock_customer, today
from .holdings import _change_holdings


def _line_product_problem(customer: Customer, license_type: str, product: Product) -> tuple[str, str] | None:
    """Why this product cannot be on the purchase authorization, as (code, message); None when it can."""
    if product.is_education_device_license:
        return "education_device_license", _(
            "%(product)s is an Education device licence. Purchase authorizations are not available for "
            "those: they are ordered directly from the programme owner."
        ) % {"product": product.name}
    if not product.is_active:
        return "inactive_product", _("%(product)s is no longer sold.") % {"product": product.name}
    if product.license_type != license_type:
        return "license_type_mismatch", _(
            "%(product)s is sold as %(type)s licences; this purchase authorization is for %(wanted)s licences."
        ) % {
            "product": product.name,
            "type": product.get_license_type_display(),
            "wanted": LicenseType(license_type).label,
        }
    if not product.sold_to(customer.market_segment):
        return "segment_mismatch", _("%(product)s is not sold to %(segment)s customers.") % {
            "product": product.name,
            "segment": customer.get_market_segment_display(),
        }
    return None


def refuse_too_many_lines(count: int) -> None:
    """The line limit (settings.PA_MAX_LINES) every door asks: the dialog, the API and this service."""
    if count > settings.PA_MAX_LINES:
        raise DomainError(
            ngettext(
                "A purchase authorization can have at most %(max)s product.",
                "A purchase authorization can have at most %(max)s products.",
                settings.PA_MAX_LINES,
            )
            % {"max": settings.PA_MAX_LINES},
            code="too_many_lines",
            field="lines",
        )


def _validate_lines(customer: Customer, license_type: str, lines: Sequence[LineRequest]) -> None:
    """Every bad line at once (its product and its quantity), so the reseller fixes them in one go."""
    if not lines:
        raise DomainError(_("Add at least one product."), code="required", field="lines")
    refuse_too_many_lines(len(lines))
    maximum = settings.PA_MAX_QUANTITY[license_type]
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for index, line in enumerate(lines):
        product, quantity = line.product, line.quantity
        where = f"lines.{index}"
        if product is None:
            problems.append(Problem(f"{where}.product", "required", _("Choose a product.")))
        elif refused := _line_product_problem(customer, license_type, product):
            problems.append(Problem(f"{where}.product", *refused))
        elif product.pk in seen:
            problems.append(
                Problem(
                    f"{where}.product",
                    "repeated_product",
                    _("%(product)s is already on line %(line)s. Change that line's quantity instead.")
                    % {"product": product.name, "line": seen[product.pk] + 1},
                )
            )
        else:
            seen[product.pk] = index
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= maximum:
            problems.append(
                Problem(
                    f"{where}.quantity",
                    "quantity_out_of_range",
                    _("Enter a whole number of licences from 1 to %(max)s.")
                    % {"max": grouped(maximum)},
                )
            )
    if problems:
        raise DomainError.from_problems(problems)


def _validate_po_number(po_number: str) -> str:
    po_number = (po_number or "").strip()
    if len(po_number) > PO_NUMBER_MAX_LENGTH:
        raise DomainError(
            ngettext(
                "The PO number can have at most %(max)s character.",
                "The PO number can have at most %(max)s characters.",
                PO_NUMBER_MAX_LENGTH,
            )
            % {"max": PO_NUMBER_MAX_LENGTH},
            code="po_number_too_long",
            field="po_number",
        )
    if not PO_NUMBER_PATTERN.match(po_number):
        raise DomainError(
            _("The PO number may contain only letters, digits and - _ / ."), code="po_number_invalid", field="po_number"
        )
    return po_number


def _refuse_closed_account(customer: Customer, on: date) -> None:
    if customer.status == CustomerStatus.NOT_INVITED:
        raise DomainError(
            _("Send the VIP invitation first: products can be added once the VIP ID is issued."),
            code="not_invited",
        )
    if customer.status == CustomerStatus.INACTIVE:
        raise DomainError(
            _("The account is inactive after a missed renewal and must be reinstated first."), code="inactive"
        )
    overdue = overdue_references(customer, on=on)
    if overdue or customer.status == CustomerStatus.DELAYED:
        raise DomainError(
            ngettext(
                "The account is Delayed: purchase authorization %(references)s passed its order deadline without "
                "an order. Have it ordered or withdraw it before creating a new one.",
                "The account is Delayed: purchase authorizations %(references)s passed their order deadline "
                "without an order. Have them ordered or withdraw them before creating a new one.",
                max(len(overdue), 1),
            )
            % {"references": ", ".join(overdue) or "?"},
            code="account_delayed",
        )


def purchase_authorization_refusal(*, customer: Customer, on: date | None = None) -> str | None:
    """Why no purchase authorization can be created for `customer` now (not invited, inactive, Delayed naming
    the overdue PA), or None: the rule `purchase_authorization_create` applies, asked before the dialog opens."""
    try:
        _refuse_closed_account(customer, on or today())
    except DomainError as error:
        return error.message
    return None


def products_not_offered(*, customer: Customer, license_type: str) -> list[tuple[Product, str]]:
    """The products that cannot go on this customer's purchase authorization of `license_type`, each with the
    reason `purchase_authorization_create` would give (an Education device licence, the other licence type,
    another market segment). Products no longer sold are left out: nobody is offered them."""
    if license_type not in LicenseType.values:
        return []
    refused = []
    for product in Product.objects.filter(is_active=True).order_by("name", "pk"):
        if problem := _line_product_problem(customer, license_type, product):
            refused.append((product, problem[1]))
    return refused


def _validate_request(customer: Customer, license_type: str, lines: Sequence[LineRequest], po_number: str) -> str:
    if license_type not in LicenseType.values:
        raise DomainError(_("Choose Enterprise or Team."), code="invalid", field="license_type")
    po_number = _validate_po_number(po_number)
    _validate_lines(customer, license_type, lines)
    return po_number


def purchase_authorization_check(
    *, customer: Customer, license_type: str, lines: Sequence[LineRequest], po_number: str = ""
) -> None:
    """Raise what purchase_authorization_create would refuse, changing nothing (the VIP Marketplace API's
    PREVIEW asks it, so a preview refuses exactly what the order would)."""
    _validate_request(customer, license_type, lines, po_number)
    _refuse_closed_account(customer, today())


def purchase_authorization_create(
    *,
    customer: Customer,
    license_type: str,
    lines: Sequence[LineRequest],
    po_number: str = "",
    actor: User,
) -> PurchaseAuthorization:
    """Deploy the products at once and start the order deadline."""
    po_number = _validate_request(customer, license_type, lines, po_number)
    on = today()
    with transaction.atomic():
        customer = _lock_customer(customer)
        _refuse_closed_account(customer, on)
        now = timezone.now()
        pa = PurchaseAuthorization.objects.create(
            reference=f"new-{uuid.uuid4().hex[:16]}",
            customer=customer,
            license_type=license_type,
            po_number=po_number,
            deployed_at=now,
            order_deadline=dates.order_deadline(on, settings.PA_ORDER_DEADLINE_DAYS),
            created_by=actor,
        )
        # A readable reference from the primary key: unique, and what the account manager quotes on the LWS.
        pa.reference = f"PA{pa.pk:08d}"
        pa.save(update_fields=["reference"])
        # Checked above: every line has its product and quantity.
        checked = [(cast(Product, ln.product), cast(int, ln.quantity)) for ln in lines]
        PurchaseAuthorizationLine.objects.bulk_create(
            [
                PurchaseAuthorizationLine(purchase_authorization=pa, product=product, quantity=quantity)
                for product, quantity in checked
            ]
        )
        _change_holdings(customer, {product.pk: quantity for product, quantity in checked})
        pa_created_record(customer=customer, actor=actor, pa=pa, lines=lines)
    return pa
