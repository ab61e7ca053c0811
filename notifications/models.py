from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """The outbox: an e-mail recorded in the transaction that caused it, delivered by a worker.

    A broker outage loses nothing (the periodic sweep sends what was never queued), and the unique
    `dedupe_key` makes "this e-mail exists once" a database fact rather than a scheduler promise.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation to VIP")
        RENEWAL_DUE = "renewal_due", _("Time to renew (30 days before the anniversary)")
        RENEWAL_OVERDUE = "renewal_overdue", _("Renewal should have been made (on the anniversary)")
        ACCESS_REMOVAL = "access_removal", _("Access will be removed (7 days before the grace period ends)")
        ACCOUNT_DELAYED = "account_delayed", _("Account Delayed (to the reseller's staff)")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("e-mail type"), max_length=40, choices=Kind.choices)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="emails",
        null=True,
        blank=True,
    )
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    #: The anniversary a renewal notice is about: each kind is sent once per customer and anniversary.
    anniversary = models.DateField(_("anniversary"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list)
    #: The recipients the server has accepted this e-mail for: each gets a message of their own (no one sees
    #: the others' addresses), and a retry sends only to the rest.
    delivered_to = models.JSONField(_("delivered to"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=5)
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_idx",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
            # The dashboard's failed e-mails: a few rows, among every e-mail ever sent.
            models.Index(fields=["customer"], name="outbox_failed_idx", condition=models.Q(state="failed")),
            # The metrics' outbox depth by state and oldest pending e-mail, read at every scrape: the sent rows
            # (nearly all of them) stay out of it.
            models.Index(
                fields=["state", "created_at"],
                name="outbox_unsent_idx",
                condition=models.Q(state__in=["pending", "sending", "failed"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "anniversary"],
                condition=models.Q(anniversary__isnull=False),
                name="outbox_notice_once_per_anniversary",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
