"""Domain invariants under random sequences of service calls (hypothesis) and under parallel threads.

The state machine drives the domain only through the services, the same functions the console, the LWS order
intake and the daily jobs call; a refused action (`DomainError`) is an allowed outcome that must leave the
database untouched. After every step the invariants below are checked against the database, against a small
model the machine keeps, and against the customers' event history (every change has its audit row).

The same invariants are then checked after eight threads race on three shared customers (PostgreSQL), and the
defects both found are pinned by plain regression tests at the end.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, Phase, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from authorizations import dates
from authorizations import services as authorizations
from authorizations.models import (
    Order,
    OrderLine,
    PurchaseAuthorization,
    PurchaseAuthorizationLine,
    PurchaseAuthorizationStatus,
    ReturnAuthorization,
    ReturnLine,
)
from catalogue.models import Product
from customers import services as customers
from customers.models import CUSTOMER_STATUS_TRANSITIONS, Customer, CustomerEvent, CustomerStatus
from jobs.services import DAILY_JOBS, run_daily_jobs, run_job
from licences.models import Assignment, Holding
from notifications.models import OutboundEmail
from notifications.notices import RENEWAL_NOTICES, notice_span
from renewals import services as renewals
from renewals.models import Renewal, RenewalLine, RenewalRow
from resellerconsole.errors import DomainError
from tests.factories import ProductFactory, ResellerFactory, SalesFactory

LIVE = (CustomerStatus.INVITATION_SENT, CustomerStatus.ACTIVE, CustomerStatus.DELAYED)
#: name, licence type, segments, Education device licence. Index 0 is sold to everyone (hypothesis favours it).
CATALOGUE = (
    ("Acrobat Pro", "team", ("commercial", "education", "government"), False),
    ("Photoshop", "team", ("commercial", "government"), False),
    ("Creative Cloud", "enterprise", ("commercial", "education", "government"), False),
    ("Device Pack", "team", ("education",), True),
)
EMAILS = tuple(f"user{n}@customer.example" for n in range(4))
#: The jobs drawn one by one. The machine turns no auto-renewal on, so auto_renew_subscriptions alone would do
#: nothing here (it runs with "all"; tests/test_auto_renewal.py is its own); drawing it would only reshuffle the
#: derandomized examples away from the places the run must reach.
SINGLE_JOBS = [name for name in DAILY_JOBS if name != "auto_renew_subscriptions"]
#: Days relative to an anniversary where something starts or stops (notices, window, grace, removal).
ANNIVERSARY_OFFSETS = (-90, -31, -30, -1, 0, 1, 22, 23, 30, 31)
Event = CustomerEvent.Kind


# ---------------------------------------------------------------------------
# Invariants read from the database alone (the state machine and the thread stress share them)
# ---------------------------------------------------------------------------
def check_assigned_within_deployed() -> None:
    """deployed >= assigned for every customer and product; nobody holds a licence of a product not held."""
    deployed = {(h.customer_id, h.product_id): h.deployed for h in Holding.objects.all()}
    assigned = Counter(Assignment.objects.filter(released_at=None).values_list("customer_id", "product_id"))
    for key, count in assigned.items():
        assert count <= deployed.get(key, 0), f"{count} assigned > {deployed.get(key, 0)} deployed for {key}"
    assert all(quantity >= 0 for quantity in deployed.values())
    emails = Counter(
        (c, p, e.lower())
        for c, p, e in Assignment.objects.filter(released_at=None).values_list("customer_id", "product_id", "email")
    )
    assert max(emails.values(), default=1) == 1, "a user holds two licences of one product"


def check_delayed(on: date, *, deadline_run_on: date | None) -> None:
    """Delayed exactly while an overdue pending PA exists, for live accounts.

    Always: a Delayed account has a PA overdue today. Once the deadline job has run for a date L, every live
    account with a PA overdue on L (still pending) is Delayed; with L = today that is "exactly while".
    """
    pending: dict[int, list[date]] = defaultdict(list)
    for customer_id, deadline in PurchaseAuthorization.objects.filter(
        status=PurchaseAuthorizationStatus.PENDING
    ).values_list("customer_id", "order_deadline"):
        pending[customer_id].append(deadline)
    for pk, status in Customer.objects.filter(status__in=LIVE).values_list("pk", "status"):
        deadlines = pending.get(pk, [])
        if status == CustomerStatus.DELAYED:
            assert any(d < on for d in deadlines), f"customer {pk} is Delayed without an overdue PA on {on}"
        if deadline_run_on is not None and any(d < deadline_run_on for d in deadlines):
            assert status == CustomerStatus.DELAYED, f"customer {pk} ({status}) has a PA overdue on {deadline_run_on}"


def check_orders() -> None:
    """Each order references exactly one PA (its customer's, now Ordered) with the same products and quantities."""
    orders = list(Order.objects.select_related("purchase_authorization").prefetch_related("lines"))
    assert len({o.purchase_authorization_id for o in orders}) == len(orders)
    ordered = set(
        PurchaseAuthorization.objects.filter(status=PurchaseAuthorizationStatus.ORDERED).values_list("pk", flat=True)
    )
    assert ordered == {o.purchase_authorization_id for o in orders}
    active_lines: dict[int, dict[int, int]] = defaultdict(dict)
    for pa_id, product_id, quantity in PurchaseAuthorizationLine.objects.filter(removed_at=None).values_list(
        "purchase_authorization_id", "product_id", "quantity"
    ):
        active_lines[pa_id][product_id] = quantity
    for order in orders:
        pa = order.purchase_authorization
        assert pa.customer_id == order.customer_id
        assert order.order_date >= timezone.localdate(pa.deployed_at)
        assert {ln.product_id: ln.quantity for ln in order.lines.all()} == active_lines[pa.pk]
        assert 1 <= order.duration_months_proposed <= 12
    # A return line belongs to one order line, and each order line is returned at most once (OneToOne).
    for ra in ReturnAuthorization.objects.prefetch_related("lines__order_line"):
        assert {ln.order_line.order_id for ln in ra.lines.all()} == {ra.order_id}


def check_notices(on: date, *, notices_run_on: date | None) -> None:
    """Each notice at most once per (customer, kind, anniversary), only inside its span, and every due one exists
    once the notice job has run for today. Every Delayed account's staff heard of it once."""
    duplicates = (
        OutboundEmail.objects.filter(anniversary__isnull=False)
        .values("customer", "kind", "anniversary")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not list(duplicates)
    sent: set[tuple[int, str, date]] = set()
    for customer_id, kind, anniversary, created_at in OutboundEmail.objects.filter(
        kind__in=RENEWAL_NOTICES
    ).values_list("customer_id", "kind", "anniversary", "created_at"):
        assert anniversary is not None
        first, last = notice_span(kind)
        assert first <= (timezone.localdate(created_at) - anniversary).days <= last, f"{kind} sent outside its span"
        sent.add((customer_id, kind, anniversary))
    if notices_run_on == on:
        with_admins = set(Customer.objects.filter(vip_admins__isnull=False).values_list("pk", flat=True))
        for pk, anniversary in Customer.objects.filter(status__in=LIVE, anniversary_date__isnull=False).values_list(
            "pk", "anniversary_date"
        ):
            for kind in RENEWAL_NOTICES:
                first, last = notice_span(kind)
                if first <= (on - anniversary).days <= last and pk in with_admins:
                    assert (pk, kind, anniversary) in sent, f"{kind} due for customer {pk} but not sent"
    keys = set(
        OutboundEmail.objects.filter(kind=OutboundEmail.Kind.ACCOUNT_DELAYED).values_list("dedupe_key", flat=True)
    )
    for event in CustomerEvent.objects.filter(kind=Event.STATUS_CHANGED, parameters__to=CustomerStatus.DELAYED):
        if event.parameters.get("overdue"):  # an empty list is check_history's finding
            assert f"account_delayed:{event.customer_id}:{event.parameters['overdue'][0]}" in keys


def check_history() -> None:
    """Replaying each customer's events gives its status, anniversary, deployed licences and assigned users."""
    current = dict(Customer.objects.values_list("pk", "status"))
    anniversaries = dict(Customer.objects.values_list("pk", "anniversary_date"))
    released_by_renewal = {
        (line.renewal.order_number, line.product.name): line.released_users
        for line in RenewalLine.objects.select_related("renewal", "product")
    }
    status: dict[int, str] = dict.fromkeys(current, CustomerStatus.NOT_INVITED)
    anniversary: dict[int, date | None] = dict.fromkeys(current)
    deployed: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    assigned: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for event in CustomerEvent.objects.order_by("pk"):
        pk, p = event.customer_id, event.parameters
        if event.kind == Event.STATUS_CHANGED:
            assert p["from"] == status[pk], f"customer {pk}: event from {p['from']}, but it was {status[pk]}"
            assert p["to"] in CUSTOMER_STATUS_TRANSITIONS[p["from"]], f"{p['from']} -> {p['to']} is not allowed"
            if p["to"] == CustomerStatus.DELAYED:
                assert p.get("overdue"), f"customer {pk} made Delayed without an overdue PA"
            status[pk] = p["to"]
        elif event.kind == Event.ORDER_PLACED:
            if "anniversary_date" in p:
                assert anniversary[pk] is None, "a later order changed the anniversary"
                assert p["anniversary_date"] == dates.first_anniversary(date.fromisoformat(p["order_date"])).isoformat()
                anniversary[pk] = date.fromisoformat(p["anniversary_date"])
            else:
                assert anniversary[pk] is not None, "the first order did not set the anniversary"
        elif event.kind == Event.RENEWED:
            assert p["anniversary_before"] == anniversary[pk].isoformat()
            anniversary[pk] = date.fromisoformat(p["anniversary_after"])
            for line in p["lines"]:
                assert deployed[pk][line["product"]] == line["before"]
                deployed[pk][line["product"]] = line["after"]
                for email in released_by_renewal[(p["order_number"], line["product"])]:
                    assigned[pk].remove((line["product"], email))
        elif event.kind == Event.PA_CREATED:
            for line in p["lines"]:
                deployed[pk][line["product"]] += line["quantity"]
        elif event.kind in (Event.PA_WITHDRAWN, Event.PA_PRODUCTS_REMOVED, Event.RETURN_REQUESTED):
            for line in p["lines"]:
                deployed[pk][line["product"]] -= line["quantity"]
        elif event.kind == Event.ACCESS_REMOVED:
            held = {name: quantity for name, quantity in deployed[pk].items() if quantity}
            assert held == {line["product"]: line["quantity"] for line in p["lines"]}
            deployed[pk].clear()
            assigned[pk].clear()
        elif event.kind == Event.LICENSE_ASSIGNED:
            assigned[pk].add((p["product"], p["email"]))
        elif event.kind == Event.LICENSE_RELEASED:
            assigned[pk].remove((p["product"], p["email"]))
    assert status == current
    assert anniversary == anniversaries
    holdings: dict[int, dict[str, int]] = defaultdict(dict)
    for customer_id, name, quantity in Holding.objects.filter(deployed__gt=0).values_list(
        "customer_id", "product__name", "deployed"
    ):
        holdings[customer_id][name] = quantity
    for pk in current:
        assert {n: q for n, q in deployed[pk].items() if q} == holdings[pk], f"customer {pk}: holdings vs history"
    active: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for customer_id, name, email in Assignment.objects.filter(released_at=None).values_list(
        "customer_id", "product__name", "email"
    ):
        active[customer_id].add((name, email))
    for pk in current:
        assert assigned[pk] == active[pk], f"customer {pk}: assignments vs history"


def check_all(on: date, *, deadline_run_on: date | None, notices_run_on: date | None) -> None:
    check_assigned_within_deployed()
    check_delayed(on, deadline_run_on=deadline_run_on)
    check_orders()
    check_notices(on, notices_run_on=notices_run_on)
    check_history()


def snapshot() -> dict[str, list]:
    """Every row the domain changes (job runs aside): compared before and after a refused or repeated action."""
    models = (
        Customer,
        CustomerEvent,
        Holding,
        Assignment,
        PurchaseAuthorization,
        PurchaseAuthorizationLine,
        Order,
        OrderLine,
        ReturnAuthorization,
        ReturnLine,
        Renewal,
        RenewalLine,
        RenewalRow,
        OutboundEmail,
    )
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}


def make_catalogue() -> list[Product]:
    return [
        ProductFactory(
            name=name,
            license_type=license_type,
            for_commercial="commercial" in segments,
            for_education="education" in segments,
            for_government="government" in segments,
            is_education_device_license=device,
        )
        for name, license_type, segments, device in CATALOGUE
    ]


def noon(day: date) -> datetime:
    """Midday in the configured time zone: whole days of travel never cross a date line, DST included."""
    return datetime.combine(day, time(12), tzinfo=timezone.get_default_timezone())


# ---------------------------------------------------------------------------
# (a) The state machine
# ---------------------------------------------------------------------------
@dataclass
class PaModel:
    customer: int
    created_on: date
    deadline: date
    lines: dict[int, int]
    status: str = PurchaseAuthorizationStatus.PENDING


@dataclass
class OrderModel:
    number: str
    customer: int
    pa: int
    order_date: date
    lines: dict[int, tuple[int, int]]  # product pk -> (order line pk, quantity)
    returned: set[int] = field(default_factory=set)


@dataclass
class CustomerModel:
    segment: str
    vip_id: str | None = None
    anniversary: date | None = None
    anniversary_day: int | None = None
    reinstated_for: date | None = None


#: Counts of what the machine did, across examples (printed with -s, for the report).
STATS: Counter = Counter()


def action(weight, *, when=None, **arguments):
    """Registers a machine method as an action: drawn `weight` times as often as a weight-1 action (a number, or a
    function of the machine), while `when` holds, with its arguments drawn from `arguments`.

    One hypothesis rule dispatches to the actions: with a rule per action, hypothesis's swarm testing switches
    most of them off in each example, and a licence's life (PA, order, a year, renewal) rarely happened."""

    def register(function):
        function.action = (weight, when or (lambda machine: True), arguments)
        return function

    return register


class LicenceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown: the next example starts from an empty domain.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.traveller = None
        self.ready = False
        STATS["examples"] += 1

    def teardown(self) -> None:
        if self.traveller is not None:
            self.traveller.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- set-up ---------------------------------------------------------------------------------------------
    @initialize(
        start=st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 12, 31)),
        segment=st.sampled_from(["commercial", "education", "government"]),
        accepted=st.booleans(),
        licences=st.integers(1, 6),
        ordered=st.booleans(),
    )
    def start(self, start: date, segment: str, accepted: bool, licences: int, ordered: bool) -> None:
        """A reseller, the catalogue and, through the services, one invited customer with a PA (ordered or not),
        on a random first day: the steps then start where the licences' life does."""
        self.today = start
        self.traveller = time_machine.travel(noon(start), tick=False)
        self.coordinates = self.traveller.start()
        self.sales = SalesFactory(reseller=ResellerFactory())
        self.lws = User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE)
        self.products = make_catalogue()
        self.model: dict[int, CustomerModel] = {}
        self.pa_model: dict[int, PaModel] = {}
        self.order_model: dict[int, OrderModel] = {}
        self.deployed: Counter = Counter()  # (customer, product) -> licences deployed
        self.active: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)  # -> [(assignment, email)]
        self.assignments: list[int] = []
        self.numbers = itertools.count(1)
        self.deadline_run_on: date | None = None
        self.jobs_run_on: date | None = None  # the daily jobs are likelier while they have not run today
        self.notices_run_on: date | None = None
        self.ready = True
        self.create_customer(segment=segment, admins=1)
        pk = next(iter(self.model))
        self.account(action="send invitation", customer=pk)
        if accepted:
            self.account(action="accept invitation", customer=pk)
        self.create_pa(pick=0, license_type="of the first product", lines=[(0, licences)], offered_products=1)
        if ordered:
            self.place_order(pick=0, anywhere=False, days_back=0, variant="exact")

    # -- helpers ---------------------------------------------------------------------------------------------
    def attempt(self, operation: str, action, *, expected: bool | None = None):
        """Run a service call; a refusal must leave every row as it was. `expected` is the model's prediction."""
        before = snapshot()
        STATS["service calls"] += 1
        try:
            result = action()
        except DomainError as error:
            STATS[f"{operation}: refused ({error.code})"] += 1
            assert snapshot() == before, f"{operation} was refused ({error.code}) but changed rows"
            assert expected is not True, f"{operation} was refused ({error.code}: {error.message})"
            return None
        STATS[f"{operation}: done"] += 1
        assert expected is not False, f"{operation} succeeded where the model expected a refusal"
        return result

    @staticmethod
    def pick(candidates: list[int], index: int) -> int:
        return candidates[index % len(candidates)]

    def pending_pas(self, anywhere: bool) -> list[int]:
        """Pending PAs first (where the action can succeed); with `anywhere`, any PA."""
        pending = [pk for pk, pa in self.pa_model.items() if pa.status == PurchaseAuthorizationStatus.PENDING]
        return pending if pending and not anywhere else list(self.pa_model)

    def in_renewal_window(self) -> list[int]:
        opens, grace = settings.RENEWAL_WINDOW_OPENS_DAYS, settings.RENEWAL_GRACE_DAYS
        return [
            pk for pk, c in self.model.items() if c.anniversary and -opens <= (self.today - c.anniversary).days <= grace
        ]

    def has_pending(self, *, lines: int = 1) -> bool:
        return any(
            pa.status == PurchaseAuthorizationStatus.PENDING and len(pa.lines) >= lines for pa in self.pa_model.values()
        )

    def returnable(self) -> list[int]:
        window = timedelta(days=settings.RETURN_WINDOW_DAYS)
        return [pk for pk, o in self.order_model.items() if self.today <= o.order_date + window]

    def customer(self, pk: int) -> Customer:
        return Customer.objects.get(pk=pk)

    def overdue(self, customer: int) -> bool:
        return any(
            pa.customer == customer and pa.status == PurchaseAuthorizationStatus.PENDING and pa.deadline < self.today
            for pa in self.pa_model.values()
        )

    def assigned(self, customer: int, product: int) -> int:
        return len(self.active[(customer, product)])

    def releasable(self, customer: int, releases: dict[int, int]) -> bool:
        """domain.md: releasing q of P requires assigned(P) <= deployed(P) - q."""
        return all(self.assigned(customer, p) <= self.deployed[(customer, p)] - q for p, q in releases.items())

    def travel_to(self, day: date) -> None:
        self.coordinates.shift(timedelta(days=(day - self.today).days))
        self.today = day
        assert timezone.localdate() == day

    def after_job(self, name: str, counts: dict, expired: set[int] | None = None) -> None:
        for key, number in counts.items():
            STATS[f"{name}: {key}"] += number if isinstance(number, int) else 0
        if name == "enforce_order_deadlines":
            self.deadline_run_on = self.today
        elif name == "send_renewal_notices":
            self.notices_run_on = self.today
        elif name == "remove_expired_access":
            for customer, product in list(self.deployed):
                if customer in expired:
                    self.deployed[(customer, product)] = 0
                    self.active[(customer, product)] = []
            # The removal withdraws the lapsed customers' pending PAs (their licences are no longer deployed).
            for pa in self.pa_model.values():
                if pa.customer in expired and pa.status == PurchaseAuthorizationStatus.PENDING:
                    pa.status = PurchaseAuthorizationStatus.WITHDRAWN
        elif name == "refresh_renewal_overview":
            self.check_overview()

    def expired(self) -> set[int]:
        """Who the removal job must pick today (the model's anniversaries, the database's statuses)."""
        limit = self.today - timedelta(days=settings.RENEWAL_GRACE_DAYS)
        statuses = dict(Customer.objects.values_list("pk", "status"))
        return {
            pk
            for pk, c in self.model.items()
            if statuses[pk] in LIVE and c.anniversary and c.anniversary < limit and c.reinstated_for != c.anniversary
        }

    def check_overview(self) -> None:
        """Right after the refresh: every due customer's held licences are in the overview, at their quantity."""
        for pk, c in self.model.items():
            if c.anniversary is None or self.customer(pk).status not in LIVE:
                continue
            days = (c.anniversary - self.today).days
            if not -settings.RENEWAL_GRACE_DAYS <= days <= settings.RENEWAL_OVERVIEW_DAYS:
                continue
            rows = {
                r.product_id: r.quantity_held
                for r in RenewalRow.objects.filter(customer_id=pk, anniversary_date=c.anniversary)
            }
            for product in self.products:
                held = self.deployed[(pk, product.pk)]
                if held:
                    assert rows.get(product.pk) == held, f"overview of customer {pk}: {product.name}"

    def run_one_job(self, name: str) -> None:
        expired = self.expired() if name == "remove_expired_access" else None
        counts = self.attempt(name, lambda: run_job(name, on=self.today), expected=True)
        if name == "remove_expired_access":
            assert counts["removed"] == len(expired)
        self.after_job(name, counts, expired)

    # -- customers -------------------------------------------------------------------------------------------
    @action(
        1,
        when=lambda self: len(self.model) < 3,
        segment=st.sampled_from(["commercial", "education", "government"]),
        admins=st.sampled_from([1, 2, 0]),
    )
    def create_customer(self, segment: str, admins: int):
        number = next(self.numbers)
        customer = self.attempt(
            "create customer",
            lambda: customers.customer_create(
                reseller=self.sales.reseller,
                actor=self.sales,
                company_name=f"Kund {number} AB",
                address_line1="Storgatan 1",
                postal_code="111 22",
                city="Stockholm",
                country="SE",
                market_segment=segment,
                vip_admins=[
                    customers.VipAdminContact(f"Admin {n}", f"admin{n}@kund{number}.example") for n in range(admins)
                ],
            ),
            expected=admins > 0,
        )
        if customer is not None:
            self.model[customer.pk] = CustomerModel(segment=segment)

    @action(
        2,
        action=st.sampled_from(["send invitation", "accept invitation", "reinstate", "resend invitation"]),
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
    )
    def account(self, action: str, pick: int = 0, anywhere: bool = False, customer: int | None = None) -> None:
        if customer is None:
            wanted = {
                "send invitation": [CustomerStatus.NOT_INVITED],
                "resend invitation": [CustomerStatus.INVITATION_SENT],
                "accept invitation": [CustomerStatus.INVITATION_SENT, CustomerStatus.DELAYED],
                "reinstate": [CustomerStatus.INACTIVE],
            }[action]
            fitting = list(Customer.objects.filter(status__in=wanted).values_list("pk", flat=True))
            customer = self.pick(fitting if fitting and not anywhere else list(self.model), pick)
        c, model = self.customer(customer), self.model[customer]
        if action in ("send invitation", "resend invitation"):
            done = self.attempt(
                action,
                lambda: customers.customer_send_invitation(
                    customer=c, actor=self.sales, resend=action == "resend invitation"
                ),
                expected=True if c.status == CustomerStatus.NOT_INVITED else None,
            )
            if done is not None:
                assert model.vip_id in (None, done.vip_id), "resending changed the VIP ID"
                model.vip_id = done.vip_id
        elif action == "accept invitation":
            if model.vip_id is None:
                return  # there is no invitation link before the VIP ID is issued
            token = customers.invitation_token(c.vip_admins.first())
            self.attempt(action, lambda: customers.customer_accept_invitation(token=token), expected=True)
        else:
            done = self.attempt(
                action,
                lambda: renewals.customer_reinstate(customer=c, actor=self.sales),
                expected=c.status == CustomerStatus.INACTIVE,
            )
            if done is not None:
                model.reinstated_for = model.anniversary

    @action(
        3, when=lambda self: Customer.objects.filter(status=CustomerStatus.INACTIVE).exists(), pick=st.integers(0, 7)
    )
    def reinstate(self, pick: int) -> None:
        """The reseller reinstates an account that lost access (the late renewal may follow)."""
        self.account(action="reinstate", pick=pick)

    # -- purchase authorizations -----------------------------------------------------------------------------
    @action(
        4,
        pick=st.integers(0, 7),
        license_type=st.sampled_from(["of the first product", "team", "enterprise"]),
        lines=st.lists(st.tuples(st.sampled_from(range(len(CATALOGUE))), st.integers(1, 6)), min_size=1, max_size=3),
        offered_products=st.integers(0, 3),
    )
    def create_pa(self, pick: int, license_type: str, lines: list[tuple[int, int]], offered_products: int) -> None:
        """With `offered_products` 0 the lines are as drawn (often refused); otherwise the reseller picks that many
        products from what the dialog offers this customer, each once, with the drawn quantities."""
        customer = self.pick(list(self.model), pick)
        c = self.customer(customer)
        requested = [(self.products[index], quantity) for index, quantity in lines]
        if license_type == "of the first product":
            license_type = requested[0][0].license_type

        def valid(product: Product) -> bool:
            return (
                product.license_type == license_type
                and product.sold_to(c.market_segment)
                and not product.is_education_device_license
            )

        offered = [p for p in self.products if valid(p)]
        if offered_products and offered:
            quantities = itertools.cycle([quantity for _index, quantity in lines])
            first = lines[0][0]
            requested = [
                (offered[(first + n) % len(offered)], next(quantities))
                for n in range(min(offered_products, len(offered)))
            ]
        valid_lines = len({p.pk for p, _q in requested}) == len(requested) and all(valid(p) for p, _q in requested)
        open_account = c.status in (CustomerStatus.INVITATION_SENT, CustomerStatus.ACTIVE) and not self.overdue(
            customer
        )
        pa = self.attempt(
            "create PA",
            lambda: authorizations.purchase_authorization_create(
                customer=c,
                license_type=license_type,
                lines=[authorizations.LineRequest(p, q) for p, q in requested],
                po_number=f"PO-{customer}/{len(self.pa_model)}",
                actor=self.sales,
            ),
            expected=valid_lines and open_account,
        )
        if pa is None:
            return
        assert pa.order_deadline == self.today + timedelta(days=settings.PA_ORDER_DEADLINE_DAYS)
        self.pa_model[pa.pk] = PaModel(customer, self.today, pa.order_deadline, {p.pk: q for p, q in requested})
        for p, q in requested:
            self.deployed[(customer, p.pk)] += q

    @action(
        # Removing products can succeed only on a pending PA of several lines, which access removal now withdraws
        # too: such a PA makes the action likelier, or the machine would hardly ever see a removal succeed.
        lambda self: (8 if self.has_pending(lines=2) else 3) if self.has_pending() else 1,
        when=lambda self: bool(self.pa_model),
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
        action=st.sampled_from(["withdraw", "remove products"]),
        indexes=st.sets(st.sampled_from(range(len(CATALOGUE))), min_size=1, max_size=2),
    )
    def undo_pa(self, pick: int, anywhere: bool, action: str, indexes: set[int]) -> None:
        candidates = self.pending_pas(anywhere)
        if action == "remove products" and not anywhere:
            candidates = [
                pk
                for pk in candidates
                if len(self.pa_model[pk].lines) > 1 and self.pa_model[pk].status == PurchaseAuthorizationStatus.PENDING
            ] or candidates
        pa = self.pick(candidates, pick)
        model = self.pa_model[pa]
        pending = model.status == PurchaseAuthorizationStatus.PENDING
        if action == "withdraw":
            releases = dict(model.lines)
            expected = pending and self.releasable(model.customer, releases)
            done = self.attempt(
                "withdraw PA",
                lambda: authorizations.purchase_authorization_withdraw(
                    purchase_authorization=PurchaseAuthorization.objects.get(pk=pa), actor=self.sales
                ),
                expected=expected,
            )
        else:
            ids = {self.products[i].pk for i in indexes}
            if not anywhere:  # one of the PA's products, as the console offers them
                ids = {list(model.lines)[min(indexes) % len(model.lines)]}
            releases = {p: q for p, q in model.lines.items() if p in ids}
            expected = (
                pending
                and ids <= set(model.lines)
                and len(ids) < len(model.lines)
                and self.releasable(model.customer, releases)
            )
            done = self.attempt(
                "remove products",
                lambda: authorizations.purchase_authorization_remove_products(
                    purchase_authorization=PurchaseAuthorization.objects.get(pk=pa), product_ids=ids, actor=self.sales
                ),
                expected=expected,
            )
        if done is None:
            return
        for p, q in releases.items():
            self.deployed[(model.customer, p)] -= q
        if action == "withdraw":
            model.status = PurchaseAuthorizationStatus.WITHDRAWN
        else:
            model.lines = {p: q for p, q in model.lines.items() if p not in releases}

    # -- orders and returns ----------------------------------------------------------------------------------
    @action(
        lambda self: 4 if self.has_pending() else 1,
        when=lambda self: bool(self.pa_model),
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
        days_back=st.sampled_from([0, 1, 3]),
        variant=st.sampled_from(["exact", "replay", "other quantity"]),
    )
    def place_order(self, pick: int, anywhere: bool, days_back: int, variant: str) -> None:
        """The LWS order intake's service: an order that references the PA and repeats its lines."""
        pa = self.pick(self.pending_pas(anywhere and variant != "replay"), pick)
        if variant == "replay":
            pa = self.pick([o.pa for o in self.order_model.values()] or [pa], pick)
        model = self.pa_model[pa]
        order_date = max(self.today - timedelta(days=days_back), model.created_on)
        reference = PurchaseAuthorization.objects.get(pk=pa).reference
        previous = next((pk for pk, o in self.order_model.items() if o.pa == pa), None)
        if variant == "replay" and previous is not None:
            # The LWS retries the order it sent: the same number and content returns the first order.
            first = self.order_model[previous]
            number, order_date = first.number, first.order_date
            lines = [(self.product(p).sku_new, q) for p, (_line, q) in first.lines.items()]
            operation, expected = "replay order", True
        else:
            number = f"LWS-{next(self.numbers)}"
            lines = [(self.product(p).sku_new, q) for p, q in model.lines.items()]
            if variant == "other quantity":
                lines[0] = (lines[0][0], lines[0][1] + 1)
            operation = "place order"
            expected = (
                model.status == PurchaseAuthorizationStatus.PENDING
                and order_date >= model.created_on
                and variant != "other quantity"
            )
        outcome = self.attempt(
            operation,
            lambda: authorizations.order_place(
                order_number=number,
                order_date=order_date,
                pa_reference=reference,
                lines=[authorizations.OrderLineRequest(sku, q) for sku, q in lines],
                actor=self.lws,
            ),
            expected=expected,
        )
        if outcome is None:
            return
        order, created = outcome
        if not created:
            assert order.pk == previous
            return
        model.status = PurchaseAuthorizationStatus.ORDERED
        self.order_model[order.pk] = OrderModel(
            number, model.customer, pa, order_date, {ln.product_id: (ln.pk, ln.quantity) for ln in order.lines.all()}
        )
        customer = self.model[model.customer]
        if customer.anniversary is None:
            customer.anniversary = dates.first_anniversary(order_date)
            customer.anniversary_day = order_date.day

    def product(self, pk: int) -> Product:
        return next(p for p in self.products if p.pk == pk)

    @action(
        lambda self: 3 if self.returnable() else 1,
        when=lambda self: bool(self.order_model),
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
        which=st.sets(st.sampled_from(range(len(CATALOGUE))), min_size=1, max_size=2),
    )
    def return_lines(self, pick: int, anywhere: bool, which: set[int]) -> None:
        returnable = self.returnable()
        order = self.pick(returnable if returnable and not anywhere else list(self.order_model), pick)
        model = self.order_model[order]
        on_order = [p for p in model.lines if self.products.index(self.product(p)) in which] or list(model.lines)[:1]
        line_ids = [model.lines[p][0] for p in on_order]
        releases = {p: model.lines[p][1] for p in on_order}
        expected = (
            model.order_date <= self.today <= model.order_date + timedelta(days=settings.RETURN_WINDOW_DAYS)
            and not (set(releases) & model.returned)
            and self.releasable(model.customer, releases)
        )
        done = self.attempt(
            "return",
            lambda: authorizations.return_request(
                order=Order.objects.get(pk=order), order_line_ids=line_ids, actor=self.sales
            ),
            expected=expected,
        )
        if done is not None:
            model.returned |= set(releases)
            for p, q in releases.items():
                self.deployed[(model.customer, p)] -= q

    # -- assignments -----------------------------------------------------------------------------------------
    @action(
        3,
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
        product=st.sampled_from(range(len(CATALOGUE))),
        email=st.sampled_from(EMAILS),
    )
    def assign(self, pick: int, anywhere: bool, product: int, email: str) -> None:
        holding = [c for c in self.model if any(self.deployed[(c, p.pk)] for p in self.products)]
        customer = self.pick(holding if holding and not anywhere else list(self.model), pick)
        held = [p for p in self.products if self.deployed[(customer, p.pk)]]
        p = self.products[product] if self.products[product] in held or not held else held[product % len(held)]
        holders = [e for _pk, e in self.active[(customer, p.pk)]]
        expected = email not in holders and len(holders) < self.deployed[(customer, p.pk)]
        assignment = self.attempt(
            "assign",
            lambda: authorizations.assignment_add(
                customer=self.customer(customer), product=p, email=email, actor=self.sales
            ),
            expected=expected,
        )
        if assignment is not None:
            self.active[(customer, p.pk)].append((assignment.pk, email))
            self.assignments.append(assignment.pk)

    @action(2, when=lambda self: bool(self.assignments), pick=st.integers(0, 7), anywhere=st.booleans())
    def unassign(self, pick: int, anywhere: bool) -> None:
        active = [pk for held in self.active.values() for pk, _e in held]
        # Now and then a licence released already (by a person, a renewal or the removal job): a no-op.
        assignment = self.pick(active if active and not anywhere else self.assignments, pick)
        row = Assignment.objects.get(pk=assignment)
        self.attempt(
            "unassign", lambda: authorizations.assignment_release(assignment=row, actor=self.sales), expected=True
        )
        key = (row.customer_id, row.product_id)
        self.active[key] = [(pk, e) for pk, e in self.active[key] if pk != assignment]

    # -- renewals --------------------------------------------------------------------------------------------
    @action(
        lambda self: 4 if self.in_renewal_window() else 1,
        when=lambda self: any(c.anniversary for c in self.model.values()),
        pick=st.integers(0, 7),
        anywhere=st.booleans(),
        quantities=st.lists(st.integers(0, 8), min_size=1, max_size=3),
        extra=st.sampled_from([False, False, False, True]),
        days_back=st.sampled_from([0, 2]),
    )
    def renew(self, pick: int, anywhere: bool, quantities: list[int], extra: bool, days_back: int) -> None:
        """A renewal order from the LWS: renewal SKUs of products held (with `extra`, one not held)."""
        dated = self.in_renewal_window() or [pk for pk, c in self.model.items() if c.anniversary]
        customer = self.pick(dated if dated and not anywhere else list(self.model), pick)
        c, model = self.customer(customer), self.model[customer]
        order_date = self.today - timedelta(days=days_back)
        held = [p for p in self.products if self.deployed[(customer, p.pk)]]
        requested = {p.pk: q for p, q in zip(held, quantities, strict=False)}
        if extra or not requested:
            requested.setdefault(self.products[len(quantities) % len(self.products)].pk, quantities[0])
        refused = c.status in (CustomerStatus.INACTIVE, CustomerStatus.NOT_INVITED) or model.anniversary is None
        if not refused:
            opens = model.anniversary - timedelta(days=settings.RENEWAL_WINDOW_OPENS_DAYS)
            closes = model.anniversary + timedelta(days=settings.RENEWAL_GRACE_DAYS)
            late = order_date > closes and model.reinstated_for == model.anniversary
            refused = not (opens <= order_date <= closes or late)
        held_before = {p.pk: self.deployed[(customer, p.pk)] for p in self.products}
        outcome = self.attempt(
            "renew",
            lambda: renewals.renewal_place(
                order_number=f"REN-{next(self.numbers)}",
                order_date=order_date,
                vip_id=c.vip_id or "",
                lines=[renewals.RenewalLineRequest(self.product(p).sku_renewal, q) for p, q in requested.items()],
                actor=self.lws,
            ),
            expected=False if refused else None,
        )
        if outcome is None:
            return
        renewal, created = outcome
        assert created
        assert renewal.anniversary_before == model.anniversary
        model.anniversary = dates.next_anniversary(model.anniversary, original_day=model.anniversary_day)
        lines = {ln.product_id: ln for ln in renewal.lines.all()}
        assert set(requested) <= set(lines)
        assert {p for p, q in held_before.items() if q} <= set(lines), "a held product was left out of the renewal"
        for p, line in lines.items():
            assert line.quantity_before == held_before[p]
            assert line.quantity_after == requested.get(p, 0)
            active = self.active[(customer, p)]
            # The most recently assigned users lose access first.
            losing = [e for _pk, e in reversed(active)][: max(0, len(active) - line.quantity_after)]
            assert line.released_users == losing
            self.active[(customer, p)] = [(pk, e) for pk, e in active if e not in losing]
            self.deployed[(customer, p)] = line.quantity_after

    # -- time and jobs ---------------------------------------------------------------------------------------
    @action(3, days=st.integers(1, 40))
    def advance_days(self, days: int) -> None:
        STATS["advance days"] += 1
        self.travel_to(self.today + timedelta(days=days))

    @action(
        3,
        when=lambda self: any(c.anniversary for c in self.model.values()),
        near=st.sampled_from(ANNIVERSARY_OFFSETS),
        then_jobs=st.booleans(),
    )
    def travel_near_anniversary(self, near: int, then_jobs: bool) -> None:
        """Renewals need a year to pass: jump to the next day where a notice, the renewal window or the grace
        period turns for a customer (or a day on, when all those days have passed); maybe run that day's jobs."""
        upcoming = sorted(
            c.anniversary + timedelta(days=near)
            for c in self.model.values()
            if c.anniversary and c.anniversary + timedelta(days=near) > self.today
        )
        STATS["travel near an anniversary"] += 1
        self.travel_to(upcoming[0] if upcoming else self.today + timedelta(days=1))
        if then_jobs:
            self.daily_job(name="all", mode="once")

    @action(
        lambda self: 2 if self.jobs_run_on == self.today else 6,
        name=st.sampled_from(["all", *SINGLE_JOBS]),
        mode=st.sampled_from(["once", "twice", "dry run"]),
    )
    def daily_job(self, name: str, mode: str) -> None:
        self.jobs_run_on = self.today
        names = list(DAILY_JOBS) if name == "all" else [name]
        if mode == "dry run":
            before = snapshot()
            for job in names:
                self.attempt(
                    f"{job} (dry run)", lambda job=job: run_job(job, on=self.today, dry_run=True), expected=True
                )
            assert snapshot() == before, f"a dry run of {name} changed rows"
            return
        if name == "all":
            expired = self.expired()
            counts = self.attempt("all daily jobs", lambda: run_daily_jobs(on=self.today), expected=True)
            assert counts["remove_expired_access"]["removed"] == len(expired)
            for job in names:
                self.after_job(job, counts[job], expired)
        else:
            self.run_one_job(name)
        if mode == "twice":
            before = snapshot()
            for job in names:
                self.attempt(f"{job} (again)", lambda job=job: run_job(job, on=self.today), expected=True)
            assert snapshot() == before, f"running {name} twice on {self.today} changed rows"

    # -- the one rule ----------------------------------------------------------------------------------------
    @precondition(lambda self: self.ready)
    @rule(data=st.data())
    def step(self, data) -> None:
        actions = {name: f.action for name, f in vars(type(self)).items() if hasattr(f, "action")}
        available = [
            (name, weight(self) if callable(weight) else weight)
            for name, (weight, when, _a) in actions.items()
            if when(self)
        ]
        # Drawn through a seed: hypothesis's own choice of a list element leans heavily on the first ones.
        seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        [name] = random.Random(seed).choices([n for n, _w in available], weights=[w for _n, w in available])
        arguments = {key: data.draw(strategy, label=key) for key, strategy in actions[name][2].items()}
        note(f"{self.today}: {name}({arguments})")
        STATS["steps"] += 1
        getattr(self, name)(**arguments)

    # -- invariants ------------------------------------------------------------------------------------------
    @invariant()
    def domain_invariants(self) -> None:
        if not self.ready:
            return
        STATS["states checked"] += 1
        check_all(self.today, deadline_run_on=self.deadline_run_on, notices_run_on=self.notices_run_on)

    @invariant()
    def matches_the_model(self) -> None:
        if not self.ready:
            return
        for holding in Holding.objects.all():
            assert holding.deployed == self.deployed[(holding.customer_id, holding.product_id)]
        assert sum(self.deployed.values()) == sum(h.deployed for h in Holding.objects.all())
        active = {(a.customer_id, a.product_id, a.pk, a.email) for a in Assignment.objects.filter(released_at=None)}
        assert active == {(c, p, pk, e) for (c, p), held in self.active.items() for pk, e in held}
        assert dict(PurchaseAuthorization.objects.values_list("pk", "status")) == {
            pk: pa.status for pk, pa in self.pa_model.items()
        }
        assert set(Order.objects.values_list("pk", flat=True)) == set(self.order_model)
        for pk, vip_id, anniversary, day in Customer.objects.values_list(
            "pk", "vip_id", "anniversary_date", "anniversary_day"
        ):
            model = self.model[pk]
            assert (vip_id, anniversary) == (model.vip_id, model.anniversary), f"customer {pk}"
            assert day == model.anniversary_day


