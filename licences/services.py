"""Every write of holdings and assignments, set-wise: a fixed number of queries whatever the number of products.

The caller holds the customer's row lock (customer first) inside its transaction; these functions only check
what is theirs to check and write. The one release rule lives here:

- licences deployed to a customer can be released (a withdrawal, removed products, a return) only while the
  users assigned still fit in what is left (`release_blockers`, asked by every such door);
- when fewer licences are kept than users hold (a renewal at a lower quantity; none at all when access is
  removed), the most recently assigned users lose theirs (`users_losing_access`);
- releasing an assignment sets when, and who did it when a person did, on active assignments only
  (`assignments_release`: the VIP admin's "Release licence", renewals, the removal of access).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from catalogue.models import Product
from customers.models import Customer
from resellerconsole.errors import DomainError

from .models import Assignment, Holding


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
        # Two sentences, each with its own count: "1 of 1 licence" and "1 user holds" agree separately.
        values = {
            "product": self.product.name,
            "releasing": self.releasing,
            "deployed": self.deployed,
            "assigned": self.assigned,
            "holders": ", ".join(self.holders),
        }
        if self.releasing > self.deployed:
            # Not a question of users: what is not deployed cannot be released (the caller's count is stale).
            return (
                ngettext(
                    "%(product)s: only %(deployed)s licence is deployed, so %(releasing)s cannot be released.",
                    "%(product)s: only %(deployed)s licences are deployed, so %(releasing)s cannot be released.",
                    self.deployed,
                )
                % values
            )
        released = ngettext(
            "%(product)s: %(releasing)s of %(deployed)s licence would be released.",
            "%(product)s: %(releasing)s of %(deployed)s licences would be released.",
            self.deployed,
        )
        held = ngettext(
            "But %(assigned)s user holds a licence (%(holders)s): release it first.",
            "But %(assigned)s users hold them (%(holders)s): release their licences first.",
            self.assigned,
        )
        return f"{released % values} {held % values}"


# ---------------------------------------------------------------------------
# Holdings
# ---------------------------------------------------------------------------
def _by_product(values: Mapping[int, int]) -> Case:
    """A CASE on product_id giving each product its value: one UPDATE for every product."""
    return Case(
        *(When(product_id=product_id, then=Value(value)) for product_id, value in values.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def holdings_change(*, customer: Customer, changes: Mapping[int, int]) -> None:
    """Add (or, with negative numbers, remove) deployed licences per product id: two queries for any number.

    Missing holdings are created at 0 first; then one UPDATE adds each product's change to what is deployed.
    """
    changes = {product_id: delta for product_id, delta in changes.items() if delta}
    if not changes:
        return
    Holding.objects.bulk_create(
        [Holding(customer=customer, product_id=product_id, deployed=0) for product_id in changes],
        ignore_conflicts=True,
    )
    Holding.objects.filter(customer=customer, product_id__in=changes).update(
        deployed=F("deployed") + _by_product(changes)
    )


def holdings_deploy(*, customer: Customer, quantities: Mapping[int, int]) -> None:
    """A purchase authorization deploys these licences (product id → quantity)."""
    holdings_change(customer=customer, changes=quantities)


def release_blockers(*, customer: Customer, releases: Mapping[int, int]) -> list[ReleaseBlocker]:
    """The release rule: for each product released with quantity q, require assigned <= deployed - q (domain.md),
    which also refuses releasing more than is deployed (none held: deployed 0).

    Three queries at most (holdings with their products, assigned counts, and the holders of the blocked ones),
    and a fourth only for a blocked product the customer never held.
    """
    if not releases:
        return []
    held = Holding.objects.filter(customer=customer, product_id__in=releases).select_related("product")
    deployed = {h.product_id: h.deployed for h in held}
    products: dict[int, Product] = {h.product_id: h.product for h in held}
    assigned = dict(
        Assignment.objects.active()
        .filter(customer=customer, product_id__in=releases)
        .values("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    )
    blocked = [pid for pid, q in releases.items() if assigned.get(pid, 0) > deployed.get(pid, 0) - q]
    if not blocked:
        return []
    holders: dict[int, list[str]] = {}
    for product_id, email in (
        Assignment.objects.active().filter(customer=customer, product_id__in=blocked).values_list("product_id", "email")
    ).order_by("email"):
        holders.setdefault(product_id, []).append(email)
    if set(blocked) - set(products):  # never held by this customer: the product read by itself
        products.update(Product.objects.in_bulk(set(blocked) - set(products)))
    return [
        ReleaseBlocker(
            product=products[pid],
            deployed=deployed.get(pid, 0),
            assigned=assigned.get(pid, 0),
            releasing=releases[pid],
            holders=holders.get(pid, []),
        )
        for pid in blocked
    ]


def refuse_if_blocked(*, customer: Customer, releases: Mapping[int, int], field_name: str | None = None) -> None:
    """Raise `licences_assigned` naming every blocked product when the release rule refuses these releases."""
    blockers = release_blockers(customer=customer, releases=releases)
    if blockers:
        raise DomainError(" ".join(b.message for b in blockers), code="licences_assigned", field=field_name)


def holdings_release(*, customer: Customer, releases: Mapping[int, int]) -> None:
    """These licences are no longer deployed (product id → quantity); the caller asked the release rule first."""
    holdings_change(customer=customer, changes={product_id: -q for product_id, q in releases.items()})


def holdings_renew(*, customer: Customer, quantities: Mapping[int, int]) -> dict[int, int]:
    """A renewal: each product is deployed at the quantity renewed. Returns what was deployed before.

    Two queries for any number of products: the holdings before, and one upsert.
    """
    before = dict(
        Holding.objects.filter(customer=customer, product_id__in=quantities).values_list("product_id", "deployed")
    )
    if quantities:
        Holding.objects.bulk_create(
            [Holding(customer=customer, product_id=pid, deployed=q) for pid, q in quantities.items()],
            update_conflicts=True,
            unique_fields=["customer", "product"],
            update_fields=["deployed"],
        )
    return {pid: before.get(pid, 0) for pid in quantities}


def holdings_end(*, customer_ids: Iterable[int]) -> None:
    """Access removed: nothing stays deployed to these customers (the rows stay, at 0)."""
    Holding.objects.filter(customer_id__in=list(customer_ids), deployed__gt=0).update(deployed=0)


# ---------------------------------------------------------------------------
# Assignments
# ---------------------------------------------------------------------------
def users_losing_access(*, customer: Customer, quantities: Mapping[int, int]) -> dict[int, list[str]]:
    """Per product id, who loses the licence if only that many are kept: the most recently assigned go first.

    One query for any number of products; a product nobody loses is left out.
    """
    if not quantities:
        return {}
    active: dict[int, list[str]] = {}
    for product_id, email in (
        Assignment.objects.active()
        .filter(customer=customer, product_id__in=quantities)
        .order_by("product_id", "-assigned_at", "-pk")
        .values_list("product_id", "email")
    ):
        active.setdefault(product_id, []).append(email)
    losing = {}
    for product_id, emails in active.items():
        surplus = len(emails) - quantities[product_id]
        if surplus > 0:
            losing[product_id] = emails[:surplus]
    return losing


def assignments_release(
    *,
    assignments: Iterable[Assignment] | None = None,
    customer_ids: Iterable[int] | None = None,
    losing: Mapping[int, Iterable[str]] | None = None,
    customer: Customer | None = None,
    actor: User | None,
    at: datetime | None = None,
) -> int:
    """Release assignments, one UPDATE whatever their number; the only place an assignment is released.

    Name them as rows (`assignments`), as every active one of some customers (`customer_ids`: access
    removed), or as e-mails per product id of one `customer` (`losing`: what `users_losing_access` answered).
    Released ones stay released (first release wins). `actor` is None when a job releases them. Returns how many.
    """
    at = at or timezone.now()
    condition = Q(pk__in=[])
    if assignments is not None:
        condition |= Q(pk__in=[a.pk for a in assignments])
    if customer_ids is not None:
        condition |= Q(customer_id__in=list(customer_ids))
    if losing:
        if customer is None:
            raise ValueError("Releasing users by e-mail needs their customer.")
        for product_id, emails in losing.items():
            condition |= Q(customer=customer, product_id=product_id, email__in=list(emails))
    return Assignment.objects.active().filter(condition).update(released_at=at, released_by=actor)


def assignment_email(email: str) -> str:
    """The user's e-mail as an assignment records it (trimmed); refused when it is not an address."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(_("Enter a valid e-mail address."), code="invalid_email", field="email") from None
    return email


def assignment_create(*, customer: Customer, product: Product, email: str, actor: User) -> Assignment:
    """Assign one of the customer's free licences of `product` to a user; refused when none is free."""
    email = assignment_email(email)
    holding = Holding.objects.filter(customer=customer, product=product).first()
    deployed = holding.deployed if holding else 0
    active = Assignment.objects.active().filter(customer=customer, product=product)
    if active.filter(email__iexact=email).exists():
        raise DomainError(
            _("%(email)s already has a %(product)s licence.") % {"email": email, "product": product.name},
            code="already_assigned",
            field="email",
        )
    if not deployed:
        raise DomainError(
            _("No %(product)s licences are deployed to this customer.") % {"product": product.name},
            code="no_free_licence",
            field="product",
        )
    if active.count() >= deployed:
        raise DomainError(
            ngettext(
                "No %(product)s licence is free: the %(deployed)s deployed is assigned.",
                "No %(product)s licence is free: all %(deployed)s deployed are assigned.",
                deployed,
            )
            % {"deployed": deployed, "product": product.name},
            code="no_free_licence",
            field="product",
        )
    return Assignment.objects.create(customer=customer, product=product, email=email, assigned_by=actor)
