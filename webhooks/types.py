"""The event types an endpoint may ask for, and the customer history's kinds each one comes from."""

from django.utils.translation import gettext_lazy as _

#: Every event type, with what it means (the console's checkboxes and docs/webhooks.md list them).
EVENT_TYPES = {
    "customer.created": _("A customer was created"),
    "customer.invited": _("An invitation was sent (or sent again)"),
    "customer.activated": _("A customer accepted the invitation"),
    "customer.status_changed": _("A customer's status changed (Delayed, restored, Inactive, reinstated)"),
    "purchase_authorization.created": _("A purchase authorization was created"),
    "purchase_authorization.withdrawn": _("A purchase authorization was withdrawn"),
    "purchase_authorization.products_removed": _("Products were removed from a purchase authorization"),
    "purchase_authorization.deadline_passed": _("A purchase authorization's order deadline passed without an order"),
    "order.placed": _("An order was placed"),
    "order.duration_set": _("An order's duration was set"),
    "return.created": _("Order lines were returned"),
    "renewal.processed": _("A renewal order was processed"),
    "access.removed": _("Access was removed after the grace period"),
    "notice.sent": _("A renewal e-mail was accepted by the mail server"),
}

#: Sent only by "Send a test event", to the one endpoint it was asked for.
TEST_EVENT = "webhook.test"

#: The customer history's kinds (customers.models.CustomerEvent.Kind) and the event type each one is.
KIND_TYPES = {
    "created": "customer.created",
    "invitation_sent": "customer.invited",
    "invitation_resent": "customer.invited",
    "invitation_accepted": "customer.activated",
    "status_changed": "customer.status_changed",
    "pa_created": "purchase_authorization.created",
    "pa_withdrawn": "purchase_authorization.withdrawn",
    "pa_products_removed": "purchase_authorization.products_removed",
    "order_placed": "order.placed",
    "duration_set": "order.duration_set",
    "return_requested": "return.created",
    "renewed": "renewal.processed",
    "access_removed": "access.removed",
}

#: The e-mail kinds (notifications.models.OutboundEmail.Kind) that are renewal notices.
NOTICE_KINDS = ("renewal_due", "renewal_overdue", "access_removal")


def event_type_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {description}") for name, description in EVENT_TYPES.items()]
