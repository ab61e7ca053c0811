"""Customers, invitations and VIP IDs through the service layer (domain.md: Customers and VIP IDs)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from customers import services, transitions
from customers.models import Customer, CustomerEvent, CustomerStatus
from notifications.models import OutboundEmail
from resellerconsole.errors import DomainError
from tests.factories import CustomerFactory, InvitedCustomerFactory, SalesFactory

pytestmark = pytest.mark.django_db
VIP_ID = re.compile(r"^[0-9A-F]{20}$")


def create(actor, **overrides):
    fields = {
        "reseller": actor.reseller,
        "actor": actor,
        "company_name": "Fjällmedia AB",
        "address_line1": "Storgatan 1",
        "postal_code": "111 22",
        "city": "Stockholm",
        "country": "SE",
        "market_segment": "commercial",
        "preferred_language": "en",
        "vip_admins": [services.VipAdminContact(name="Vera VIP", email="vera@fjallmedia.example")],
    }
    fields.update(overrides)
    return services.customer_create(**fields)


def test_create_saves_customer_admins_and_records_who():
    sales = SalesFactory()

    customer = create(sales)

    assert customer.status == CustomerStatus.NOT_INVITED
    assert customer.vip_id is None
    assert [(a.name, a.email) for a in customer.vip_admins.all()] == [("Vera VIP", "vera@fjallmedia.example")]
    event = customer.events.get()
    assert (event.kind, event.actor) == (CustomerEvent.Kind.CREATED, sales)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"company_name": "  "}, "company_name", "invalid"),
        ({"market_segment": "retail"}, "market_segment", "invalid"),
        ({"country": "XX"}, "country", "invalid"),
        ({"preferred_language": "de"}, "preferred_language", "invalid"),
        ({"vip_admins": []}, "vip_admins", "required"),
        ({"vip_admins": [services.VipAdminContact("A", "not-an-address")]}, "vip_admins", "invalid_email"),
        ({"vip_admins": [services.VipAdminContact("", "a@b.example")]}, "vip_admins", "required"),
        (
            {
                "vip_admins": [
                    services.VipAdminContact("A", "a@b.example"),
                    services.VipAdminContact("B", "A@b.example"),
                ]
            },
            "vip_admins",
            "duplicate_email",
        ),
    ],
)
def test_create_refuses_bad_input_at_its_field_and_changes_nothing(overrides, field, code):
    sales = SalesFactory()

    with pytest.raises(DomainError) as refused:
        create(sales, **overrides)

    assert refused.value.code == code
    assert field in refused.value.errors
    assert not Customer.objects.exists()


def test_duplicate_company_for_same_reseller_warns_until_confirmed():
    sales = SalesFactory()
    create(sales, company_name="Fjällmedia AB")

    with pytest.raises(DomainError) as warned:
        create(sales, company_name="fjällmedia ab")
    assert (warned.value.code, warned.value.field) == ("duplicate_company", "company_name")

    create(sales, company_name="fjällmedia ab", allow_duplicate=True)
    assert Customer.objects.count() == 2


def test_same_company_name_at_another_reseller_is_no_duplicate():
    create(SalesFactory(), company_name="Fjällmedia AB")
    create(SalesFactory(), company_name="Fjällmedia AB")
    assert Customer.objects.count() == 2


def test_send_invitation_issues_vip_id_at_once_and_queues_the_email(django_capture_on_commit_callbacks):
    sales = SalesFactory()
    customer = create(sales, preferred_language="sv")

    with django_capture_on_commit_callbacks(execute=True):
        customer = services.customer_send_invitation(customer=customer, actor=sales)

    customer.refresh_from_db()
    assert VIP_ID.match(customer.vip_id)
    assert customer.status == CustomerStatus.INVITATION_SENT
    assert customer.invitation_sent_at is not None
    email = OutboundEmail.objects.get(customer=customer)
    assert (email.state, email.recipients) == (OutboundEmail.State.SENT, ["vera@fjallmedia.example"])
    [message] = mail.outbox
    assert message.to == ["vera@fjallmedia.example"]
    assert customer.vip_id in message.body
    [link] = re.findall(r"http\S+/invitations/\S+/", message.body)
    assert services.customer_from_invitation_token(link.rstrip("/").rsplit("/", 1)[1]) == customer
    assert message.subject == "Fjällmedia AB har bjudits in till Value Incentive Plan"  # customer language
    assert message.alternatives[0][1] == "text/html"
    kinds = list(customer.events.values_list("kind", flat=True))
    assert CustomerEvent.Kind.INVITATION_SENT in kinds


def test_resend_keeps_the_vip_id_and_sends_again(django_capture_on_commit_callbacks):
    sales = SalesFactory()
    customer = create(sales)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.customer_send_invitation(customer=customer, actor=sales).vip_id
        second = services.customer_send_invitation(customer=customer, actor=sales, resend=True).vip_id

    assert first == second
    assert len(mail.outbox) == 2
    assert OutboundEmail.objects.filter(customer=customer).count() == 2
    assert customer.events.filter(kind=CustomerEvent.Kind.INVITATION_RESENT).count() == 1


def test_accepting_makes_the_customer_active_once():
    customer = InvitedCustomerFactory()
    token = services.invitation_token(customer.vip_admins.first())

    accepted = services.customer_accept_invitation(token=token)
    again = services.customer_accept_invitation(token=token)

    assert accepted.status == again.status == CustomerStatus.ACTIVE
    assert accepted.invitation_accepted_at == again.invitation_accepted_at
    assert customer.events.filter(kind=CustomerEvent.Kind.INVITATION_ACCEPTED).count() == 1


def test_resend_is_refused_after_acceptance():
    customer = InvitedCustomerFactory()
    services.customer_accept_invitation(token=services.invitation_token(customer.vip_admins.first()))

    with pytest.raises(DomainError) as refused:
        services.customer_send_invitation(
            customer=customer, actor=SalesFactory(reseller=customer.reseller), resend=True
        )
    assert refused.value.code == "invalid_transition"


def test_sending_twice_without_resend_is_refused_and_emails_once(django_capture_on_commit_callbacks):
    sales = SalesFactory()
    customer = create(sales)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_send_invitation(customer=customer, actor=sales)
        with pytest.raises(DomainError) as refused:
            services.customer_send_invitation(customer=customer, actor=sales)
    assert refused.value.code == "already_invited"
    assert len(mail.outbox) == 1


def test_forged_invitation_link_is_refused():
    customer = InvitedCustomerFactory()
    token = services.invitation_token(customer.vip_admins.first())

    with pytest.raises(DomainError) as refused:
        services.customer_accept_invitation(token=token[:-2] + "xx")
    assert refused.value.code == "invalid_token"
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.INVITATION_SENT


@pytest.mark.parametrize(("days_later", "accepted"), [(29, True), (30, True), (31, False)])
def test_invitation_link_is_valid_for_its_max_age(settings, days_later, accepted):
    settings.INVITATION_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        customer = InvitedCustomerFactory()
        token = services.invitation_token(customer.vip_admins.first())
        traveller.shift(timedelta(days=days_later) - timedelta(seconds=1))
        if accepted:
            assert services.customer_accept_invitation(token=token).status == CustomerStatus.ACTIVE
        else:
            with pytest.raises(DomainError) as refused:
                services.customer_accept_invitation(token=token)
            assert refused.value.code == "expired"


def test_vip_ids_are_unique_upper_hex():
    ids = {services.new_vip_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(VIP_ID.match(vip_id) for vip_id in ids)


def test_update_records_what_changed_and_refuses_the_vip_id():
    sales = SalesFactory()
    customer = create(sales)

    services.customer_update(customer=customer, actor=sales, city="Malmö", postal_code="111 22")
    with pytest.raises(DomainError) as refused:
        services.customer_update(customer=customer, actor=sales, vip_id="0" * 20)

    event = customer.events.filter(kind=CustomerEvent.Kind.UPDATED).get()
    assert event.parameters["changes"] == {"city": ["Stockholm", "Malmö"]}
    assert refused.value.field == "vip_id"


def test_status_changes_follow_the_transition_map():
    customer = CustomerFactory()
    with pytest.raises(DomainError) as refused:
        transitions.customer_status_change(customer=customer, to=CustomerStatus.ACTIVE, actor=None)
    assert refused.value.code == "invalid_transition"
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.NOT_INVITED
