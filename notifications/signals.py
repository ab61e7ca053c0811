"""What the outbox tells the apps above it, inside the transaction that records the change.

Receivers run in that transaction: what they write commits or rolls back with it.
"""

from django.dispatch import Signal

#: The mail server accepted an outbox e-mail for its last recipient (`services.email_deliver`).
#: Sender: OutboundEmail. Arguments: email (its kind, customer_id, anniversary, sent_at).
email_sent = Signal()
