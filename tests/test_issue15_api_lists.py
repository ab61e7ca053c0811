"""Issue 15: the API's lists of a customer's purchase authorizations and of the orders, pinned byte for byte.

Written before their JSON was rendered without DRF's serializer loop: pending PAs (one with a removed line, one
past its deadline), withdrawn ones, ordered ones whose order has a partly and a wholly returned line, orders by
hand and from the licensing website; first and later pages, English and Swedish (no field is translated today:
this says it stays so). Ids, PA references and cursors are replaced as in test_issue15_page_output.py.
Regenerate after an intended change: UPDATE_SNAPSHOTS=1 pytest tests/test_issue15_api_lists.py.
"""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import unquote

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from accounts.models import User
from authorizations import services as pa
from authorizations.models import Order, OrderLine, PurchaseAuthorization
from customers.models import Customer
from resellerconsole.api import KeysetPagination
from tests.factories import (
    ActiveCustomerFactory,
    ProductFactory,
    ResellerAdminFactory,
    ResellerFactory,
    SalesFactory,
)
from tests.test_issue15_page_output import _cursor, check

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 9, 10, 30, tzinfo=datetime.UTC)
#: When the lists are read: PAs created first are past their order deadline, later ones still pending.
READ_AT = NOW + datetime.timedelta(days=40)
#: Small pages, so that a later page (its next link and cursor) is pinned too; the page size shapes no row.
PAGE = 4


def _create(customer, actor, *lines, po_number=""):
    return pa.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa.LineRequest(product, quantity) for product, quantity in lines],
        po_number=po_number,
        actor=actor,
    )


def _order(authorization, number: str, on: datetime.date, actor) -> Order:
    lines = [pa.OrderLineRequest(ln.product.sku_new, ln.quantity) for ln in authorization.lines.filter(removed_at=None)]
    order, _created = pa.order_place(
        order_number=number, order_date=on, pa_reference=authorization.reference, lines=lines, actor=actor
    )
    return order


@pytest.fixture
def world(db, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", PAGE)
    monkeypatch.setattr(KeysetPagination, "page_size", PAGE - 1)
    with time_machine.travel(NOW, tick=False) as clock:
        reseller = ResellerFactory(name="Nordic Licensing AB", partner_id="P9100001")
        sales = SalesFactory(username="snap-sales", reseller=reseller)
        admin = ResellerAdminFactory(username="snap-admin", reseller=reseller)
        lws = User.objects.create_user("snap-lws", role=User.Role.LICENSING_WEBSITE)
        customer = ActiveCustomerFactory(reseller=reseller, company_name="Kund Åäö AB", vip_id="15ABCDEF0123456789AB")
        neighbour = ActiveCustomerFactory(reseller=reseller, company_name="Granne AB", vip_id="15ABCDEF0123456789AC")
        stranger = ActiveCustomerFactory(company_name="Främling Oy", vip_id="15ABCDEF0123456789AD")
        photoshop, indesign, acrobat = (
            ProductFactory(name=name, sku_new=f"6539{n:04d}CA01A12", sku_renewal=f"6539{n:04d}CA02A12")
            for n, name in enumerate(["Photoshop «Pro»", "InDesign & Co", "Acrobat"])
        )
        overdue = _create(customer, sales, (acrobat, 1), po_number="PO-A/1")
        # Its creator's account was deleted since (created_by is SET_NULL): "created_by" is null.
        PurchaseAuthorization.objects.filter(pk=overdue.pk).update(created_by=None)
        clock.shift(datetime.timedelta(days=12, hours=3))
        ordered = _create(customer, sales, (photoshop, 5), (indesign, 2), po_number="PO-2")
        order = _order(ordered, "LWS-1001", NOW.date() + datetime.timedelta(days=12), lws)
        pa.order_set_duration(order=order, months=9, actor=sales)
        clock.shift(datetime.timedelta(days=1))
        photoshop_line = order.lines.get(product=photoshop)
        pa.return_request(order=order, quantities={photoshop_line.pk: 2}, actor=sales)
        withdrawn = _create(customer, sales, (indesign, 3))
        pa.purchase_authorization_withdraw(purchase_authorization=withdrawn, actor=sales)
        clock.shift(datetime.timedelta(days=2, minutes=7))
        trimmed = _create(customer, sales, (photoshop, 1), (acrobat, 4))
        pa.purchase_authorization_remove_products(purchase_authorization=trimmed, product_ids=[acrobat.pk], actor=sales)
        by_hand = _create(customer, admin, (acrobat, 2))
        _order(by_hand, "HAND-7", NOW.date() + datetime.timedelta(days=15), admin)
        returned = _create(customer, sales, (indesign, 1), (acrobat, 1))
        whole = _order(returned, "LWS-1002", NOW.date() + datetime.timedelta(days=15), lws)
        pa.return_request(order=whole, order_line_ids=[whole.lines.get(product=indesign).pk], actor=sales)
        clock.shift(datetime.timedelta(days=1))
        _create(customer, sales, (photoshop, 7), (indesign, 1), (acrobat, 3), po_number="PO-late")
        _order(_create(neighbour, sales, (photoshop, 1)), "LWS-1003", NOW.date() + datetime.timedelta(days=16), lws)
        _order(
            _create(stranger, SalesFactory(reseller=stranger.reseller), (acrobat, 1)),
            "LWS-9",
            NOW.date() + datetime.timedelta(days=16),
            lws,
        )
    return {"sales": sales, "lws": lws, "customer": customer}


def normalized(text: str) -> str:
    """The body without what differs between runs: database ids, PA references, cursors."""
    ids: dict[tuple[str, int], str] = {}
    for model in (Customer, PurchaseAuthorization, Order, OrderLine):
        for index, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True)):
            ids[(model.__name__, pk)] = f"<{model.__name__} {index}>"
    pas = PurchaseAuthorization.objects.order_by("pk").values_list("pk", flat=True)
    references = {f"PA{pk:08d}": f"PA<{index}>" for index, pk in enumerate(pas)}
    text = re.sub(r"PA\d{8}", lambda m: references.get(m.group(0), m.group(0)), text)
    for model, follows in (("PurchaseAuthorization", "reference"), ("Order", "order_number"), ("OrderLine", "sku")):
        text = re.sub(
            rf'"id":(\d+),"{follows}"',
            lambda m, model=model, follows=follows: f'"id":"{ids[(model, int(m.group(1)))]}","{follows}"',
            text,
        )
    text = re.sub(r'"customer":(\d+)', lambda m: f'"customer":"{ids[("Customer", int(m.group(1)))]}"', text)
    text = re.sub(r"customer=(\d+)", lambda m: f"customer={ids[('Customer', int(m.group(1)))]}", text)
    # The API's links quote the cursor's ":"; _cursor reads it unquoted.
    text = re.sub(r"(after|before)=([-\w:.%]+)", lambda m: f"{m.group(1)}={unquote(m.group(2))}", text)
    return re.sub(r"(after|before)=([-\w:.%]+)", _cursor, text)


