"""Shared by the sections."""

from __future__ import annotations

from customers.models import CustomerStatus

BATCH_FIELDS = ("pk", "status", "anniversary_date")
#: Accounts the daily renewal jobs look at (Inactive ones have lost access already).
LIVE_STATUSES = (CustomerStatus.INVITATION_SENT, CustomerStatus.ACTIVE, CustomerStatus.DELAYED)
