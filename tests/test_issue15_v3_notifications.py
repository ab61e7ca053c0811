"""Issue 15: `GET /v3/notifications?notification-type=LICENSES_PENDING_PARTNER_ORDER`, pinned byte for byte.

Written before its count and page were read another way: two resellers of the client and one that is not, the
customers interleaved by primary key; a customer with two pending PAs (listed once), one with a pending and a
withdrawn PA, ordered-only and withdrawn-only customers (not listed); pages by limit and offset (following
links.next to the end), an offset at and past the total, and the reseller-id filter; English and Swedish.
Regenerate after an intended change: UPDATE_SNAPSHOTS=1 pytest tests/test_issue15_v3_notifications.py.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from authorizations import services as pa
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, ResellerFactory
from tests.test_issue15_page_output import check
from tests.test_vipmp_support import V3, make_client

pytestmark = pytest.mark.django_db
URL = "/v3/notifications?notification-type=LICENSES_PENDING_PARTNER_ORDER"


@pytest.fixture
def api(db):
    north = ResellerFactory(name="Northwind Partners AB", partner_id="NW-1001")
    south = ResellerFactory(name="Söder Licens AB", partner_id="NW-2002")
    far = ResellerFactory(name="Far Away Oy", partner_id="FAR-77")
    product = ProductFactory()
    admins = {reseller.pk: ResellerAdminFactory(reseller=reseller) for reseller in (north, south, far)}

    def customer(reseller, n: int, *holds: str):
        """A customer with a PA per entry of `holds`: pending, ordered or withdrawn."""
        made = ActiveCustomerFactory(reseller=reseller, vip_id=f"15ABC0{n:014d}")
        actor = admins[reseller.pk]
        for state in holds:
            authorization = pa.purchase_authorization_create(
                customer=made, license_type="team", lines=[pa.LineRequest(product, 2)], actor=actor
            )
            if state == "ordered":
                pa.order_place(
                    order_number=f"LWS-{n}-{authorization.pk}",
                    order_date=pa.today(),
                    pa_reference=authorization.reference,
                    lines=[pa.OrderLineRequest(product.sku_new, 2)],
                    actor=actor,
                )
            elif state == "withdrawn":
                pa.purchase_authorization_withdraw(purchase_authorization=authorization, actor=actor)
        return made

    customer(north, 1, "pending")
    customer(south, 2, "pending")
    customer(north, 3, "ordered")
    customer(north, 4, "pending", "pending")
    customer(north, 5)
    customer(south, 6, "withdrawn", "pending")
    customer(north, 7, "withdrawn")
    customer(far, 8, "pending")
    customer(north, 9, "ordered", "pending")
    customer(south, 10, "pending")
    customer(north, 11, "pending")
    customer(far, 12, "pending")
    customer(north, 13, "pending")
    customer(south, 14, "ordered")
    customer(north, 15, "pending")
    return V3(*make_client(north, south))


QUERIES = [
    "",
    "&limit=3",
    "&limit=3&offset=3",
    "&limit=3&offset=6",
    "&limit=3&offset=9",
    "&limit=100&offset=1",
    "&offset=9",
    "&offset=50",
    "&reseller-id=NW-2002",
    "&reseller-id=NW-2002&limit=1&offset=1",
    "&reseller-id=NW-1001&limit=2&offset=2",
    "&reseller-id=NW-1001&limit=2&offset=6",
    "&reseller-id=FAR-77",
]


@pytest.mark.parametrize("language", ["en", "sv"])
def test_the_v3_notification_list_is_unchanged(api, language):
    api.http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    answers = []
    for query in QUERIES:
        response = api.get(URL + query)
        answers.append(f"GET {query or '(first page)'}\n{response.status_code} {response.content.decode()}\n")
    # Following links.next from the first page of three reads every customer once, in primary-key order.
    seen, uri = [], URL + "&limit=3"
    while uri:
        body = api.get(uri).json()
        seen += [item["customerId"] for item in body["items"]]
        uri = body["links"].get("next", {}).get("uri")
    assert seen == [f"15ABC0{n:014d}" for n in (1, 2, 4, 6, 9, 10, 11, 13, 15)]
    check(f"v3-notifications-{language}.txt", "".join(answers))
