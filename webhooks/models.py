from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resellerconsole.audit import AuditEvent


class Endpoint(models.Model):
    """A URL of the reseller's own systems that receives the events it asks for, signed with its secret.

    An endpoint without a reseller (internal sales', set up by operators in the Django admin) receives the
    events of every reseller.
    """

    reseller = models.ForeignKey(
        "accounts.Reseller",
        verbose_name=_("reseller"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        null=True,
        blank=True,
        help_text=_("Empty: the events of every reseller (internal sales)."),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    #: Signs every delivery; shown once, when it is made (the Standard Webhooks "whsec_" form).
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    #: After a rotation the old secret still signs (a second signature) until `previous_secret_expires_at`.
    previous_secret = models.CharField(_("previous signing secret"), max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(_("previous secret signs until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the previous one during the overlap."""
        now = now or timezone.now()
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_expires_at and self.previous_secret_expires_at > now:
            secrets.append(self.previous_secret)
        return secrets


class WebhookEvent(models.Model):
    """One event: its body is fixed when the change happens, so every attempt sends the same bytes."""

    event_id = models.CharField(_("event ID"), max_length=40, unique=True)
    type = models.CharField(_("event type"), max_length=60)
    reseller = models.ForeignKey(
        "accounts.Reseller", verbose_name=_("reseller"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Delivery(models.Model):
    """The outbox: one event for one endpoint, written in the transaction of the change, sent by a worker."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    #: Failed attempts are retried until then (about three days; "Send again" starts a new period).
    retry_until = models.DateTimeField(_("retried until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due_idx",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_endpoint_log_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once_per_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: the delivery log the endpoint's owner reads."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    response_excerpt = models.CharField(_("start of the answer"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


class EndpointEvent(AuditEvent):
    """A change to an endpoint: who created, changed, rotated, tested or deleted it, when, from where."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Endpoint created")
        UPDATED = "updated", _("Endpoint changed")
        SECRET_ROTATED = "secret_rotated", _("Signing secret rotated")
        TEST_SENT = "test_sent", _("Test event sent")
        DELIVERY_SENT_AGAIN = "delivery_sent_again", _("Delivery sent again")
        DELETED = "deleted", _("Endpoint deleted")

    reseller = models.ForeignKey(
        "accounts.Reseller", verbose_name=_("reseller"), on_delete=models.CASCADE, null=True, related_name="+"
    )
    #: Kept after the endpoint is deleted (the URL is in the details).
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.SET_NULL, null=True, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)

    class Meta(AuditEvent.Meta):
        verbose_name = _("webhook endpoint event")
        verbose_name_plural = _("webhook endpoint events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"
