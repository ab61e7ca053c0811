"""Races on PostgreSQL: two people (or workers) acting on the same rows at the same moment."""

import pytest
from django.db import connection

from customers import services
from customers.models import Customer, CustomerEvent
from notifications import sending as outbox
from notifications.models import OutboundEmail
from resellerconsole.errors import DomainError
from tests.conftest import run_together
from tests.factories import CustomerFactory, ResellerAdminFactory, SalesFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_invitations_issue_one_vip_id():
    assert connection.vendor == "postgresql"
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller)

    results = run_together(
        *[lambda: services.customer_send_invitation(customer=customer, actor=sales) for _ in range(4)]
    )

    customer.refresh_from_db()
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert [w.vip_id for w in winners] == [customer.vip_id]
    assert [(type(e), e.code) for e in losers] == [(DomainError, "already_invited")] * 3
    assert customer.events.filter(kind=CustomerEvent.Kind.INVITATION_SENT).count() == 1
    # Four clicks at once: one invitation, one e-mail.
    assert OutboundEmail.objects.filter(customer=customer).count() == 1


def test_parallel_outbox_senders_send_each_email_once(mailoutbox):
    for n in range(40):
        OutboundEmail.objects.create(
            kind="invitation",
            dedupe_key=f"race:{n}",
            recipients=["a@b.example"],
            language="en",
            subject=f"n{n}",
            body_text="x",
        )

    results = run_together(*[lambda: outbox.email_deliver(limit=7) for _ in range(4)])
    while outbox.email_deliver(limit=100).claimed:
        pass

    assert not [r for r in results if isinstance(r, Exception)]
    subjects = [m.subject for m in mailoutbox]
    assert len(subjects) == len(set(subjects)) == 40
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}


def test_concurrent_edits_keep_both_changes():
    sales = SalesFactory()
    customer = CustomerFactory(reseller=sales.reseller)

    results = run_together(
        lambda: services.customer_update(customer=customer, actor=sales, city="Malmö"),
        lambda: services.customer_update(customer=customer, actor=sales, postal_code="211 20"),
    )

    assert not [r for r in results if isinstance(r, Exception)]
    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.city, customer.postal_code) == ("Malmö", "211 20")


# ---------------------------------------------------------------------------
# Purchase authorizations: exactly one of two racing transitions wins
# ---------------------------------------------------------------------------
def _pa_world(quantity=1):
    from authorizations import services as pa
    from tests.factories import ActiveCustomerFactory, ProductFactory

    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()
    authorization = pa.purchase_authorization_create(
        customer=customer, license_type="team", lines=[pa.LineRequest(product, quantity)], actor=sales
    )
    return pa, sales, customer, product, authorization


def _order(pa, sales, authorization, product, number, quantity=1):
    return pa.order_place(
        order_number=number,
        order_date=pa.today(),
        pa_reference=authorization.reference,
        lines=[pa.OrderLineRequest(product.sku_new, quantity)],
        actor=ResellerAdminFactory(reseller=sales.reseller),
    )


def split(results):
    return [r for r in results if not isinstance(r, Exception)], [r for r in results if isinstance(r, Exception)]


def test_withdraw_against_order_one_wins():
    pa, sales, customer, product, authorization = _pa_world()

    winners, losers = split(
        run_together(
            lambda: pa.purchase_authorization_withdraw(purchase_authorization=authorization, actor=sales),
            lambda: _order(pa, sales, authorization, product, "RACE-1"),
        )
    )

    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], DomainError) and losers[0].code in {"invalid_transition", "withdrawn"}
    authorization.refresh_from_db()
    from authorizations.models import Order
    from licences.models import Holding

    if authorization.status == "withdrawn":
        assert not Order.objects.exists() and Holding.objects.get(customer=customer).deployed == 0
    else:
        assert Order.objects.count() == 1 and Holding.objects.get(customer=customer).deployed == 1


def test_two_orders_for_one_pa_one_wins():
    pa, sales, _customer, product, authorization = _pa_world()

    winners, losers = split(
        run_together(*[lambda n=n: _order(pa, sales, authorization, product, f"RACE-{n}") for n in range(3)])
    )

    assert len(winners) == 1
    assert [e.code for e in losers] == ["already_ordered"] * 2
    from authorizations.models import Order

    assert Order.objects.count() == 1


def test_the_same_order_retried_in_parallel_is_recorded_once():
    pa, sales, _customer, product, authorization = _pa_world()

    winners, losers = split(
        run_together(*[lambda: _order(pa, sales, authorization, product, "SAME") for _ in range(3)])
    )

    assert not losers
    assert len({order.pk for order, _created in winners}) == 1
    assert sorted(created for _order_, created in winners) == [False, False, True]


def test_return_against_assignment_one_wins():
    pa, sales, customer, product, authorization = _pa_world(quantity=1)
    order, _ = _order(pa, sales, authorization, product, "RET-1")
    line = order.lines.get()

    winners, losers = split(
        run_together(
            lambda: pa.return_request(order=order, order_line_ids=[line.pk], actor=sales),
            lambda: pa.assignment_add(customer=customer, product=product, email="u@c.example", actor=sales),
        )
    )

    assert len(winners) == 1 and len(losers) == 1
    assert losers[0].code in {"licences_assigned", "no_free_licence"}
    from licences.models import Assignment, Holding

    deployed = Holding.objects.get(customer=customer, product=product).deployed
    assigned = Assignment.objects.filter(customer=customer, released_at__isnull=True).count()
    assert assigned <= deployed and (deployed, assigned) in {(0, 0), (1, 1)}


