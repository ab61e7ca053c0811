"""Orders through /v3: PREVIEW (the price calculator), NEW (a purchase authorization and its order at once,
through intake.services.order_deploy_and_place) and RETURN (authorizations.services.return_request, partial
quantities). Adobe's line items are translated to ours here, and our services' refusals to Adobe's codes; every
rule is the services' own."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from authorizations import pricing
from authorizations import services as pa_services
from authorizations.models import Order, ReturnAuthorization
from catalogue.models import LicenseType, Product
from catalogue.selectors import products_by_sku
from customers.models import Customer
from intake import services as intake
from renewals.models import Renewal
from resellerconsole.audit import Source, audit_source
from resellerconsole.errors import DomainError, Problem

from . import errors
from . import orders_input as codes
from .models import ApiClient, MarketplaceOrder
from .orders_selectors import line_numbers

#: Our services' refusal codes → Adobe's (any other is 1117, "some fields are invalid").
DOMAIN_CODES = {
    "required": errors.MISSING_FIELDS,
    "too_many_lines": codes.TOO_MANY_LINES,
    "quantity_out_of_range": codes.QUANTITY_OUT_OF_RANGE,
    "inactive_product": codes.INVALID_OFFER,
    "education_device_license": codes.NOT_ELIGIBLE,
    "license_type_mismatch": codes.NOT_ELIGIBLE,
    "segment_mismatch": codes.NOT_ELIGIBLE,
    "account_delayed": codes.NOT_ELIGIBLE,
    "inactive": codes.NOT_ELIGIBLE,
    "not_invited": codes.NOT_ELIGIBLE,
    "po_number_too_long": codes.REFERENCE_TOO_LONG,
    "return_window_closed": codes.RETURN_WINDOW_CLOSED,
    "already_returned": codes.ALREADY_RETURNED,
    "return_exceeds_remaining": codes.RETURN_QTY_EXCEEDS_REMAINING,
    "invalid_quantity": codes.QUANTITY_OUT_OF_RANGE,
    "unknown_line": errors.MISSING_FIELDS,
}
#: Adobe's reason codes (its 2129 and 5117 lists) for our reasons, added to additionalDetails.
REASONS = {
    "segment_mismatch": "INELIGIBLE_MARKET_SEGMENT",
    "license_type_mismatch": "INELIGIBLE_SWITCH",
    "account_delayed": "OPEN_PURCHASE_AUTH",
    "inactive": "INACTIVE",
    "not_invited": "CONTRACT_NOT_ACCEPTED",
}
#: Our line fields → Adobe's.
LINE_FIELDS = {"product": "offerId", "quantity": "quantity"}
FIELDS = {"lines": "lineItems", "po_number": "externalReferenceId", "license_type": "lineItems"}


def _adobe_field(field: str | None) -> str | None:
    """`lines.2.product` → `lineItems.2.offerId` (errors.adobe_path writes the index Adobe's way)."""
    if field is None:
        return None
    head, *rest = field.split(".")
    if head == "lines" and len(rest) == 2:
        return f"lineItems.{rest[0]}.{LINE_FIELDS.get(rest[1], rest[1])}"
    return ".".join([FIELDS.get(head, head), *rest])


def refusal(error: DomainError) -> errors.VipmpError:
    """Our services' refusal as Adobe's: its code, the fields by Adobe's names, and Adobe's reason codes."""
    problems = [
        Problem(_adobe_field(p.field), DOMAIN_CODES.get(p.code, errors.INVALID_FIELDS), p.message)
        for p in error.problems
    ]
    # Adobe's newer codes are words (RETURN_QTY_EXCEEDS_REMAINING): named here so they are kept as they are.
    refused = errors.from_problems(
        problems, codes={codes.RETURN_QTY_EXCEEDS_REMAINING: codes.RETURN_QTY_EXCEEDS_REMAINING}
    )
    reasons = [REASONS[p.code] for p in error.problems if p.code in REASONS]
    refused.details = list(dict.fromkeys([*refused.details, *reasons]))
    if refused.code == codes.RETURN_QTY_EXCEEDS_REMAINING:
        refused.status = refused.status_code = 422
    return refused


def _refused(problems: Iterable[Problem]) -> None:
    problems = list(problems)
    if problems:
        raise errors.from_problems(problems, codes={})


# ---------------------------------------------------------------------------
# Line items
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    number: int
    product: Product
    quantity: int


@dataclass(frozen=True)
class OrderLines:
    """A NEW or PREVIEW request's line items as our purchase authorization's lines, in the request's order."""

    lines: tuple[Line, ...]
    currency: str

    @property
    def license_type(self) -> str:
        # The purchase authorization's licence type is its first product's; the others must match (2129). With no
        # lines any type will do: the services refuse the empty order for what it is (1122).
        return self.lines[0].product.license_type if self.lines else LicenseType.TEAM

    @property
    def requests(self) -> list[pa_services.LineRequest]:
        return [pa_services.LineRequest(line.product, line.quantity) for line in self.lines]

    @property
    def numbers(self) -> dict[str, int]:
        """extLineItemNumber by SKU, as the order keeps them for its returns."""
        return {line.product.sku_new: line.number for line in self.lines}


def line_currencies(request: dict) -> list[str]:
    """Each line's currency: its own currencyCode, else the order's (Adobe accepts either; 2137 when they
    differ, 1122 when neither is given)."""
    order_currency = request.get("currencyCode")
    found: list[str] = []
    problems: list[Problem] = []
    for index, item in enumerate(request.get("lineItems", [])):
        currency = item.get("currencyCode") or order_currency
        where = f"lineItems.{index}.currencyCode"
        if not currency:
            if not any(p.field == "currencyCode" for p in problems):
                problems.append(Problem("currencyCode", errors.MISSING_FIELDS, _("This field is required.")))
        elif order_currency and item.get("currencyCode") and item["currencyCode"] != order_currency:
            problems.append(
                Problem(where, codes.CURRENCY_NOT_ALIGNED, _("The line's currency differs from the order's."))
            )
        found.append(currency or "")
    _refused(problems)
    return found


def order_lines(request: dict) -> OrderLines:
    """Offer IDs are our new-purchase SKUs (2122 for any other); each line's currency must be its product's
    (2128). All problems at once. referenceOrderId is a RETURN's alone."""
    if request.get("referenceOrderId"):
        raise errors.VipmpError(
            errors.INVALID_FIELDS,
            _("referenceOrderId: only a RETURN order references another order."),
            details=["referenceOrderId"],
        )
    items = request.get("lineItems", [])
    currencies = line_currencies(request)
    products = products_by_sku([item["offerId"] for item in items])
    lines, problems = [], []
    for index, item in enumerate(items):
        product = products.get(item["offerId"])
        if product is None:
            problems.append(
                Problem(f"lineItems.{index}.offerId", codes.INVALID_OFFER, _("Line item Offer ID is invalid."))
            )
            continue
        if currencies[index] != product.currency:
            problems.append(
                Problem(
                    f"lineItems.{index}.currencyCode",
                    codes.CURRENCY_NOT_VALID,
                    _("%(offer)s is sold in %(currency)s.") % {"offer": product.sku_new, "currency": product.currency},
                )
            )
        lines.append(Line(item["extLineItemNumber"], product, item["quantity"]))
    _refused(problems)
    return OrderLines(tuple(lines), currencies[0] if currencies else request.get("currencyCode", ""))


# ---------------------------------------------------------------------------
# PREVIEW
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    lines: OrderLines
    quote: pricing.Quote


def order_preview(*, customer: Customer, request: dict) -> Preview:
    """What a NEW order with these lines would be: refused exactly as NEW would be (the purchase
    authorization's rules), else priced and co-termed by our calculator. Changes nothing."""
    lines = order_lines(request)
    try:
        pa_services.purchase_authorization_check(
            customer=customer,
            license_type=lines.license_type,
            lines=lines.requests,
            po_number=request.get("externalReferenceId", ""),
        )
    except DomainError as error:
        raise refusal(error) from None
    quote = pricing.order_quote(
        lines=[(line.product, line.quantity) for line in lines.lines],
        order_date=pa_services.today(),
        anniversary=customer.anniversary_date,
        anniversary_day=customer.anniversary_day,
    )
    return Preview(lines, quote)


# ---------------------------------------------------------------------------
# NEW
# ---------------------------------------------------------------------------
def order_new(*, client: ApiClient, actor: User, customer: Customer, request: dict) -> Order:
    """NEW: deploys and orders in one step (intake.services.order_deploy_and_place: a purchase authorization
    with every one of its rules, and its order), on the VIP Marketplace channel; the marketplace's line numbers
    are kept beside the order, in the same transaction."""
    lines = order_lines(request)
    with audit_source(Source.VIPMP, client.client_id), transaction.atomic(durable=True):
        try:
            order = intake.order_deploy_and_place(
                customer=customer,
                license_type=lines.license_type,
                lines=lines.requests,
                po_number=request.get("externalReferenceId", ""),
                actor=actor,
            )
        except DomainError as error:
            raise refusal(error) from None
        MarketplaceOrder.objects.create(
            order=order, line_numbers={str(line.product.pk): line.number for line in lines.lines}
        )
    return order


# ---------------------------------------------------------------------------
# RETURN
# ---------------------------------------------------------------------------
def returned_quantities(*, order: Order, request: dict) -> dict[int, int]:
    """A RETURN's line items as licences per order line: each names a line of the original order by its
    extLineItemNumber (2131) and that line's offer (2130), in the line's currency (2128)."""
    numbers = {number: line_id for line_id, number in line_numbers(order).items()}
    lines = {line.pk: line for line in order.lines.all()}
    currencies = line_currencies(request)
    quantities, problems = {}, []
    for index, item in enumerate(request.get("lineItems", [])):
        line_id = numbers.get(item["extLineItemNumber"])
        line = lines.get(line_id) if line_id is not None else None
        if line is None:
            problems.append(
                Problem(
                    f"lineItems.{index}.extLineItemNumber",
                    codes.LINE_NUMBER_NOT_ON_ORDER,
                    _("extLineItemNumber does not match original order."),
                )
            )
        elif line.product.sku_new != item["offerId"].strip().upper():
            problems.append(
                Problem(
                    f"lineItems.{index}.offerId",
                    codes.OFFER_NOT_ON_ORDER,
                    _("Line item Offer ID does not match original order (%(offer)s).")
                    % {"offer": line.product.sku_new},
                )
            )
        elif currencies[index] != line.product.currency:
            problems.append(
                Problem(
                    f"lineItems.{index}.currencyCode",
                    codes.CURRENCY_NOT_VALID,
                    _("%(offer)s is sold in %(currency)s.")
                    % {"offer": line.product.sku_new, "currency": line.product.currency},
                )
            )
        else:
            quantities[line.pk] = item["quantity"]
    _refused(problems)
    return quantities


def order_return(*, client: ApiClient, actor: User, customer: Customer, request: dict) -> ReturnAuthorization:
    """RETURN of a NEW order (referenceOrderId) within the return window, whole lines or part of them
    (authorizations.services.return_request: never more than remains, the assigned-users rule per quantity),
    on the VIP Marketplace channel; its externalReferenceId kept beside the return."""
    reference = (request.get("referenceOrderId") or "").strip()
    if not reference:
        raise errors.VipmpError(
            errors.MISSING_FIELDS, _("referenceOrderId: This field is required."), details=["referenceOrderId"]
        )
    order = (
        Order.objects.filter(customer=customer, order_number=reference)
        .select_related("customer", "vipmp_details")
        .prefetch_related("lines__product")
        .first()
    )
    if order is None and Renewal.objects.filter(customer=customer, order_number=reference).exists():
        raise errors.VipmpError(
            errors.INVALID_FIELDS,
            _("referenceOrderId: renewal orders cannot be returned; return authorizations are for new orders."),
            details=["referenceOrderId"],
        )
    if order is None:
        raise errors.VipmpError(
            codes.INVALID_ORDER, _("Invalid Customer or Order ID"), status=404, details=["referenceOrderId"]
        )
    quantities = returned_quantities(order=order, request=request)
    with audit_source(Source.VIPMP, client.client_id), transaction.atomic(durable=True):
        try:
            authorization = pa_services.return_request(order=order, quantities=quantities, actor=actor)
        except DomainError as error:
            raise refusal(error) from None
        MarketplaceOrder.objects.create(
            return_authorization=authorization, external_reference_id=request.get("externalReferenceId", "")
        )
    return authorization
