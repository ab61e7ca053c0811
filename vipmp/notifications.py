"""`GET /v3/notifications?notification-type=LICENSES_PENDING_PARTNER_ORDER`: the customers with licences
deployed that no order covers yet — our pending purchase authorizations — in Adobe's notification list.

Adobe lists customers "who have at least one license created within the last 7 days for which order has not
been placed yet by partner" for the `reseller-id` given. Ours: every customer of the client's resellers (or of
the one `reseller-id` names) with a pending purchase authorization, however old (a PA waits for its order up to
its deadline, then the account is Delayed, still pending). Paged by `limit` (1–100, 10) and `offset`, in
customer order, with `links.next` while more follow.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.response import Response

from accounts.models import Reseller
from authorizations.selectors import pending_customer_keys
from customers.models import Customer

from . import errors, selectors
from .views import VipmpView

PENDING_ORDER = "LICENSES_PENDING_PARTNER_ORDER"
DEFAULT_LIMIT, MAX_LIMIT = 10, 100


def pending_order_page(keys, *, offset: int, limit: int) -> list[Customer]:
    """One page of these customers' rows (`keys`: authorizations.selectors.pending_customer_keys), with their
    resellers: the page's keys first, then only their rows.

    Each has a VIP ID: a PA needs an invited customer, and an invited customer has its ID (the constraint
    customer_invited_has_vip_id)."""
    rows = Customer.objects.filter(pk__in=keys[offset : offset + limit]).select_related("reseller")
    return list(rows.order_by("pk"))


def _number(params, name: str, *, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if raw.isascii() and raw.isdigit() else -1
    if value < low or (high is not None and value > high):
        bounds = f"{low}–{high}" if high is not None else f"≥ {low}"
        raise errors.VipmpError(
            errors.INVALID_FIELDS,
            _("%(name)s: Use a whole number %(bounds)s.") % {"name": name, "bounds": bounds},
            details=[name],
        )
    return value


def _link(params: dict) -> dict:
    return {"uri": f"{reverse('vipmp-notifications')}?{urlencode(params)}", "method": "GET", "headers": []}


class NotificationListView(VipmpView):
    def get(self, request):
        params = request.query_params
        kind = params.get("notification-type", "")
        if kind != PENDING_ORDER:
            code = errors.MISSING_FIELDS if not kind else errors.INVALID_FIELDS
            message = _("notification-type: Use %(type)s.") % {"type": PENDING_ORDER}
            raise errors.VipmpError(code, message, details=["notification-type"])
        limit = _number(params, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        offset = _number(params, "offset", default=0, low=0, high=None)
        reseller_ids = selectors.client_reseller_ids(client=self.client)
        query = {"notification-type": kind}
        partner_id = params.get("reseller-id")
        if partner_id:
            reseller = Reseller.objects.filter(pk__in=reseller_ids, partner_id=partner_id).first()
            if reseller is None:
                raise errors.VipmpError(
                    errors.INVALID_RESELLER, _("Invalid Reseller"), status=404, details=["reseller-id"]
                )
            reseller_ids = [reseller.pk]
            query["reseller-id"] = partner_id
        keys = pending_customer_keys(reseller_ids=reseller_ids)
        total = keys.count()
        # Past the total the page is empty without asking: an offset beyond the database's integers would fail there.
        page = pending_order_page(keys, offset=offset, limit=limit) if offset < total else []
        items = [
            {
                "customerId": customer.vip_id,
                "reseller-id": customer.reseller.partner_id,
                "notificationType": PENDING_ORDER,
                "links": {
                    "self": {
                        "uri": reverse("vipmp-customer", kwargs={"customer_id": customer.vip_id}),
                        "method": "GET",
                        "headers": [],
                    }
                },
            }
            for customer in page
        ]
        links = {"self": _link({**query, "limit": limit, "offset": offset})}
        if offset + limit < total:
            links["next"] = _link({**query, "limit": limit, "offset": offset + limit})
        if offset > 0:
            links["prev"] = _link({**query, "limit": limit, "offset": max(offset - limit, 0)})
        return Response(
            {"limit": limit, "offset": offset, "totalCount": total, "count": len(items), "items": items, "links": links}
        )
