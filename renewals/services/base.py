"""Shared by the sections."""

from __future__ import annotations

from customers.models import CustomerStatus

BATCH_FIELDS = ("pk", "status", "anniversary_date")
#: Accounts the daily renewal jobs look at (customers' CustomerStatus.live() says which).
LIVE_STATUSES = CustomerStatus.live()