# A failure is shrunk for up to five minutes (hypothesis's own limit) before it is reported.
@pytest.mark.timeout(600)
@pytest.mark.django_db
def test_random_service_sequences_keep_the_invariants():
    STATS.clear()
    run_state_machine_as_test(
        LicenceMachine,
        settings=hypothesis_settings(
            max_examples=50,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            # No "explain" phase: tracing every line of a failing example through the ORM takes minutes.
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        ),
    )
    print("\nstate machine:", dict(sorted(STATS.items())))  # the figures for the report (-s)
    # The machine reached the interesting places, not only refusals (derandomized: the same ones every run).
    reached = (
        "create PA: done",
        "withdraw PA: done",
        "remove products: done",
        "place order: done",
        "replay order: done",
        "return: done",
        "assign: done",
        "unassign: done",
        "renew: done",
        "reinstate: done",
        "enforce_order_deadlines: delayed",
        "remove_expired_access: removed",
        "send_renewal_notices: renewal_overdue",
    )
    assert [operation for operation in reached if not STATS[operation]] == []


# ---------------------------------------------------------------------------
# (b) Threads on PostgreSQL
# ---------------------------------------------------------------------------
THREADS = 8
OPERATIONS_PER_THREAD = 10  # per phase; four phases


class Stress:
    """Random transitions on three shared customers, from many threads, each with its own connection."""

    def __init__(self, products: list[Product], sales: User, lws: User, customer_ids: list[int]) -> None:
        self.products = [p for p in products if p.license_type == "team" and not p.is_education_device_license]
        self.sales, self.lws, self.customer_ids = sales, lws, customer_ids
        self.outcomes: Counter = Counter()
        self.unexpected: list[BaseException] = []
        self.lock = threading.Lock()

    def count(self, key: str) -> None:
        with self.lock:
            self.outcomes[key] += 1

    def run_phase(self, phase: int, operations: list[str]) -> None:
        barrier = threading.Barrier(THREADS)

        def worker(index: int) -> None:
            rng = random.Random(phase * 100 + index)
            try:
                barrier.wait()
                for _n in range(OPERATIONS_PER_THREAD):
                    # All threads start at once with the phase's first operations: the likeliest collisions.
                    operation = operations[index % len(operations)] if _n == 0 else rng.choice(operations)
                    try:
                        getattr(self, operation)(rng, f"{phase}-{index}-{_n}")
                        self.count(f"{operation}: done")
                    except DomainError as error:
                        self.count(f"{operation}: refused ({error.code})")
                    except OperationalError as error:
                        # Blocking row locks queue the threads; a lock conflict would surface here.
                        self.count(f"{operation}: lock conflict")
                        with self.lock:
                            self.unexpected.append(error)
                    self.count("transitions")
            except BaseException as error:  # collected for the assertion in the test's thread
                with self.lock:
                    self.unexpected.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not any(thread.is_alive() for thread in threads)

    # -- transitions -----------------------------------------------------------------------------------------
    def pending(self, rng: random.Random) -> PurchaseAuthorization | None:
        pas = list(PurchaseAuthorization.objects.filter(status=PurchaseAuthorizationStatus.PENDING).order_by("pk"))
        return rng.choice(pas) if pas else None

    def create_pa(self, rng: random.Random, tag: str) -> None:
        products = rng.sample(self.products, rng.randint(1, len(self.products)))
        authorizations.purchase_authorization_create(
            customer=Customer.objects.get(pk=rng.choice(self.customer_ids)),
            license_type="team",
            lines=[authorizations.LineRequest(p, rng.randint(1, 4)) for p in products],
            actor=self.sales,
        )

    def place_order(self, rng: random.Random, tag: str, pa: PurchaseAuthorization | None = None) -> None:
        pa = pa or self.pending(rng) or rng.choice(list(PurchaseAuthorization.objects.all()))
        lines = [
            authorizations.OrderLineRequest(ln.product.sku_new, ln.quantity)
            for ln in pa.lines.filter(removed_at=None).select_related("product")
        ]
        # Half the threads send the LWS's canonical number (retries of one order), half a number of their own.
        number = f"LWS-{pa.reference}" if rng.random() < 0.5 else f"LWS-{tag}"
        authorizations.order_place(
            order_number=number,
            order_date=timezone.localdate(),
            pa_reference=pa.reference,
            lines=lines,
            actor=self.lws,
        )

    def withdraw(self, rng: random.Random, tag: str) -> None:
        pa = self.pending(rng)
        if pa is not None:
            authorizations.purchase_authorization_withdraw(purchase_authorization=pa, actor=self.sales)

    def remove_products(self, rng: random.Random, tag: str) -> None:
        pa = self.pending(rng)
        if pa is not None:
            lines = list(pa.lines.filter(removed_at=None))
            authorizations.purchase_authorization_remove_products(
                purchase_authorization=pa, product_ids=[rng.choice(lines).product_id], actor=self.sales
            )

    def assign(self, rng: random.Random, tag: str) -> None:
        authorizations.assignment_add(
            customer=Customer.objects.get(pk=rng.choice(self.customer_ids)),
            product=rng.choice(self.products),
            email=rng.choice(EMAILS),
            actor=self.sales,
        )

    def unassign(self, rng: random.Random, tag: str) -> None:
        active = list(Assignment.objects.filter(released_at=None).order_by("pk"))
        if active:
            authorizations.assignment_release(assignment=rng.choice(active), actor=self.sales)

    def return_line(self, rng: random.Random, tag: str) -> None:
        lines = list(OrderLine.objects.filter(return_line__isnull=True).select_related("order").order_by("pk"))
        if lines:
            line = rng.choice(lines)
            authorizations.return_request(order=line.order, order_line_ids=[line.pk], actor=self.sales)

    def renew(self, rng: random.Random, tag: str) -> None:
        # The first customer never renews: it lapses, loses access and may be reinstated while the jobs run.
        customer = Customer.objects.get(pk=rng.choice(self.customer_ids[1:]))
        held = Product.objects.filter(holding__customer=customer, holding__deployed__gt=0).order_by("pk")
        renewals.renewal_place(
            # Half the threads send the LWS's number for this customer's renewal (one order, retried in parallel).
            order_number=f"REN-{customer.pk}-{customer.anniversary_date}" if rng.random() < 0.5 else f"REN-{tag}",
            order_date=timezone.localdate(),
            vip_id=customer.vip_id,
            lines=[renewals.RenewalLineRequest(p.sku_renewal, rng.randint(0, 3)) for p in held or self.products[:1]],
            actor=self.lws,
        )

    def reinstate(self, rng: random.Random, tag: str) -> None:
        renewals.customer_reinstate(customer=Customer.objects.get(pk=rng.choice(self.customer_ids)), actor=self.sales)

    def deadline_job(self, rng: random.Random, tag: str) -> None:
        run_job("enforce_order_deadlines", on=timezone.localdate())

    def notice_job(self, rng: random.Random, tag: str) -> None:
        run_job("send_renewal_notices", on=timezone.localdate())

    def overview_job(self, rng: random.Random, tag: str) -> None:
        run_job("refresh_renewal_overview", on=timezone.localdate())

    def removal_job(self, rng: random.Random, tag: str) -> None:
        run_job("remove_expired_access", on=timezone.localdate())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_transitions_on_shared_customers_keep_the_invariants():
    day0 = date(2026, 3, 2)
    traveller = time_machine.travel(noon(day0), tick=False)
    coordinates = traveller.start()
    try:
        sales = SalesFactory()
        lws = User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE)
        products = make_catalogue()
        ids = []
        for n in range(3):
            customer = customers.customer_create(
                reseller=sales.reseller,
                actor=sales,
                company_name=f"Delad {n} AB",
                address_line1="Storgatan 1",
                postal_code="111 22",
                city="Stockholm",
                country="SE",
                market_segment="commercial",
                vip_admins=[customers.VipAdminContact("Vera", f"vera@delad{n}.example")],
            )
            customer = customers.customer_send_invitation(customer=customer, actor=sales)
            if n:
                customers.customer_accept_invitation(token=customers.invitation_token(customer.vip_admins.first()))
            ids.append(customer.pk)
        stress = Stress(products, sales, lws, ids)
        for customer_id in ids:
            for n in range(3):
                pa = authorizations.purchase_authorization_create(
                    customer=Customer.objects.get(pk=customer_id),
                    license_type="team",
                    lines=[authorizations.LineRequest(p, n + 2) for p in stress.products[: n % 2 + 1]],
                    actor=sales,
                )
                if n == 0:  # the first order sets the anniversary; the other two PAs will be overdue
                    stress.place_order(random.Random(0), f"setup-{customer_id}", pa=pa)

        everyday = ["create_pa", "place_order", "withdraw", "remove_products", "assign", "unassign", "return_line"]
        # Day 31: the set-up PAs are overdue; orders and withdrawals race the deadline job.
        coordinates.shift(timedelta(days=31))
        stress.run_phase(
            1, ["place_order", "deadline_job", "withdraw", "deadline_job", "place_order", "notice_job", *everyday]
        )
        check_all(timezone.localdate(), deadline_run_on=None, notices_run_on=None)
        run_job("enforce_order_deadlines", on=timezone.localdate())
        check_all(timezone.localdate(), deadline_run_on=timezone.localdate(), notices_run_on=None)
        # Ten days before the anniversaries, in the grace period, then after it: renewals race the jobs.
        anniversary = dates.first_anniversary(day0)
        assert set(Customer.objects.values_list("anniversary_date", flat=True)) == {anniversary}
        for phase, offset, operations in (
            (2, -10, [*everyday, "renew", "deadline_job", "notice_job", "overview_job"]),
            (3, 25, ["assign", "unassign", "renew", "notice_job", "notice_job", "overview_job", "deadline_job"]),
            (
                4,
                31,
                ["assign", "unassign", "renew", "reinstate", "removal_job", "removal_job", "notice_job", "place_order"],
            ),
        ):
            coordinates.shift(timedelta(days=(anniversary + timedelta(days=offset) - timezone.localdate()).days))
            stress.run_phase(phase, operations)
            check_all(timezone.localdate(), deadline_run_on=None, notices_run_on=None)
            run_job("enforce_order_deadlines", on=timezone.localdate())
            run_job("send_renewal_notices", on=timezone.localdate())
            check_all(timezone.localdate(), deadline_run_on=timezone.localdate(), notices_run_on=timezone.localdate())
    finally:
        traveller.stop()

    print("\nthread stress:", dict(sorted(stress.outcomes.items())))  # the figures for the report (-s)
    assert not stress.unexpected, stress.unexpected
    assert stress.outcomes["transitions"] == 4 * THREADS * OPERATIONS_PER_THREAD
    duplicates = (
        OutboundEmail.objects.filter(anniversary__isnull=False)
        .values("customer", "kind", "anniversary")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    assert OutboundEmail.objects.filter(kind__in=RENEWAL_NOTICES).exists(), "no notice was due: the phases missed"


# ---------------------------------------------------------------------------
# What the machine found, as plain regression tests
# ---------------------------------------------------------------------------
def _invited_customer(sales: User, *, accepted: bool) -> Customer:
    customer = customers.customer_create(
        reseller=sales.reseller,
        actor=sales,
        company_name="Regression AB",
        address_line1="Storgatan 1",
        postal_code="111 22",
        city="Stockholm",
        country="SE",
        market_segment="commercial",
        vip_admins=[customers.VipAdminContact("Vera", "vera@regression.example")],
    )
    customer = customers.customer_send_invitation(customer=customer, actor=sales)
    if accepted:
        customers.customer_accept_invitation(token=customers.invitation_token(customer.vip_admins.first()))
    return Customer.objects.get(pk=customer.pk)


def _world(day: date, *, accepted: bool):
    sales, lws = SalesFactory(), User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE)
    product = make_catalogue()[0]
    customer = _invited_customer(sales, accepted=accepted)
    pa = authorizations.purchase_authorization_create(
        customer=customer, license_type="team", lines=[authorizations.LineRequest(product, 2)], actor=sales
    )
    authorizations.order_place(
        order_number="LWS-1",
        order_date=day,
        pa_reference=pa.reference,
        lines=[authorizations.OrderLineRequest(product.sku_new, 2)],
        actor=lws,
    )
    return sales, product, Customer.objects.get(pk=customer.pk)


