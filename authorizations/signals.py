"""What the purchase authorizations tell the apps above them, inside the transaction that made the change.

Receivers run in that transaction: what they write commits or rolls back with the change.
"""

from django.dispatch import Signal

#: One purchase authorization's status changed (`authorizations.transitions`). Sender: PurchaseAuthorization.
#: Arguments: purchase_authorization, previous, status, actor.
status_changed = Signal()

#: A sweep changed the status of a batch of purchase authorizations at once: one signal per batch.
#: Sender: PurchaseAuthorization. Arguments: ids (in primary-key order), status.
statuses_changed = Signal()

#: Accounts became Delayed: a pending purchase authorization of each passed its order deadline without an order
#: (`authorizations.deadlines`; a sweep's batch or one live change). Sender: PurchaseAuthorization.
#: Arguments: overdue, {customer id: the overdue references, in primary-key order}.
accounts_delayed = Signal()
