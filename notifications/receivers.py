"""The e-mails the domain's changes cause: outbox rows written in the transaction of the change.

Connected in `NotificationsConfig.ready()`; the domain apps send the signals and never import this app. Each
row is delivered after commit (`email_queue`, `emails_insert`); a change that rolls back leaves no e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from authorizations.signals import accounts_delayed
from customers.signals import invitation_links_issued
from customers.vip_admins import invitation_url

from .models import OutboundEmail
from .notices import delayed_notices
from .services import email_queue, emails_insert


@receiver(invitation_links_issued, dispatch_uid="notifications.invitation_emails")
def invitation_emails_queue(sender, *, customer, vip_admins, **kwargs) -> None:
    """One e-mail per VIP admin with their own link (so a link proves its holder's mailbox)."""
    for vip_admin in vip_admins:
        email_queue(
            kind=OutboundEmail.Kind.INVITATION,
            dedupe_key=f"invitation:{customer.pk}:{vip_admin.pk}:{vip_admin.invitation_nonce}",
            recipients=[vip_admin.email],
            template="invitation",
            context={
                "customer": customer,
                "reseller": customer.reseller,
                "vip_admin": vip_admin,
                "accept_url": invitation_url(vip_admin),
                "valid_days": settings.INVITATION_LINK_MAX_AGE_DAYS,
            },
            language=customer.preferred_language,
            customer=customer,
        )


@receiver(accounts_delayed, dispatch_uid="notifications.delayed_notices")
def delayed_notices_insert(sender, *, overdue: dict[int, list[str]], **kwargs) -> None:
    """The reseller's staff hear that these accounts are Delayed: one set-wise INSERT for a sweep's batch."""
    emails_insert(delayed_notices(list(overdue), overdue))
