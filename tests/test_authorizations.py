"""Purchase authorizations, orders, returns and the order deadline (domain.md)."""

from datetime import date, timedelta

import pytest
import time_machine

from authorizations import services
from authorizations.models import PurchaseAuthorization
from authorizations.services import LineRequest, OrderLineRequest
from customers.models import CustomerEvent, CustomerStatus
from licences.models import Holding
from resellerconsole.errors import DomainError
from tests.factories import ActiveCustomerFactory, CustomerFactory, ProductFactory, ResellerAdminFactory, SalesFactory

pytestmark = pytest.mark.django_db
DAY0 = date(2026, 3, 2)


@pytest.fixture
def world():
    sales = SalesFactory()
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    return sales, customer, ProductFactory(name="Photoshop"), ProductFactory(name="Acrobat Pro")


def create_pa(sales, customer, *lines, license_type="team", po_number=""):
    return services.purchase_authorization_create(
        customer=customer,
        license_type=license_type,
        lines=[LineRequest(product, quantity) for product, quantity in lines],
        po_number=po_number,
        actor=sales,
    )


def deployed(customer, product) -> int:
    holding = Holding.objects.filter(customer=customer, product=product).first()
    return holding.deployed if holding else 0


def order(sales, pa, number="LWS-1", on=None, lines=None):
    if lines is None:
        lines = [OrderLineRequest(ln.product.sku_new, ln.quantity) for ln in pa.lines.filter(removed_at=None)]
    return services.order_place(
        order_number=number,
        order_date=on or services.today(),
        pa_reference=pa.reference,
        lines=lines,
        actor=ResellerAdminFactory(reseller=sales.reseller),
    )


def test_create_deploys_licences_at_once_and_starts_the_deadline(world):
    sales, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 5), (acrobat, 12), po_number="PO-2026/17.a_b")

    assert pa.reference == f"PA{pa.pk:08d}"
    assert pa.status == "pending"
    assert pa.order_deadline == DAY0 + timedelta(days=30)
    assert (deployed(customer, photoshop), deployed(customer, acrobat)) == (5, 12)
    event = customer.events.get(kind=CustomerEvent.Kind.PA_CREATED)
    assert event.actor == sales and event.parameters["po_number"] == "PO-2026/17.a_b"


