"""Assignments (VIP admins, in the customer's admin console)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalogue.models import Product
from customers.models import Customer
from resellerconsole.errors import DomainError

from ..events import license_assigned_record, license_released_record
from ..models import (
    Assignment,
    Holding,
)
from .base import _lock_customer


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
        license_assigned_record(customer=customer, actor=actor, email=email, product=product.name)
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
        license_released_record(customer=customer, actor=actor, email=assignment.email, product=assignment.product.name)
    return assignment
