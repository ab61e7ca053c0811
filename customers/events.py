"""The customer history's one writer (kept apart so the services and the VIP admin module share it)."""

from __future__ import annotations

from accounts.models import User

from .models import Customer, CustomerEvent


def customer_event_record(customer: Customer, kind: str, actor: User | None, **parameters) -> CustomerEvent:
    """The one way a change is written to a customer's history: who, when, what (every app uses it)."""
    return CustomerEvent.objects.create(customer=customer, kind=kind, actor=actor, parameters=parameters)
