"""Purchase authorizations, orders, returns, licence assignments and the order deadline.

Every function validates, then acts in one transaction, locking the customer first (then its purchase
authorization) so concurrent changes to one customer queue up instead of interleaving.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.permissions import order_entered_by_hand
from catalogue.models import LicenseType, Product
from customers.models import Customer, CustomerEvent, CustomerStatus
from customers.selectors import customers_visible_to
from customers.services import customer_event_record
from resellerconsole.errors import DomainError, Problem

from . import dates, selectors
from .deadlines import (  # noqa: F401 - the deadline sweep lives in .deadlines; these names stay importable here
    OPEN_ACCOUNT_STATUSES,
    DeadlineSweep,
    _apply_deadline_batch,
    customer_refresh_delay,
    enforce_order_deadlines,
    overdue_pending,
    overdue_references,
)
from .models import (
    PURCHASE_AUTHORIZATION_TRANSITIONS,
    Assignment,
    Holding,
    Order,
    OrderLine,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    PurchaseAuthorizationStatus,
    ReturnAuthorization,
    ReturnLine,
    event_lines,
)

PO_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9\-_/.]*$")
PO_NUMBER_MAX_LENGTH = 35


@dataclass(frozen=True)
class LineRequest:
    product: Product | None
    quantity: int | None


@dataclass(frozen=True)
class ReleaseBlocker:
    """A product whose licences cannot be released because users hold them."""

    product: Product
    deployed: int
    assigned: int
    releasing: int
    holders: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return _(
            "%(product)s: %(releasing)s of %(deployed)s licences would be released, but %(assigned)s are "
            "assigned to users (%(holders)s). Release their licences first."
        ) % {
            "product": self.product.name,
            "releasing": self.releasing,
            "deployed": self.deployed,
            "assigned": self.assigned,
            "holders": ", ".join(self.holders),
        }


def today() -> date:
    return timezone.localdate()


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().select_related("reseller").get(pk=customer.pk)


def _transition(pa: PurchaseAuthorization, status: str) -> None:
    if status not in PURCHASE_AUTHORIZATION_TRANSITIONS[pa.status]:
        raise DomainError(
            _("Purchase authorization %(reference)s is %(status)s and cannot change any more.")
            % {"reference": pa.reference, "status": pa.get_status_display().lower()},
            code="invalid_transition",
        )
    pa.status = status


# ---------------------------------------------------------------------------
# Holdings and the assigned-users rule
# ---------------------------------------------------------------------------
def _change_holdings(customer: Customer, changes: dict[int, int]) -> None:
    """Add (or, with negative numbers, remove) deployed licences per product id."""
    for product_id, delta in changes.items():
        holding, _created = Holding.objects.get_or_create(customer=customer, product_id=product_id)
        Holding.objects.filter(pk=holding.pk).update(deployed=F("deployed") + delta)


def release_blockers(*, customer: Customer, releases: dict[int, int]) -> list[ReleaseBlocker]:
    """For each product released with quantity q, require assigned <= deployed - q (domain.md)."""
    if not releases:
        return []
    holdings = {h.product_id: h for h in Holding.objects.filter(customer=customer, product_id__in=releases)}
    assigned = dict(
        Assignment.objects.filter(customer=customer, product_id__in=releases, released_at__isnull=True)
        .values("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    )
    blocked = [pid for pid, q in releases.items() if assigned.get(pid, 0) > (holdings[pid].deployed - q)]
    if not blocked:
        return []
    holders: dict[int, list[str]] = {}
    for product_id, email in (
        Assignment.objects.filter(customer=customer, product_id__in=blocked, released_at__isnull=True)
        .order_by("email")
        .values_list("product_id", "email")
    ):
        holders.setdefault(product_id, []).append(email)
    products = Product.objects.in_bulk(blocked)
    return [
        ReleaseBlocker(
            product=products[pid],
            deployed=holdings[pid].deployed,
            assigned=assigned.get(pid, 0),
            releasing=releases[pid],
            holders=holders.get(pid, []),
        )
        for pid in blocked
    ]


def _refuse_if_blocked(customer: Customer, releases: dict[int, int], *, field_name: str | None = None) -> None:
    blockers = release_blockers(customer=customer, releases=releases)
    if blockers:
        raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field=field_name)


# ---------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------
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
            "%(product)s is a %(type)s licence; this purchase authorization is for %(wanted)s licences."
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


def _validate_lines(customer: Customer, license_type: str, lines: Sequence[LineRequest]) -> None:
    """Every bad line at once (its product and its quantity), so the reseller fixes them in one go."""
    if not lines:
        raise DomainError(_("Add at least one product."), code="required", field="lines")
    if len(lines) > settings.PA_MAX_LINES:
        raise DomainError(
            _("A purchase authorization can have at most %(max)s products.") % {"max": settings.PA_MAX_LINES},
            code="too_many_lines",
            field="lines",
        )
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
                    % {"max": f"{maximum:,}".replace(",", " ")},
                )
            )
    if problems:
        raise DomainError.from_problems(problems)


def _validate_po_number(po_number: str) -> str:
    po_number = (po_number or "").strip()
    if len(po_number) > PO_NUMBER_MAX_LENGTH:
        raise DomainError(
            _("The PO number can have at most %(max)s characters.") % {"max": PO_NUMBER_MAX_LENGTH},
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


def purchase_authorization_create(
    *,
    customer: Customer,
    license_type: str,
    lines: Sequence[LineRequest],
    po_number: str = "",
    actor: User,
) -> PurchaseAuthorization:
    """Deploy the products at once and start the order deadline."""
    if license_type not in LicenseType.values:
        raise DomainError(_("Choose Enterprise or Team."), code="invalid", field="license_type")
    po_number = _validate_po_number(po_number)
    _validate_lines(customer, license_type, lines)
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
        PurchaseAuthorizationLine.objects.bulk_create(
            [
                PurchaseAuthorizationLine(purchase_authorization=pa, product=ln.product, quantity=ln.quantity)
                for ln in lines
            ]
        )
        _change_holdings(customer, {ln.product.pk: ln.quantity for ln in lines})
        customer_event_record(
            customer,
            CustomerEvent.Kind.PA_CREATED,
            actor,
            reference=pa.reference,
            license_type=license_type,
            po_number=po_number,
            deadline=pa.order_deadline.isoformat(),
            lines=event_lines(lines),
        )
    return pa


# ---------------------------------------------------------------------------
# Withdraw and remove products
# ---------------------------------------------------------------------------
def _lock_pending(pa: PurchaseAuthorization) -> tuple[Customer, PurchaseAuthorization]:
    customer = _lock_customer(pa.customer)
    pa = PurchaseAuthorization.objects.select_for_update().get(pk=pa.pk)
    if pa.status != PurchaseAuthorizationStatus.PENDING:
        raise DomainError(
            _("Purchase authorization %(reference)s is %(status)s; only pending ones can be undone.")
            % {"reference": pa.reference, "status": pa.get_status_display().lower()},
            code="invalid_transition",
        )
    return customer, pa


def _active_lines(pa: PurchaseAuthorization) -> list[PurchaseAuthorizationLine]:
    return list(pa.lines.filter(removed_at__isnull=True).select_related("product"))


def purchase_authorization_withdraw(
    *, purchase_authorization: PurchaseAuthorization, actor: User
) -> PurchaseAuthorization:
    """Undo a pending PA: its licences are no longer deployed. Refused while users hold them."""
    with transaction.atomic():
        customer, pa = _lock_pending(purchase_authorization)
        lines = _active_lines(pa)
        releases = {ln.product_id: ln.quantity for ln in lines}
        _refuse_if_blocked(customer, releases)
        _transition(pa, PurchaseAuthorizationStatus.WITHDRAWN)
        pa.withdrawn_at, pa.withdrawn_by = timezone.now(), actor
        pa.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
        _change_holdings(customer, {pid: -q for pid, q in releases.items()})
        customer_event_record(
            customer,
            CustomerEvent.Kind.PA_WITHDRAWN,
            actor,
            reference=pa.reference,
            lines=event_lines(lines),
        )
        customer_refresh_delay(customer=customer, on=today(), actor=actor)
    return pa


def purchase_authorization_remove_products(
    *, purchase_authorization: PurchaseAuthorization, product_ids: Iterable[int], actor: User
) -> PurchaseAuthorization:
    """Remove some products from a pending PA; removing every product is a withdrawal."""
    product_ids = set(product_ids)
    with transaction.atomic():
        customer, pa = _lock_pending(purchase_authorization)
        lines = _active_lines(pa)
        removing = [ln for ln in lines if ln.product_id in product_ids]
        unknown = product_ids - {ln.product_id for ln in lines}
        if not product_ids or unknown:
            raise DomainError(
                _("Choose products that are on purchase authorization %(reference)s.") % {"reference": pa.reference},
                code="unknown_product",
                field="products",
            )
        if len(removing) == len(lines):
            raise DomainError(
                _("These are all of its products: withdraw purchase authorization %(reference)s instead.")
                % {"reference": pa.reference},
                code="all_products",
                field="products",
            )
        releases = {ln.product_id: ln.quantity for ln in removing}
        _refuse_if_blocked(customer, releases, field_name="products")
        now = timezone.now()
        PurchaseAuthorizationLine.objects.filter(pk__in=[ln.pk for ln in removing]).update(
            removed_at=now, removed_by=actor
        )
        _change_holdings(customer, {pid: -q for pid, q in releases.items()})
        customer_event_record(
            customer,
            CustomerEvent.Kind.PA_PRODUCTS_REMOVED,
            actor,
            reference=pa.reference,
            lines=event_lines(removing),
        )
    return pa


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderLineRequest:
    sku: str
    quantity: int


def _fingerprint(*, order_date: date, pa_reference: str, lines: Sequence[OrderLineRequest]) -> str:
    content = {
        "order_date": order_date.isoformat(),
        "purchase_authorization": pa_reference.strip().upper(),
        "lines": sorted([ln.sku.strip().upper(), ln.quantity] for ln in lines),
    }
    return content_fingerprint(content)


def order_place(
    *,
    order_number: str,
    order_date: date,
    pa_reference: str,
    lines: Sequence[OrderLineRequest],
    actor: User,
) -> tuple[Order, bool]:
    """Record an order: from the licensing website, or entered by hand in the console. Returns (order, created).

    The same order number with the same content returns the first result; with other content it is refused.
    A number held by an order or renewal the actor may not see is answered as an unknown number would be
    until every other check has passed (order_number_holder_visible).
    """
    by_hand = order_entered_by_hand(actor)
    order_number = order_number.strip()
    if not order_number:
        raise DomainError(_("Enter the order number."), code="required", field="order_number")
    fingerprint = _fingerprint(order_date=order_date, pa_reference=pa_reference, lines=lines)
    from renewals.models import Renewal  # renewals builds on this app; the import stays local

    existing = Order.objects.filter(order_number=order_number).first()
    if existing is not None and order_number_holder_visible(existing, actor=actor):
        return _replayed(existing, fingerprint), False
    renewal = Renewal.objects.filter(order_number=order_number).first()
    if renewal is not None and order_number_holder_visible(renewal, actor=actor):
        raise order_number_conflict(order_number)
    taken = existing is not None or renewal is not None
    if order_date > today():
        raise DomainError(_("The order date cannot be in the future."), code="future_date", field="order_date")
    # By hand, only the actor's own customers' authorizations exist; the LWS orders for every reseller.
    authorizations = selectors.purchase_authorizations_visible_to(actor) if by_hand else PurchaseAuthorization.objects
    pa = authorizations.filter(reference=pa_reference.strip().upper()).select_related("customer").first()
    if pa is None:
        raise DomainError(
            _("There is no purchase authorization %(reference)s.") % {"reference": pa_reference},
            code="unknown_purchase_authorization",
            field="purchase_authorization",
        )
    with transaction.atomic():
        customer = _lock_customer(pa.customer)
        pa = PurchaseAuthorization.objects.select_for_update().get(pk=pa.pk)
        # A concurrent retry of the same order may have won the lock first.
        existing = Order.objects.filter(order_number=order_number).first()
        if existing is not None and order_number_holder_visible(existing, actor=actor):
            return _replayed(existing, fingerprint), False
        taken = taken or existing is not None
        if pa.status == PurchaseAuthorizationStatus.WITHDRAWN:
            raise DomainError(
                _("Purchase authorization %(reference)s was withdrawn and cannot be ordered.")
                % {"reference": pa.reference},
                code="withdrawn",
                field="purchase_authorization",
            )
        if pa.status == PurchaseAuthorizationStatus.ORDERED:
            raise DomainError(
                _("Purchase authorization %(reference)s already has an order (%(order)s).")
                % {"reference": pa.reference, "order": pa.order.order_number},
                code="already_ordered",
                field="purchase_authorization",
            )
        if order_date < timezone.localdate(pa.deployed_at):
            raise DomainError(
                _("The order date is before purchase authorization %(reference)s was created.")
                % {"reference": pa.reference},
                code="before_authorization",
                field="order_date",
            )
        pa_lines = _active_lines(pa)
        _require_matching_lines(pa, pa_lines, lines)
        if taken:
            # Someone else's number: refused only now, with what the create below would have answered.
            raise order_number_conflict(order_number)
        proposed = _proposed_duration(customer, order_date)
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    order_number=order_number,
                    purchase_authorization=pa,
                    customer=customer,
                    order_date=order_date,
                    fingerprint=fingerprint,
                    duration_months_proposed=proposed,
                    placed_by=actor,
                    entered_by_hand=by_hand,
                )
        except IntegrityError:
            # The same number was just used for another customer's authorization (their lock is not ours).
            raise order_number_conflict(order_number) from None
        OrderLine.objects.bulk_create(
            [OrderLine(order=order, product=ln.product, quantity=ln.quantity) for ln in pa_lines]
        )
        _transition(pa, PurchaseAuthorizationStatus.ORDERED)
        pa.save(update_fields=["status"])
        parameters = {
            "order_number": order_number,
            "reference": pa.reference,
            "order_date": order_date.isoformat(),
            "proposed_duration_months": proposed,
            "entered_by_hand": by_hand,
        }
        if customer.anniversary_date is None:
            customer.anniversary_date = dates.first_anniversary(order_date)
            customer.anniversary_day = order_date.day
            customer.save(update_fields=["anniversary_date", "anniversary_day", "updated_at"])
            parameters["anniversary_date"] = customer.anniversary_date.isoformat()
        customer_event_record(customer, CustomerEvent.Kind.ORDER_PLACED, actor, **parameters)
        customer_refresh_delay(customer=customer, on=today(), actor=actor)
    return order, True


def order_number_holder_visible(holder, *, actor: User) -> bool:
    """Whether `actor` may learn about the order or renewal `holder` that has an order number.

    The licensing website sees what it placed itself, console users their customers' orders. For anyone else
    the number is answered like an unknown one, so another reseller (or integration) cannot learn it exists.
    """
    if actor.is_licensing_website:
        return holder.placed_by_id == actor.pk and not holder.entered_by_hand
    return customers_visible_to(actor).filter(pk=holder.customer_id).exists()


def _proposed_duration(customer: Customer, order_date: date) -> int:
    """12 months for the first order, else co-termed to the next anniversary after the order date."""
    anniversary = customer.anniversary_date
    while anniversary is not None and anniversary <= order_date:
        # Not renewed yet (grace period): the order co-terms with the anniversary after this one.
        anniversary = dates.next_anniversary(anniversary, original_day=customer.anniversary_day)
    return dates.proposed_duration_months(order_date=order_date, anniversary=anniversary)


def order_number_conflict(order_number: str) -> DomainError:
    """The licensing website reused an order number for other content (new or renewal orders alike)."""
    return DomainError(
        _("Order number %(number)s was already received with other content.") % {"number": order_number},
        code="order_number_conflict",
        field="order_number",
    )


def content_fingerprint(content: dict) -> str:
    """A digest of an order's content: a retry must carry the same content as the first request."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(order: Order, fingerprint: str) -> Order:
    if order.fingerprint != fingerprint:
        raise order_number_conflict(order.order_number)
    return order


