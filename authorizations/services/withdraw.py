"""Withdraw and remove products."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from customers.models import Customer
from resellerconsole.errors import DomainError

from ..deadlines import (
    customer_refresh_delay,
)
from ..events import pa_products_removed_record, pa_withdrawn_record
from ..models import (
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    PurchaseAuthorizationStatus,
)
from ..transitions import purchase_authorization_lock, purchase_authorization_status_change
from .base import today
from .holdings import _change_holdings, _refuse_if_blocked


def _lock_pending(pa: PurchaseAuthorization) -> tuple[Customer, PurchaseAuthorization]:
    customer, pa = purchase_authorization_lock(pa)
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
        purchase_authorization_status_change(
            purchase_authorization=pa,
            to=PurchaseAuthorizationStatus.WITHDRAWN,
            actor=actor,
            fields={"withdrawn_at": timezone.now(), "withdrawn_by": actor},
        )
        _change_holdings(customer, {pid: -q for pid, q in releases.items()})
        pa_withdrawn_record(customer=customer, actor=actor, pa=pa, lines=lines)
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
        pa_products_removed_record(customer=customer, actor=actor, pa=pa, lines=removing)
    return pa
