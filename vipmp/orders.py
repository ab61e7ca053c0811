"""The /v3 order endpoints (doors: orders_services.py places through our services, orders_selectors.py reads,
orders_mapping.py answers in Adobe's shapes).

`POST /v3/customers/{customerId}/orders` dispatches on `orderType` through ORDER_TYPES: each handler takes the
view, the client's user at the customer's reseller, the customer and the validated request, and answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.response import Response

from authorizations.services import today as pa_today

from . import errors, order_types, orders_mapping, orders_selectors, orders_services
from .orders_input import INVALID_ORDER, INVALID_SEARCH_VALUE, OFFSET_OUT_OF_RANGE, OrderCreate, OrderSearch
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


def new(view: VipmpView, *, actor, customer, request: dict) -> Response:
    """NEW: a purchase authorization and its order at once; 201 with the order as GET answers it."""
    order = orders_services.order_new(client=view.client, actor=actor, customer=customer, request=request)
    return view.order_answer(customer, order.order_number, status=201)


def return_(view: VipmpView, *, actor, customer, request: dict) -> Response:
    """RETURN of lines of a NEW order (referenceOrderId), whole or in part; 201 with the return."""
    authorization = orders_services.order_return(client=view.client, actor=actor, customer=customer, request=request)
    return view.order_answer(customer, orders_selectors.return_order_id(authorization), status=201)


#: orderType → its handler. PREVIEW_RENEWAL and RENEWAL are the renewals' part of /v3 (their own module).
ORDER_TYPES: dict[str, Callable[..., Response]] = {
    "PREVIEW": preview,
    "NEW": new,
    "RETURN": return_,
}


class OrderView(VipmpView):
    """What the order endpoints share: one order, return or renewal answered as GET answers it."""

    def order_answer(self, customer, order_id: str, *, status: int = 200) -> Response:
        found = orders_selectors.order_get(customer=customer, order_id=order_id)
        if found is None:
            raise errors.VipmpError(INVALID_ORDER, _("Invalid Customer or Order ID"), status=404)
        kind, row = found
        return Response(orders_mapping.order_body(kind, row, customer_id=customer.vip_id), status=status)


class OrdersView(OrderView):
    def get(self, request, customer_id: str):
        """The order history: orders, returns and renewals, newest first, by Adobe's filters; links.next carries
        a keyset cursor (offset pages too)."""
        _actor, customer = self.customer_or_404(customer_id)
        query = OrderSearch.parse(request.query_params)
        after = None
        if "cursor" in query:
            after = orders_selectors.Position.decode(query["cursor"])
            if after is None:
                raise errors.VipmpError(
                    INVALID_SEARCH_VALUE, _("Invalid value for search parameter: cursor."), details=["cursor"]
                )
        search = orders_selectors.Search(
            order_types=tuple(query.get("order_types", ())),
            statuses=tuple(query.get("statuses", ())),
            offer_ids=tuple(query.get("offer_ids", ())),
            reference_order_id=query.get("reference_order_id"),
            start=query.get("start", orders_selectors.term_start(customer, on=pa_today())),
            end=query.get("end", timezone.now()),
        )
        page = orders_selectors.orders_page(
            customer=customer, search=search, limit=query["limit"], offset=query["offset"], after=after
        )
        if after is None and query["offset"] > page.total:
            raise errors.VipmpError(
                OFFSET_OUT_OF_RANGE,
                ngettext(
                    "Offset out of range: there is %(total)s order.",
                    "Offset out of range: there are %(total)s orders.",
                    page.total,
                )
                % {"total": page.total},
                details=["offset"],
            )
        shown = {"offset": query["offset"], "limit": query["limit"]}
        body = orders_mapping.history_body(customer_id=customer.vip_id, page=page, query=query, shown=shown)
        return Response(body)

    def post(self, request, customer_id: str):
        actor, customer = self.customer_or_404(customer_id)
        kind = request.data.get("orderType") if isinstance(request.data, Mapping) else None
        renewal_handler = order_types.ORDER_TYPES.get(kind) if isinstance(kind, str) else None
        if renewal_handler is not None:
            # PREVIEW_RENEWAL and RENEWAL read their own request shape (vipmp/renewal_orders.py).
            return renewal_handler(self, actor, customer, dict(request.data))
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


class OrderDetailView(OrderView):
    def get(self, request, customer_id: str, order_id: str):
        _actor, customer = self.customer_or_404(customer_id)
        return self.order_answer(customer, order_id)