def _require_matching_lines(
    pa: PurchaseAuthorization, pa_lines: list[PurchaseAuthorizationLine], lines: Sequence[OrderLineRequest]
) -> None:
    wanted = {ln.product.sku_new.upper(): ln.quantity for ln in pa_lines}
    given: dict[str, int] = {}
    for line in lines:
        sku = line.sku.strip().upper()
        if sku in given:
            raise DomainError(
                _("SKU %(sku)s appears twice in the order.") % {"sku": sku}, code="repeated_product", field="lines"
            )
        given[sku] = line.quantity
    problems = []
    for sku, quantity in sorted(wanted.items()):
        if sku not in given:
            problems.append(_("%(sku)s × %(quantity)s is missing") % {"sku": sku, "quantity": quantity})
        elif given[sku] != quantity:
            problems.append(
                _("%(sku)s has %(given)s licences, the purchase authorization %(wanted)s")
                % {"sku": sku, "given": given[sku], "wanted": quantity}
            )
    problems += [
        _("%(sku)s is not on the purchase authorization") % {"sku": sku} for sku in sorted(set(given) - set(wanted))
    ]
    if problems:
        raise DomainError(
            _("The order does not match purchase authorization %(reference)s: %(problems)s.")
            % {"reference": pa.reference, "problems": "; ".join(problems)},
            code="lines_mismatch",
            field="lines",
        )


