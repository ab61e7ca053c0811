"""What the outbox tells the apps above it, inside the transaction that records the change.

Receivers run in that transaction: what they write commits or rolls back with it.
"""

from django.dispatch import Signal

#: The mail server accepted these outbox e-mails for their last recipients (`sending.email_deliver`): one signal per
#: group of marks (`OUTBOX_MARK_EVERY`), so a receiver writes once per group. Sender: OutboundEmail. Arguments:
#: emails (a list; each with its kind, customer_id, anniversary, language, recipients, sent_at).
emails_sent = Signal()
