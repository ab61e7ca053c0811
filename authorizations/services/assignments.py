"""Assignments (VIP admins, in the customer's admin console): the customer's lock and history here, the
assignment itself and its release in licences.services."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalogue.models import Product
from customers.models import Customer
from licences import services as licences
from licences.models import Assignment
from resellerconsole.errors import DomainError

from ..events import license_assigned_record, license_released_record
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
    email = licences.assignment_email(email)
    with transaction.atomic():
        customer = _lock_customer(customer)
        assignment = licences.assignment_create(customer=customer, product=product, email=email, actor=actor)
        license_assigned_record(customer=customer, actor=actor, email=email, product=product.name)
    return assignment


def assignment_release(*, assignment: Assignment, actor: User) -> Assignment:
    """The VIP admin's "Release licence": the user's licence is free again; releasing it twice changes nothing."""
    _check_assigner(actor, assignment.customer)
    with transaction.atomic():
        customer = _lock_customer(assignment.customer)
        assignment = Assignment.objects.select_for_update().select_related("product").get(pk=assignment.pk)
        if assignment.released_at is not None:
            return assignment
        now = timezone.now()
        licences.assignments_release(assignments=[assignment], actor=actor, at=now)
        assignment.released_at, assignment.released_by = now, actor
        license_released_record(customer=customer, actor=actor, email=assignment.email, product=assignment.product.name)
    return assignment