def order_set_duration(*, order: Order, months: int, actor: User) -> Order:
    """The reseller confirms or changes the proposed duration (1–12 months); both are kept."""
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
        raise DomainError(_("Enter a duration from 1 to 12 months."), code="invalid", field="duration_months")
    with transaction.atomic():
        customer = _lock_customer(order.customer)
        order = Order.objects.select_for_update().get(pk=order.pk)
        previous = order.duration_months
        order.duration_months, order.duration_set_by, order.duration_set_at = months, actor, timezone.now()
        order.save(update_fields=["duration_months", "duration_set_by", "duration_set_at"])
        customer_event_record(
            customer,
            CustomerEvent.Kind.DURATION_SET,
            actor,
            order_number=order.order_number,
            proposed=order.duration_months_proposed,
            previous=previous,
            months=months,
        )
    return order


# ---------------------------------------------------------------------------
# Returns
# ---------------------------------------------------------------------------
def return_check(*, order: Order, order_line_ids: Iterable[int], on: date | None = None) -> list[ReleaseBlocker]:
    """The dry run the confirmation page shows: raises for a closed window, returns user blockers."""
    on = on or today()
    if not dates.return_window_open(order.order_date, on, settings.RETURN_WINDOW_DAYS):
        raise DomainError(
            _("Order %(number)s was placed on %(date)s; returns are possible for %(days)s days after the order date.")
            % {"number": order.order_number, "date": order.order_date.isoformat(), "days": settings.RETURN_WINDOW_DAYS},
            code="return_window_closed",
        )
    ids = set(order_line_ids)
    lines = [ln for ln in order.lines.all() if ln.pk in ids]
    if not ids or len(lines) != len(ids):
        raise DomainError(_("Choose order lines of this order."), code="unknown_line", field="lines")
    if ReturnLine.objects.filter(order_line__in=lines).exists():
        raise DomainError(_("Some of these lines were already returned."), code="already_returned", field="lines")
    return release_blockers(customer=order.customer, releases={ln.product_id: ln.quantity for ln in lines})


