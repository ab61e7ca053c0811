"""The domain's changes as webhook events, written to the outbox in the transaction of the change.

Connected in `WebhooksConfig.ready()`; the domain apps send the signals and never import this app. Every row of
the customer history (customers.signals.events_recorded) is one event of the type `types.KIND_TYPES` names; the
deadline sweep's Delayed accounts add one event per overdue purchase authorization; the outbox's accepted renewal
notices add `notice.sent` (one event per e-mail; the outbox tells them in groups).
"""

from __future__ import annotations

from django.dispatch import receiver

from authorizations.signals import accounts_delayed
from customers.signals import events_recorded
from notifications.signals import emails_sent

from .outbox import Change, changes_record
from .types import KIND_TYPES, NOTICE_KINDS


@receiver(events_recorded, dispatch_uid="webhooks.history_events")
def history_events(sender, *, events, **kwargs) -> None:
    typed = [(event, KIND_TYPES[event.kind]) for event in events if event.kind in KIND_TYPES]
    if not typed:
        return
    changes_record(
        [
            Change(
                type=type_,
                customer_id=event.customer_id,
                details=dict(event.parameters or {}),
                occurred_at=event.at,
            )
            for event, type_ in typed
        ]
    )


@receiver(accounts_delayed, dispatch_uid="webhooks.deadlines_passed")
def deadlines_passed(sender, *, overdue: dict[int, list[str]], **kwargs) -> None:
    changes_record(
        [
            Change(
                type="purchase_authorization.deadline_passed",
                customer_id=customer_id,
                details={"reference": reference},
            )
            for customer_id, references in overdue.items()
            for reference in references
        ]
    )


@receiver(emails_sent, dispatch_uid="webhooks.notices_sent")
def notices_sent(sender, *, emails, **kwargs) -> None:
    """One `notice.sent` event per accepted renewal notice; a group of marks is one write."""
    changes_record(
        [
            Change(
                type="notice.sent",
                customer_id=email.customer_id,
                details={
                    "notice": email.kind,
                    "anniversary": email.anniversary.isoformat() if email.anniversary else None,
                    "language": email.language,
                    "recipients": list(email.recipients),
                },
                occurred_at=email.sent_at,
            )
            for email in emails
            if email.kind in NOTICE_KINDS and email.customer_id is not None
        ]
    )