@pytest.mark.django_db
def test_an_invited_customer_that_never_accepted_can_lapse_to_inactive():
    day = date(2026, 3, 2)
    with time_machine.travel(noon(day), tick=False) as traveller:
        _sales, _product, customer = _world(day, accepted=False)
        lapsed = customer.anniversary_date + timedelta(days=settings.RENEWAL_GRACE_DAYS + 1)
        traveller.move_to(noon(lapsed))

        run_daily_jobs(on=lapsed)

        assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.INACTIVE
        check_all(lapsed, deadline_run_on=lapsed, notices_run_on=lapsed)  # invitation_sent -> inactive is allowed


@pytest.mark.django_db
def test_reinstating_an_account_whose_overdue_pa_the_removal_withdrew_makes_it_active():
    day = date(2026, 3, 2)
    with time_machine.travel(noon(day), tick=False) as traveller:
        sales, product, customer = _world(day, accepted=True)
        overdue = authorizations.purchase_authorization_create(
            customer=customer, license_type="team", lines=[authorizations.LineRequest(product, 1)], actor=sales
        )
        lapsed = customer.anniversary_date + timedelta(days=settings.RENEWAL_GRACE_DAYS + 1)
        traveller.move_to(noon(lapsed))
        run_daily_jobs(on=lapsed)
        assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.INACTIVE

        renewals.customer_reinstate(customer=customer, actor=sales)

        # The removal withdrew the overdue PA (its licences were no longer deployed): nothing keeps it Delayed.
        assert PurchaseAuthorization.objects.get(pk=overdue.pk).status == PurchaseAuthorizationStatus.WITHDRAWN
        assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.ACTIVE
        check_all(lapsed, deadline_run_on=lapsed, notices_run_on=lapsed)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_committed_while_the_deadline_sweep_waits_keeps_the_account_undelayed():
    """The sweep selects a customer with an overdue PA and waits for its row lock; meanwhile the PA is ordered.
    Once the lock is free, the customer must be skipped: it has no overdue PA any more."""
    day = date(2026, 3, 2)
    with time_machine.travel(noon(day), tick=False) as traveller:
        sales, lws = SalesFactory(), User.objects.create_user("lws", role=User.Role.LICENSING_WEBSITE)
        product = make_catalogue()[0]
        customer = _invited_customer(sales, accepted=True)
        pa = authorizations.purchase_authorization_create(
            customer=customer, license_type="team", lines=[authorizations.LineRequest(product, 2)], actor=sales
        )
        late = day + timedelta(days=settings.PA_ORDER_DEADLINE_DAYS + 1)
        traveller.move_to(noon(late))
        locked = threading.Event()
        outcomes: list = []

        def order_in_a_slow_transaction() -> None:
            try:
                with transaction.atomic():
                    authorizations.order_place(
                        order_number="LWS-SLOW",
                        order_date=late,
                        pa_reference=pa.reference,
                        lines=[authorizations.OrderLineRequest(product.sku_new, 2)],
                        actor=lws,
                    )
                    locked.set()
                    threading.Event().wait(1)  # the customer's row stays locked while the sweep queues behind it
            except Exception as error:  # collected for the assertion
                outcomes.append(error)
            finally:
                connections.close_all()

        def sweep() -> None:
            try:
                locked.wait(10)
                outcomes.append(authorizations.enforce_order_deadlines(on=late))
            except Exception as error:  # collected for the assertion
                outcomes.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=order_in_a_slow_transaction), threading.Thread(target=sweep)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert [type(o).__name__ for o in outcomes] == ["DeadlineSweep"], outcomes
        assert outcomes[0].delayed == []
        assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.ACTIVE
        check_all(late, deadline_run_on=late, notices_run_on=None)
