"""Renewal overview, renewal orders, removal of access after the grace period, and reinstatement.

One module per section; callers import the services from here.
"""

from .auto_renewal import (
    KEEP,
    AutoRenewalRun,
    auto_renew,
    auto_renewal_candidates,
    auto_renewal_default_set,
    auto_renewal_lines,
    auto_renewal_order_number,
    auto_renewal_place,
    auto_renewal_set,
)
from .base import BATCH_FIELDS, LIVE_STATUSES
from .orders import (
    RenewalLineRequest,
    proposed_renewal_lines,
    refuse_renewal_quantity_out_of_range,
    renewable_products,
    renewal_lines_check,
    renewal_place,
)
from .overview import (
    ANALYZE_AFTER_ROWS,
    MAX_RENEWAL_QUANTITY,
    OverviewRefresh,
    RenewalQuantityRequest,
    overview_candidates,
    refresh_renewal_overview,
    renewal_quantities_set,
    renewal_quantity_set,
    users_losing_access,
)
from .removal import customer_reinstate, expired_candidates, remove_expired_access
