"""A renewal and the licences of pending purchase authorizations (the invariant machine's −1 and KeyError).

A pending PA's licences are deployed until it is ordered or withdrawn, and withdrawing it releases exactly
them. A renewal that kept fewer than the pending PAs deploy left a PA whose withdrawal released licences no
longer there: the holding went below 0 (or the release rule failed naming the blocked product).
"""

from datetime import date, timedelta

import pytest
import time_machine

from authorizations import services as pa
from customers.models import CustomerEvent
from licences.models import Holding
from licences.services import refuse_if_blocked
from renewals import services
from renewals.models import Renewal
from renewals.services import RenewalLineRequest
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
IN_WINDOW = ANNIVERSARY - timedelta(days=5)


@pytest.fixture
def world():
    """3 Photoshop ordered (anniversary 2026-03-10), and 2 more on a PA still pending in the renewal window."""
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    photoshop = ProductFactory(name="Photoshop")
    with time_machine.travel(FIRST_ORDER, tick=False):
        first = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 3)], actor=sales
        )
        pa.order_place(
            order_number="FIRST",
            order_date=FIRST_ORDER,
            pa_reference=first.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 3)],
            actor=ResellerAdminFactory(reseller=sales.reseller),
        )
    with time_machine.travel(IN_WINDOW, tick=False):
        pending = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 2)], actor=sales
        )
    customer.refresh_from_db()
    return sales, customer, photoshop, pending


def renew(customer, product, quantity, number="REN-1"):
    return services.renewal_place(
        order_number=number,
        order_date=IN_WINDOW,
        vip_id=customer.vip_id,
        lines=[RenewalLineRequest(product.sku_renewal, quantity)],
        actor=ResellerAdminFactory(reseller=customer.reseller),
    )


def deployed(customer, product):
    return Holding.objects.get(customer=customer, product=product).deployed


def test_a_renewal_keeps_at_least_the_licences_of_pending_purchase_authorizations(world):
    _sales, customer, photoshop, pending = world
    with time_machine.travel(IN_WINDOW, tick=False):
        with pytest.raises(DomainError) as refused:
            renew(customer, photoshop, 1)
        assert refused.value.code == "pending_licences"
        assert pending.reference in refused.value.message and "2" in refused.value.message
        assert deployed(customer, photoshop) == 5 and not Renewal.objects.exists()
        renewal, created = renew(customer, photoshop, 2)
    assert created and deployed(customer, photoshop) == 2


def test_the_pending_purchase_authorization_can_still_be_withdrawn_after_the_renewal(world):
    sales, customer, photoshop, pending = world
    with time_machine.travel(IN_WINDOW, tick=False):
        renew(customer, photoshop, 2)
        pa.purchase_authorization_withdraw(purchase_authorization=pending, actor=sales)
    assert deployed(customer, photoshop) == 0
    withdrawn = CustomerEvent.objects.get(customer=customer, kind=CustomerEvent.Kind.PA_WITHDRAWN)
    assert withdrawn.parameters["lines"][0]["quantity"] == 2


def test_releasing_more_than_is_deployed_is_refused_naming_the_product(world):
    _sales, customer, photoshop, _pending = world
    with pytest.raises(DomainError) as refused:
        refuse_if_blocked(customer=customer, releases={photoshop.pk: 6})
    assert refused.value.code == "licences_assigned"
    assert "Photoshop" in refused.value.message and "5" in refused.value.message
    assert deployed(customer, photoshop) == 5


def test_the_auto_renewal_renews_at_least_the_pending_licences(world):
    sales, customer, photoshop, pending = world
    with time_machine.travel(IN_WINDOW, tick=False):
        services.auto_renewal_set(customer=customer, product=photoshop, actor=sales, enabled=True, renewal_quantity=1)
    with time_machine.travel(ANNIVERSARY, tick=False):
        run = services.auto_renew(on=ANNIVERSARY)
        assert (run.renewed, run.refused) == ([customer.pk], {})
        assert deployed(customer, photoshop) == 2  # the pending PA's 2, not the chosen 1
        pa.purchase_authorization_withdraw(purchase_authorization=pending, actor=sales)
    assert deployed(customer, photoshop) == 0
