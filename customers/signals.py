"""What the customers app tells the apps above it, inside the transaction that made the change.

Receivers run in that transaction: what they write commits or rolls back with the change (the outbox rows of
`notifications.receivers`, for one). Every signal is sent with `sender=Customer`.
"""

from django.dispatch import Signal

#: One customer's status changed (`customers.transitions.customer_status_change`).
#: Arguments: customer, previous, status, actor, details (what the event records besides: reason, overdue …).
status_changed = Signal()

#: A sweep changed the status of a batch of customers at once (`customers_status_change_bulk`): one signal per
#: batch. Arguments: changes, a list of `customers.transitions.StatusChange` in primary-key order.
statuses_changed = Signal()

#: VIP admins were each given a new invitation link; their earlier links stopped working.
#: Arguments: customer (with its reseller), vip_admins (each with the number of its current link).
invitation_links_issued = Signal()

#: Rows were written to the customer history (`customers.events`): one signal per row or per batch.
#: Arguments: events, the saved `CustomerEvent` rows (a batch's carry `customer_id`, not always `customer`).
events_recorded = Signal()