@pytest.mark.parametrize(
    ("product_kwargs", "quantity", "field", "code"),
    [
        (
            {
                "is_education_device_license": True,
                "for_education": True,
                "for_commercial": False,
                "for_government": False,
            },
            1,
            "lines.0.product",
            "education_device_license",
        ),
        ({"license_type": "enterprise"}, 1, "lines.0.product", "license_type_mismatch"),
        (
            {"for_commercial": False, "for_education": True, "for_government": False},
            1,
            "lines.0.product",
            "segment_mismatch",
        ),
        ({"is_active": False}, 1, "lines.0.product", "inactive_product"),
        ({}, 0, "lines.0.quantity", "quantity_out_of_range"),
        ({}, 10_001, "lines.0.quantity", "quantity_out_of_range"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(world, product_kwargs, quantity, field, code):
    sales, customer, *_ = world
    product = ProductFactory(**product_kwargs)

    with pytest.raises(DomainError) as refused:
        create_pa(sales, customer, (product, quantity))

    assert (refused.value.field, refused.value.code) == (field, code)
    assert not PurchaseAuthorization.objects.exists()
    assert not Holding.objects.exists()


def test_education_device_message_explains_where_to_order(world):
    sales, customer, *_ = world
    device = ProductFactory(
        is_education_device_license=True, for_education=True, for_commercial=False, for_government=False
    )
    with pytest.raises(DomainError) as refused:
        create_pa(sales, customer, (device, 1))
    assert "ordered directly from the programme owner" in refused.value.message


@pytest.mark.parametrize(
    ("license_type", "quantity", "ok"),
    [
        ("team", 10_000, True),
        ("team", 10_001, False),
        ("enterprise", 200_000, True),
        ("enterprise", 200_001, False),
    ],
)
def test_quantity_limits_per_licence_type(world, license_type, quantity, ok):
    sales, customer, *_ = world
    product = ProductFactory(license_type=license_type)
    if ok:
        assert create_pa(sales, customer, (product, quantity), license_type=license_type)
    else:
        with pytest.raises(DomainError):
            create_pa(sales, customer, (product, quantity), license_type=license_type)


def test_a_repeated_product_is_an_error_not_a_merge(world):
    sales, customer, photoshop, _ = world
    with pytest.raises(DomainError) as refused:
        create_pa(sales, customer, (photoshop, 1), (photoshop, 2))
    assert refused.value.field == "lines.1.product"
    assert "already on line 1" in refused.value.message


def test_too_many_lines(world, settings):
    settings.PA_MAX_LINES = 2
    sales, customer, *_ = world
    with pytest.raises(DomainError) as refused:
        create_pa(sales, customer, *[(ProductFactory(), 1) for _ in range(3)])
    assert (refused.value.field, refused.value.code) == ("lines", "too_many_lines")


@pytest.mark.parametrize("po_number", ["x" * 36, "PO 12", "PO#12", "PÅ-1"])
def test_bad_po_numbers(world, po_number):
    sales, customer, photoshop, _ = world
    with pytest.raises(DomainError) as refused:
        create_pa(sales, customer, (photoshop, 1), po_number=po_number)
    assert refused.value.field == "po_number"


def test_not_invited_customer_gets_no_pa(world):
    sales, _customer, photoshop, _ = world
    with pytest.raises(DomainError) as refused:
        create_pa(sales, CustomerFactory(reseller=sales.reseller), (photoshop, 1))
    assert refused.value.code == "not_invited"


@pytest.mark.parametrize(("day", "delayed"), [(29, False), (30, False), (31, True)])
def test_deadline_day_29_30_31(world, day, delayed):
    sales, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 1))

    result = services.enforce_order_deadlines(on=DAY0 + timedelta(days=day))

    customer.refresh_from_db()
    assert (customer.status == CustomerStatus.DELAYED) is delayed
    assert result.delayed == ([customer.pk] if delayed else [])
    if delayed:
        event = customer.events.filter(kind=CustomerEvent.Kind.STATUS_CHANGED).latest("pk")
        assert event.parameters == {"from": "active", "to": "delayed", "overdue": [pa.reference]}


def test_deadline_sweep_is_idempotent_catches_up_and_dry_runs(world):
    sales, customer, photoshop, _ = world
    invited_only = ActiveCustomerFactory(reseller=sales.reseller, status="invitation_sent", invitation_accepted_at=None)
    with time_machine.travel(DAY0, tick=False):
        create_pa(sales, customer, (photoshop, 1))
        create_pa(sales, invited_only, (photoshop, 1))
    late = DAY0 + timedelta(days=45)  # the job missed two weeks

    dry = services.enforce_order_deadlines(on=late, dry_run=True)
    customer.refresh_from_db()
    assert customer.status == "active" and sorted(dry.delayed) == sorted([customer.pk, invited_only.pk])

    first = services.enforce_order_deadlines(on=late, batch_size=1)
    second = services.enforce_order_deadlines(on=late)

    assert sorted(first.delayed) == sorted([customer.pk, invited_only.pk])
    assert (second.delayed, second.restored) == ([], [])
    assert CustomerEvent.objects.filter(kind=CustomerEvent.Kind.STATUS_CHANGED, parameters__to="delayed").count() == 2


def test_delayed_account_refuses_new_pa_naming_the_overdue_one(world):
    sales, customer, photoshop, acrobat = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 1))
    with time_machine.travel(DAY0 + timedelta(days=31), tick=False):
        services.enforce_order_deadlines(on=services.today())
        with pytest.raises(DomainError) as refused:
            create_pa(sales, customer, (acrobat, 1))
    assert refused.value.code == "account_delayed"
    assert pa.reference in refused.value.message


def test_ordering_the_overdue_pa_restores_the_previous_status(world):
    sales, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 3))
    with time_machine.travel(DAY0 + timedelta(days=35), tick=False):
        services.enforce_order_deadlines(on=services.today())
        customer.refresh_from_db()
        assert customer.status == "delayed"
        order(sales, pa)
    customer.refresh_from_db()
    assert customer.status == "active"


def test_withdrawing_the_overdue_pa_restores_invitation_sent(world):
    sales, _customer, photoshop, _ = world
    customer = ActiveCustomerFactory(reseller=sales.reseller, status="invitation_sent", invitation_accepted_at=None)
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 3))
    with time_machine.travel(DAY0 + timedelta(days=35), tick=False):
        services.enforce_order_deadlines(on=services.today())
        services.purchase_authorization_withdraw(purchase_authorization=pa, actor=sales)
    customer.refresh_from_db()
    assert customer.status == "invitation_sent"


def test_the_sweep_restores_accounts_with_nothing_overdue(world):
    sales, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        pa = create_pa(sales, customer, (photoshop, 3))
    services.enforce_order_deadlines(on=DAY0 + timedelta(days=31))
    PurchaseAuthorization.objects.filter(pk=pa.pk).update(order_deadline=DAY0 + timedelta(days=60))  # extended

    result = services.enforce_order_deadlines(on=DAY0 + timedelta(days=31))

    customer.refresh_from_db()
    assert result.restored == [customer.pk] and customer.status == "active"