def return_request(*, order: Order, order_line_ids: Iterable[int], actor: User) -> ReturnAuthorization:
    """Return whole order lines within the window; their licences stop being deployed."""
    ids = set(order_line_ids)
    with transaction.atomic():
        customer = _lock_customer(order.customer)
        order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        blockers = return_check(order=order, order_line_ids=ids)
        if blockers:
            raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field="lines")
        lines = list(order.lines.filter(pk__in=ids).select_related("product"))
        authorization = ReturnAuthorization.objects.create(order=order, created_by=actor)
        ReturnLine.objects.bulk_create([ReturnLine(return_authorization=authorization, order_line=ln) for ln in lines])
        _change_holdings(customer, {ln.product_id: -ln.quantity for ln in lines})
        customer_event_record(
            customer,
            CustomerEvent.Kind.RETURN_REQUESTED,
            actor,
            order_number=order.order_number,
            lines=event_lines(lines),
        )
    return authorization


# ---------------------------------------------------------------------------
# Assignments (VIP admins, in the customer's admin console)
# ---------------------------------------------------------------------------
def _check_assigner(actor: User, customer: Customer) -> None:
    # Defence in depth behind the admin-console door: a sign-in whose VIP admin was removed is refused.
    if actor.role == User.Role.VIP_ADMIN and not actor.administers(customer.pk):
        raise DomainError(
            _("You are no longer a VIP admin of %(name)s.") % {"name": customer.company_name},
            code="not_a_vip_admin",
        )