def body(user, language: str, url: str, data=None) -> tuple[str, dict]:
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_authenticate(user)
    with time_machine.travel(READ_AT, tick=False):
        response = client.get(url, data)
    assert response.status_code == 200, response.content
    raw = response.content.decode()
    return normalized(raw), json.loads(raw)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_api_purchase_authorization_list_is_unchanged(world, language):
    url = reverse("api-purchase-authorization-list")
    first, parsed = body(world["sales"], language, url, {"customer": world["customer"].pk})
    assert parsed["count"] == 7 and parsed["next"]
    statuses = {row["status"] for row in parsed["results"]}
    check(f"api-pas-first-{language}.json", first)
    second, parsed = body(world["sales"], language, parsed["next"])
    assert parsed["previous"] and parsed["results"]
    assert statuses | {row["status"] for row in parsed["results"]} == {"pending", "ordered", "withdrawn"}
    check(f"api-pas-second-{language}.json", second)
    ordered, parsed = body(world["sales"], language, url, {"customer": world["customer"].pk, "status": "ordered"})
    assert len(parsed["results"]) == 3 and all(row["order"] for row in parsed["results"])
    check(f"api-pas-ordered-{language}.json", ordered)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_api_order_list_is_unchanged(world, language):
    url = reverse("api-order-intake")
    first, parsed = body(world["sales"], language, url)
    assert parsed["next"] and len(parsed["results"]) == PAGE - 1
    check(f"api-orders-first-{language}.json", first)
    second, parsed = body(world["sales"], language, parsed["next"])
    assert parsed["previous"] and parsed["results"]
    check(f"api-orders-second-{language}.json", second)
    back, _parsed = body(world["sales"], language, parsed["previous"])
    assert back == first
    placed, parsed = body(world["lws"], language, url)
    assert {row["entered_by_hand"] for row in parsed["results"]} == {False}
    check(f"api-orders-lws-{language}.json", placed)
    dated, parsed = body(world["sales"], language, url, {"order_date_from": "2026-03-24", "order_number": "LWS-1002"})
    assert [row["order_number"] for row in parsed["results"]] == ["LWS-1002"]
    check(f"api-orders-filtered-{language}.json", dated)


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_lists_rows_are_the_serializers_own(world, language):
    """The lists write their rows out by hand (authorizations.api_json); the detail endpoints' serializers give
    the same for each PA and order."""
    from django.utils import translation

    from authorizations import selectors
    from authorizations.api import OrderOutput, PurchaseAuthorizationOutput
    from authorizations.api_json import ORDER_VALUES, PA_VALUES, order_list_json, purchase_authorization_list_json

    customer = world["customer"]
    with time_machine.travel(READ_AT, tick=False), translation.override(language):
        history = selectors.purchase_authorization_history(customer=customer)
        rows = list(history.prefetch_related(None).values(*PA_VALUES))
        expected = PurchaseAuthorizationOutput(history, many=True).data
        assert purchase_authorization_list_json(rows, vip_id=customer.vip_id) == expected
        orders = selectors.order_list(user=world["sales"])
        rows = list(orders.prefetch_related(None).values(*ORDER_VALUES))
        assert order_list_json(rows) == OrderOutput(orders, many=True).data