def test_withdraw_releases_licences_and_records_it(world):
    sales, customer, photoshop, acrobat = world
    pa = create_pa(sales, customer, (photoshop, 2), (acrobat, 1))

    services.purchase_authorization_withdraw(purchase_authorization=pa, actor=sales)

    pa.refresh_from_db()
    assert pa.status == "withdrawn" and pa.withdrawn_by == sales
    assert (deployed(customer, photoshop), deployed(customer, acrobat)) == (0, 0)
    assert customer.events.filter(kind=CustomerEvent.Kind.PA_WITHDRAWN).count() == 1
    with pytest.raises(DomainError) as again:
        services.purchase_authorization_withdraw(purchase_authorization=pa, actor=sales)
    assert again.value.code == "invalid_transition"


def test_withdraw_is_refused_while_users_hold_the_licences_and_names_them(world):
    sales, customer, photoshop, _ = world
    pa = create_pa(sales, customer, (photoshop, 2))
    services.assignment_add(customer=customer, product=photoshop, email="ulla@customer.example", actor=sales)

    with pytest.raises(DomainError) as refused:
        services.purchase_authorization_withdraw(purchase_authorization=pa, actor=sales)

    assert refused.value.code == "licences_assigned"
    assert "ulla@customer.example" in refused.value.message
    pa.refresh_from_db()
    assert pa.status == "pending" and deployed(customer, photoshop) == 2


def test_withdraw_is_allowed_when_other_licences_cover_the_users(world):
    sales, customer, photoshop, _ = world
    create_pa(sales, customer, (photoshop, 3))
    second = create_pa(sales, customer, (photoshop, 2))
    for n in range(3):
        services.assignment_add(customer=customer, product=photoshop, email=f"u{n}@c.example", actor=sales)

    services.purchase_authorization_withdraw(purchase_authorization=second, actor=sales)  # 3 assigned <= 5 - 2

    assert deployed(customer, photoshop) == 3


def test_remove_products_from_a_pending_pa(world):
    sales, customer, photoshop, acrobat = world
    pa = create_pa(sales, customer, (photoshop, 2), (acrobat, 4))

    services.purchase_authorization_remove_products(purchase_authorization=pa, product_ids=[acrobat.pk], actor=sales)
    with pytest.raises(DomainError) as last:
        services.purchase_authorization_remove_products(
            purchase_authorization=pa, product_ids=[photoshop.pk], actor=sales
        )

    assert deployed(customer, acrobat) == 0 and deployed(customer, photoshop) == 2
    assert last.value.code == "all_products"


def test_first_order_sets_the_anniversary_and_proposes_12_months(world):
    sales, customer, photoshop, _ = world
    with time_machine.travel(date(2024, 1, 10), tick=False):
        pa = create_pa(sales, customer, (photoshop, 5))
    with time_machine.travel(date(2024, 1, 20), tick=False):
        placed, created = order(sales, pa, on=date(2024, 1, 16))

    customer.refresh_from_db()
    pa.refresh_from_db()
    assert created and pa.status == "ordered"
    assert customer.anniversary_date == date(2025, 1, 16)
    assert placed.duration_months_proposed == 12 and placed.duration_months is None


def test_29_february_first_order(world):
    sales, customer, photoshop, _ = world
    with time_machine.travel(date(2024, 2, 29), tick=False):
        order(sales, create_pa(sales, customer, (photoshop, 1)))
    customer.refresh_from_db()
    assert (customer.anniversary_date, customer.anniversary_day) == (date(2025, 2, 28), 29)


def test_later_orders_are_co_termed_to_the_anniversary(world):
    sales, customer, photoshop, acrobat = world
    with time_machine.travel(date(2024, 1, 16), tick=False):
        order(sales, create_pa(sales, customer, (photoshop, 5)), number="A")
    with time_machine.travel(date(2024, 11, 17), tick=False):
        later, _ = order(sales, create_pa(sales, customer, (acrobat, 2)), number="B")
    customer.refresh_from_db()
    assert later.duration_months_proposed == 2
    assert customer.anniversary_date == date(2025, 1, 16)  # only the first order sets it


def test_duration_is_confirmed_or_changed_within_1_to_12_and_both_are_kept(world):
    sales, customer, photoshop, _ = world
    placed, _ = order(sales, create_pa(sales, customer, (photoshop, 5)))

    services.order_set_duration(order=placed, months=11, actor=sales)
    with pytest.raises(DomainError):
        services.order_set_duration(order=placed, months=13, actor=sales)

    placed.refresh_from_db()
    assert (placed.duration_months_proposed, placed.duration_months) == (12, 11)
    event = customer.events.get(kind=CustomerEvent.Kind.DURATION_SET)
    assert event.parameters == {"order_number": "LWS-1", "proposed": 12, "previous": None, "months": 11}


