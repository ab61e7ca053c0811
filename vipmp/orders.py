"""The /v3 order endpoints (doors: orders_services.py places through our services, orders_selectors.py reads,
orders_mapping.py answers in Adobe's shapes).

`POST /v3/customers/{customerId}/orders` dispatches on `orderType` through ORDER_TYPES: each handler takes the
view, the client's user at the customer's reseller, the customer and the validated request, and answers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from rest_framework.response import Response

from . import errors, orders_mapping, orders_services
from .orders_input import OrderCreate
from .views import VipmpView


def _fetch_price(request) -> bool:
    return request.query_params.get("fetch-price", "").strip().lower() == "true"


def preview(view: VipmpView, *, actor, customer, request: dict) -> Response:
    """PREVIEW: changes nothing; the lines co-termed and priced by our calculator (with fetch-price=true)."""
    found = orders_services.order_preview(customer=customer, request=request)
    body = orders_mapping.preview_body(
        customer_id=customer.vip_id, request=request, preview=found, fetch_price=_fetch_price(view.request)
    )
    return Response(body, status=200)


#: orderType → its handler. PREVIEW_RENEWAL and RENEWAL are the renewals' part of /v3 (their own module).
ORDER_TYPES: dict[str, Callable[..., Response]] = {
    "PREVIEW": preview,
}


class OrdersView(VipmpView):
    def post(self, request, customer_id: str):
        actor, customer = self.customer_or_404(customer_id)
        serializer = OrderCreate(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_type = serializer.validated_data["orderType"]
        handler = ORDER_TYPES.get(order_type)
        if handler is None:
            raise errors.VipmpError(
                errors.INVALID_FIELDS,
                _("orderType %(type)s is not supported by this service.") % {"type": order_type},
                details=["orderType"],
            )
        return handler(self, actor=actor, customer=customer, request=serializer.validated_data)