def test_parallel_deadline_sweeps_change_and_record_each_account_once():
    from datetime import timedelta

    import time_machine

    from authorizations import services as pa
    from tests.factories import ActiveCustomerFactory, ProductFactory

    sales = SalesFactory()
    product = ProductFactory()
    with time_machine.travel(pa.today() - timedelta(days=40)):
        for _ in range(12):
            customer = ActiveCustomerFactory(reseller=sales.reseller)
            pa.purchase_authorization_create(
                customer=customer, license_type="team", lines=[pa.LineRequest(product, 1)], actor=sales
            )

    results = run_together(*[lambda: pa.enforce_order_deadlines(on=pa.today(), batch_size=5) for _ in range(3)])

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(pk for r in results for pk in r.delayed) == sorted(
        Customer.objects.filter(status="delayed").values_list("pk", flat=True)
    )
    assert Customer.objects.filter(status="delayed").count() == 12
    assert CustomerEvent.objects.filter(kind="status_changed", parameters__to="delayed").count() == 12


def test_one_order_number_for_two_customers_pas_in_parallel_is_refused_once():
    pa, sales, _customer, product, first = _pa_world()
    _pa2, sales2, _customer2, product2, second = _pa_world()

    winners, losers = split(
        run_together(
            lambda: _order(pa, sales, first, product, "DUP-1"),
            lambda: _order(pa, sales2, second, product2, "DUP-1"),
        )
    )

    assert len(winners) == 1 and [e.code for e in losers] == ["order_number_conflict"]


def test_parallel_renewal_jobs_change_and_record_each_customer_once():
    from datetime import date

    from licences.models import Holding
    from renewals import services as renewals
    from renewals.models import RenewalRow
    from tests.factories import ActiveCustomerFactory, ProductFactory

    on = date(2026, 6, 1)
    product = ProductFactory()
    due = [ActiveCustomerFactory(anniversary_date=date(2026, 7, 1), anniversary_day=1) for _ in range(6)]
    lapsed = [ActiveCustomerFactory(anniversary_date=date(2026, 4, 1), anniversary_day=1) for _ in range(6)]
    for customer in due + lapsed:
        Holding.objects.create(customer=customer, product=product, deployed=3)

    refreshed = run_together(*[lambda: renewals.refresh_renewal_overview(on=on, batch_size=2) for _ in range(3)])
    removed = run_together(*[lambda: renewals.remove_expired_access(on=on, batch_size=2) for _ in range(3)])

    assert not [r for r in refreshed + removed if isinstance(r, Exception)]
    assert RenewalRow.objects.count() == 6
    assert sorted(pk for r in removed for pk in r) == sorted(c.pk for c in lapsed)
    assert CustomerEvent.objects.filter(kind="access_removed").count() == 6
    assert Customer.objects.filter(status="inactive").count() == 6


def test_renewal_order_against_removal_of_access_one_wins():
    from datetime import date

    import time_machine

    from licences.models import Holding
    from renewals import services as renewals
    from tests.factories import ActiveCustomerFactory, ProductFactory

    sales = SalesFactory()
    product = ProductFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller, anniversary_date=date(2026, 5, 1), anniversary_day=1)
    Holding.objects.create(customer=customer, product=product, deployed=3)
    renewals.refresh_renewal_overview(on=date(2026, 5, 1))
    with time_machine.travel(date(2026, 6, 1), tick=False):  # day 31 after the anniversary: grace is over
        results = run_together(
            lambda: renewals.remove_expired_access(on=date(2026, 6, 1)),
            lambda: renewals.renewal_place(
                order_number="LATE",
                order_date=date(2026, 5, 31),
                vip_id=customer.vip_id,
                actor=ResellerAdminFactory(reseller=sales.reseller),
                lines=[renewals.RenewalLineRequest(product.sku_renewal, 3)],
            ),
        )
    customer.refresh_from_db()
    removal, renewal = results
    assert not isinstance(removal, Exception)
    if removal:  # access removed first: the renewal is refused with the reinstatement message
        assert isinstance(renewal, DomainError) and renewal.code == "account_inactive"
        assert customer.status == "inactive"
    else:  # renewed first: the anniversary moved, nothing to remove
        assert customer.anniversary_date == date(2027, 5, 1) and customer.status == "active"


def test_parallel_notice_jobs_and_senders_send_each_notice_once(smtp):
    from datetime import date

    from notifications.notices import send_renewal_notices
    from notifications.sending import email_deliver
    from tests.factories import ActiveCustomerFactory

    day = date(2026, 8, 1)
    for _ in range(10):
        ActiveCustomerFactory(anniversary_date=date(2026, 8, 20), anniversary_day=20)

    created = run_together(*[lambda: send_renewal_notices(on=day, batch_size=3) for _ in range(3)])
    run_together(*[lambda: email_deliver(limit=4) for _ in range(3)])
    while email_deliver().claimed:
        pass

    assert not [r for r in created if isinstance(r, Exception)]
    assert OutboundEmail.objects.filter(kind="renewal_due").count() == 10
    recipients = [tuple(rcpt) for rcpt, _content in smtp.messages]
    assert len(recipients) == 10 and len(set(recipients)) == 10  # over real SMTP, each notice once