def test_order_intake_is_idempotent_and_refuses_conflicts(world):
    sales, customer, photoshop, acrobat = world
    pa = create_pa(sales, customer, (photoshop, 5))
    first, created = order(sales, pa, number="LWS-9")
    again, created_again = order(sales, pa, number="LWS-9")

    assert created and not created_again and again.pk == first.pk
    with pytest.raises(DomainError) as conflict:
        order(sales, pa, number="LWS-9", lines=[OrderLineRequest(photoshop.sku_new, 6)])
    assert conflict.value.code == "order_number_conflict"
    with pytest.raises(DomainError) as second_order:
        order(sales, pa, number="LWS-10")
    assert second_order.value.code == "already_ordered"


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (lambda p, a: [OrderLineRequest(p.sku_new, 4)], "lines_mismatch"),
        (lambda p, a: [OrderLineRequest(p.sku_new, 5), OrderLineRequest(a.sku_new, 1)], "lines_mismatch"),
        (lambda p, a: [], "lines_mismatch"),
        (lambda p, a: [OrderLineRequest(p.sku_new, 5), OrderLineRequest(p.sku_new, 5)], "repeated_product"),
    ],
)
def test_order_lines_must_match_the_pa(world, lines, code):
    sales, customer, photoshop, acrobat = world
    pa = create_pa(sales, customer, (photoshop, 5))
    with pytest.raises(DomainError) as refused:
        order(sales, pa, lines=lines(photoshop, acrobat))
    assert refused.value.code == code
    pa.refresh_from_db()
    assert pa.status == "pending"


def test_unknown_and_withdrawn_pas_cannot_be_ordered(world):
    sales, customer, photoshop, _ = world
    pa = create_pa(sales, customer, (photoshop, 5))
    services.purchase_authorization_withdraw(purchase_authorization=pa, actor=sales)
    with pytest.raises(DomainError) as withdrawn:
        order(sales, pa)
    with pytest.raises(DomainError) as unknown:
        services.order_place(
            order_number="X",
            order_date=services.today(),
            pa_reference="PA99999999",
            lines=[],
            actor=ResellerAdminFactory(reseller=sales.reseller),
        )
    assert withdrawn.value.code == "withdrawn"
    assert unknown.value.code == "unknown_purchase_authorization"


@pytest.mark.parametrize(("days_after", "allowed"), [(0, True), (14, True), (15, False)])
def test_return_window(world, days_after, allowed):
    sales, customer, photoshop, _ = world
    with time_machine.travel(DAY0, tick=False):
        placed, _ = order(sales, create_pa(sales, customer, (photoshop, 5)))
    line = placed.lines.get()
    with time_machine.travel(DAY0 + timedelta(days=days_after), tick=False):
        if allowed:
            services.return_request(order=placed, order_line_ids=[line.pk], actor=sales)
            assert deployed(customer, photoshop) == 0
        else:
            with pytest.raises(DomainError) as refused:
                services.return_request(order=placed, order_line_ids=[line.pk], actor=sales)
            assert refused.value.code == "return_window_closed"
            assert deployed(customer, photoshop) == 5


def test_return_is_refused_while_users_hold_the_licences(world):
    sales, customer, photoshop, _ = world
    placed, _ = order(sales, create_pa(sales, customer, (photoshop, 5)))
    services.assignment_add(customer=customer, product=photoshop, email="ola@c.example", actor=sales)
    with pytest.raises(DomainError) as refused:
        services.return_request(order=placed, order_line_ids=[placed.lines.get().pk], actor=sales)
    assert "ola@c.example" in refused.value.message
    with pytest.raises(DomainError):
        services.return_request(order=placed, order_line_ids=[], actor=sales)


def test_a_line_is_returned_once(world):
    sales, customer, photoshop, _ = world
    placed, _ = order(sales, create_pa(sales, customer, (photoshop, 5)))
    line = placed.lines.get()
    services.return_request(order=placed, order_line_ids=[line.pk], actor=sales)
    with pytest.raises(DomainError) as again:
        services.return_request(order=placed, order_line_ids=[line.pk], actor=sales)
    assert again.value.code == "already_returned"


def test_assignments_never_exceed_deployed_licences(world):
    sales, customer, photoshop, _ = world
    create_pa(sales, customer, (photoshop, 1))
    services.assignment_add(customer=customer, product=photoshop, email="a@c.example", actor=sales)
    with pytest.raises(DomainError) as full:
        services.assignment_add(customer=customer, product=photoshop, email="b@c.example", actor=sales)
    with pytest.raises(DomainError) as twice:
        services.assignment_add(customer=customer, product=photoshop, email="A@c.example", actor=sales)
    assert (full.value.code, twice.value.code) == ("no_free_licence", "already_assigned")