def assignment_add(*, customer: Customer, product: Product, email: str, actor: User) -> Assignment:
    _check_assigner(actor, customer)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("Enter a valid e-mail address."), code="invalid_email", field="email") from None
    with transaction.atomic():
        customer = _lock_customer(customer)
        holding = Holding.objects.filter(customer=customer, product=product).first()
        deployed = holding.deployed if holding else 0
        active = Assignment.objects.filter(customer=customer, product=product, released_at__isnull=True)
        if active.filter(email__iexact=email).exists():
            raise DomainError(
                _("%(email)s already has a %(product)s licence.") % {"email": email, "product": product.name},
                code="already_assigned",
                field="email",
            )
        if active.count() >= deployed:
            raise DomainError(
                _("All %(deployed)s %(product)s licences are assigned.")
                % {"deployed": deployed, "product": product.name},
                code="no_free_licence",
                field="product",
            )
        assignment = Assignment.objects.create(customer=customer, product=product, email=email, assigned_by=actor)
        customer_event_record(customer, CustomerEvent.Kind.LICENSE_ASSIGNED, actor, email=email, product=product.name)
    return assignment


def assignment_release(*, assignment: Assignment, actor: User) -> Assignment:
    _check_assigner(actor, assignment.customer)
    with transaction.atomic():
        customer = _lock_customer(assignment.customer)
        assignment = Assignment.objects.select_for_update().select_related("product").get(pk=assignment.pk)
        if assignment.released_at is not None:
            return assignment
        assignment.released_at, assignment.released_by = timezone.now(), actor
        assignment.save(update_fields=["released_at", "released_by"])
        customer_event_record(
            customer,
            CustomerEvent.Kind.LICENSE_RELEASED,
            actor,
            email=assignment.email,
            product=assignment.product.name,
        )
    return assignment
