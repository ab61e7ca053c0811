"""Purchase authorizations, orders, returns, licence assignments and the order deadline.

Every function validates, then acts in one transaction, locking the customer first (then its purchase
authorization) so concurrent changes to one customer queue up instead of interleaving.

One module per section; callers import the services from here.
"""

from ..deadlines import customer_refresh_delay, enforce_order_deadlines, overdue_pending, overdue_references
from .assignments import assignment_add, assignment_release
from .base import (
    PO_NUMBER_MAX_LENGTH,
    PO_NUMBER_PATTERN,
    LineRequest,
    ReleaseBlocker,
    _lock_customer,
    fully_returned,
    today,
)
from .create import (
    _validate_po_number,
    products_not_offered,
    purchase_authorization_check,
    purchase_authorization_create,
    purchase_authorization_refusal,
    refuse_too_many_lines,
)
from .holdings import _change_holdings, _refuse_if_blocked, release_blockers
from .orders import (
    OrderLineRequest,
    _proposed_duration,
    content_fingerprint,
    duration_refusal,
    order_number_conflict,
    order_number_holder_visible,
    order_place,
    order_set_duration,
    refuse_future_order_date,
    refuse_order_date_before_authorization,
)
from .returns import (
    ReturnedLine,
    remaining_quantity,
    return_check,
    return_refusal,
    return_request,
    returned_lines,
    returned_quantities,
)
from .withdraw import _active_lines, purchase_authorization_remove_products, purchase_authorization_withdraw
