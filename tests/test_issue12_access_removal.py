"""Issue 12, item 25: the removal of access withdraws the pending PAs; reinstating returns to the status the
invitation allows (Active only once accepted)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authorizations import services as pa
from authorizations.models import PurchaseAuthorization
from customers import services as customers
from customers.models import CUSTOMER_STATUS_TRANSITIONS, Customer, CustomerEvent, CustomerStatus
from jobs.services import run_job
from licences.models import Holding
from renewals import services
from resellerconsole.errors import DomainError
from tests.factories import ProductFactory, ResellerAdminFactory
from tests.test_invariants import check_history

pytestmark = pytest.mark.django_db
FIRST_ORDER = date(2025, 3, 10)
ANNIVERSARY = date(2026, 3, 10)
LAPSED = ANNIVERSARY + timedelta(days=31)  # the day after the grace period ended


def lapsing_customer(staff, photoshop, *, accepted=True, pending=3):
    """Ordered 5 Photoshop on FIRST_ORDER; `pending` more deployed by a PA created in the grace period.

    Made through the services, so its whole history is in its events (check_history replays them)."""
    with time_machine.travel(FIRST_ORDER, tick=False):
        customer = customers.customer_create(
            reseller=staff.reseller,
            actor=staff,
            company_name=f"Lapsing {Customer.objects.count()} AB",
            address_line1="Storgatan 1",
            postal_code="111 22",
            city="Stockholm",
            country="SE",
            market_segment="commercial",
            vip_admins=[customers.VipAdminContact("Vera", "vera@lapsing.example")],
        )
        customer = customers.customer_send_invitation(customer=customer, actor=staff)
        if accepted:
            customers.customer_accept_invitation(token=customers.invitation_token(customer.vip_admins.first()))
        first = pa.purchase_authorization_create(
            customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, 5)], actor=staff
        )
        pa.order_place(
            order_number=f"FIRST-{customer.pk}",
            order_date=FIRST_ORDER,
            pa_reference=first.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5)],
            actor=staff,
        )
        pa.assignment_add(customer=customer, product=photoshop, email=f"u@{customer.pk}.example", actor=staff)
    if pending:
        with time_machine.travel(ANNIVERSARY + timedelta(days=5), tick=False):
            pa.purchase_authorization_create(
                customer=customer, license_type="team", lines=[pa.LineRequest(photoshop, pending)], actor=staff
            )
    return Customer.objects.get(pk=customer.pk)


@pytest.fixture
def world():
    staff = ResellerAdminFactory()
    return staff, ProductFactory(name="Photoshop")


def test_the_removal_withdraws_the_pending_pas_with_an_event_each(world):
    staff, photoshop = world
    customer = lapsing_customer(staff, photoshop)
    pending = PurchaseAuthorization.objects.get(customer=customer, status="pending")

    with time_machine.travel(LAPSED, tick=False):
        assert run_job("remove_expired_access", on=LAPSED) == {"removed": 1}

    pending.refresh_from_db()
    assert pending.status == "withdrawn" and pending.withdrawn_at is not None
    withdrawn = customer.events.get(kind=CustomerEvent.Kind.PA_WITHDRAWN)
    assert withdrawn.parameters["reference"] == pending.reference
    assert withdrawn.parameters["reason"] == "access removed"
    assert withdrawn.parameters["lines"] == [{"sku": photoshop.sku_new, "product": "Photoshop", "quantity": 3}]
    assert (withdrawn.actor, withdrawn.source, withdrawn.source_detail) == (None, "job", "remove_expired_access")
    # The removal itself ends what is left once the PA released its licences: the 5 ordered ones.
    removed = customer.events.get(kind=CustomerEvent.Kind.ACCESS_REMOVED)
    assert removed.parameters["lines"] == [{"product": "Photoshop", "quantity": 5}]
    assert withdrawn.pk < removed.pk
    assert Holding.objects.get(customer=customer, product=photoshop).deployed == 0
    check_history()  # replaying the events gives the holdings and the statuses


def test_after_reinstatement_nothing_is_left_pending_that_could_never_be_withdrawn(world):
    staff, photoshop = world
    customer = lapsing_customer(staff, photoshop)
    pending = PurchaseAuthorization.objects.get(customer=customer, status="pending")
    with time_machine.travel(LAPSED, tick=False):
        services.remove_expired_access(on=LAPSED)
        services.customer_reinstate(customer=customer, actor=staff)

        with pytest.raises(DomainError) as refused:
            pa.purchase_authorization_withdraw(purchase_authorization=pending, actor=staff)

    assert refused.value.code == "invalid_transition"
    assert Holding.objects.get(customer=customer, product=photoshop).deployed == 0
    assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.ACTIVE
    check_history()


def test_reinstating_an_account_that_never_accepted_returns_it_to_invitation_sent(world):
    staff, photoshop = world
    customer = lapsing_customer(staff, photoshop, accepted=False, pending=0)
    with time_machine.travel(LAPSED, tick=False):
        services.remove_expired_access(on=LAPSED)
        reinstated = services.customer_reinstate(customer=customer, actor=staff)

    assert reinstated.status == Customer.objects.get(pk=customer.pk).status == CustomerStatus.INVITATION_SENT
    event = customer.events.filter(kind=CustomerEvent.Kind.STATUS_CHANGED).latest("pk")
    assert event.parameters == {"from": "inactive", "to": "invitation_sent", "reason": "reinstated"}
    assert CustomerStatus.INVITATION_SENT in CUSTOMER_STATUS_TRANSITIONS[CustomerStatus.INACTIVE]
    check_history()


def test_a_repeated_removal_withdraws_nothing_twice(world):
    staff, photoshop = world
    customer = lapsing_customer(staff, photoshop)
    with time_machine.travel(LAPSED, tick=False):
        services.remove_expired_access(on=LAPSED)
        assert services.remove_expired_access(on=LAPSED) == []
    assert customer.events.filter(kind=CustomerEvent.Kind.PA_WITHDRAWN).count() == 1


def test_a_dry_run_withdraws_nothing(world):
    staff, photoshop = world
    customer = lapsing_customer(staff, photoshop)
    with time_machine.travel(LAPSED, tick=False):
        assert services.remove_expired_access(on=LAPSED, dry_run=True) == [customer.pk]
    assert PurchaseAuthorization.objects.filter(customer=customer, status="pending").count() == 1


def test_the_removal_uses_a_fixed_number_of_queries(world):
    staff, photoshop = world

    def queries(customers: int) -> int:
        for _ in range(customers):
            lapsing_customer(staff, photoshop)
        with time_machine.travel(LAPSED, tick=False), CaptureQueriesContext(connection) as captured:
            assert len(services.remove_expired_access(on=LAPSED)) == customers
        return len(captured)

    assert queries(1) == queries(4)
