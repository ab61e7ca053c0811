"""Access matrix: every URL pattern of the project, requested as every kind of actor.

The patterns come from the URL resolver (console pages, /api/v1/, the customer-side admin console and every
Django admin URL), so a view added later is covered without editing this file. Each pattern's URL kwargs are
filled with tenant A's objects (reseller A, its customer, a purchase authorization, an order, a return, ...);
a kwarg this file cannot fill fails its tests and names the table to extend (PK_MEANING, KWARG_VALUES,
ADMIN_OBJECTS, ADMIN_SITE_KWARGS). A view answering GET with 405 is requested with an empty POST instead.

Intended actors must get the page; everyone else gets a login redirect, 401/403 or 404 — never a 5xx and
never a body (or Location) naming tenant A.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.test.client import ClientHandler
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.regex_helper import normalize
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.models import ApiTokenUse, Reseller, StaffEvent, User
from authorizations import services as authorization_services
from authorizations.models import Order, PendingCustomer, PurchaseAuthorization, ReturnAuthorization, ReturnLine
from catalogue.models import Product
from customers import services as customer_services
from customers.models import Customer, CustomerStatus
from jobs.models import JobRun
from licences.models import Assignment, Holding
from notifications.models import OutboundEmail
from renewals import services as renewal_services
from renewals.models import AutoRenewal, AutoRenewalDefault, Renewal, RenewalRow
from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerAdminFactory,
    ResellerFactory,
    SalesFactory,
)
from webhooks import services as webhook_services
from webhooks.models import Delivery, DeliveryAttempt, Endpoint

pytestmark = pytest.mark.django_db
#: Tenant A's webhook endpoint (never listened to; the matrix sends nothing).
ALPHA_HOOKS = "http://127.0.0.1:9/alpha-matrix-hooks"

# ---------------------------------------------------------------------------
# Actors
# ---------------------------------------------------------------------------
ANONYMOUS = "anonymous"
OTHER_RESELLERS_SALES = "other-resellers-sales"
OTHER_CUSTOMERS_VIP_ADMIN = "other-customers-vip-admin"
LICENSING_WEBSITE = "licensing-website"
RESELLER_ADMIN_A = "reseller-admin-a"
INTERNAL_SALES = "internal-sales"
SUPERUSER = "superuser"
#: Only as the probe of the customer-side admin console (is a view POST-only?), not an actor of the matrix.
VIP_ADMIN_A = "vip-admin-a"

ACTORS = (
    ANONYMOUS,
    OTHER_RESELLERS_SALES,
    OTHER_CUSTOMERS_VIP_ADMIN,
    LICENSING_WEBSITE,
    RESELLER_ADMIN_A,
    INTERNAL_SALES,
)

# ---------------------------------------------------------------------------
# Who may use what (URL names; a name not listed is a console page, or an API endpoint under api/)
# ---------------------------------------------------------------------------
PUBLIC = {
    "home",  # only redirects (to the console, or to a VIP admin's admin console)
    "healthz",
    "ping",
    "set_language",
    "api-schema",
    "api-docs",
    "vipmp-schema",  # /v3's own OpenAPI description (as /api/schema/: the API's shape, no one's data)
    "login",
    "logout",
    "password_change",  # every signed-in user's own password; anonymous visitors are sent to log in
    "password_change_done",
    "invitation-accept",
    "admin:login",
    "vipmp-token",  # the VIP Marketplace API's token URL: anyone may ask, only a client's secret gets a token
}
#: Operators' endpoints: a bearer token from the settings (METRICS_TOKEN), which no actor of the matrix holds.
OPERATORS_ONLY = {"metrics"}
#: Public pages that show the customer to whoever holds the signed link (the invitation e-mail), by design.
BEARER_LINKS = {"invitation-accept"}
RESELLER_ADMINS_ONLY = {
    "staff-list",
    "staff-set-active",
    # Webhooks: a reseller admin's own endpoints (internal sales' are kept in the Django admin).
    "webhook-endpoint-list",
    "webhook-endpoint-create",
    "webhook-endpoint-detail",
    "webhook-endpoint-rotate",
    "webhook-endpoint-delete",
    "webhook-endpoint-test",
    "webhook-delivery-detail",
    "webhook-delivery-send-again",
    # The bulk import of customers.
    "customer-import",
    "customer-import-confirm",
    "customer-import-done",
    "customer-import-invite",
    "customer-import-template",
}
#: The customer-side admin console: only the customer's own VIP admins (none of the matrix's actors).
VIP_ADMINS_ONLY = {"admin-console", "assignment-release"}
#: The orders: the licensing website reads (and, by POST, places) the orders it placed; console users read
#: their customers' orders. POST to the intake is the licensing website's alone (tests/test_issue12_orders.py).
LICENSING_WEBSITE_AND_CONSOLE = {"api-order-intake", "api-order-detail"}
#: The product catalogue: shared by every API role (no tenant's data); VIP admins are refused.
CATALOGUE = {"api-product-list", "api-product-detail"}
#: Console forms that record an order by hand: reseller admins and internal sales, not sales.
ORDER_BY_HAND = {"order-record", "renewal-order"}
#: Lists without URL kwargs that show tenant A's rows to its admin and to internal sales.
LISTS_SHOWING_TENANT_A = {
    "customer-list",
    "customer-list-csv",
    "customer-list-xlsx",
    "history-csv",
    "history-xlsx",
    "customer-events-csv",
    "customer-events-xlsx",
    "api-customer-list",
    "staff-list",
    "webhook-endpoint-list",
    "renewal-overview",
    "renewal-overview-csv",
    "api-renewal-overview",
    "api-order-intake",
}


# ---------------------------------------------------------------------------
# Tenant A and the actors
# ---------------------------------------------------------------------------
@dataclass
class World:
    reseller: Reseller
    reseller_admin: User
    sales_member: User
    customer: Customer
    vip_admin: User
    ordered_pa: PurchaseAuthorization
    pending_pa: PurchaseAuthorization
    order: Order
    return_authorization: ReturnAuthorization
    assignment: Assignment
    renewal: Renewal
    invitation_token: str
    lws: User
    lws_token: str
    actors: dict[str, User | None]
    extras: dict[str, Model]
    identifiers: list[str] = field(default_factory=list)


def build_world() -> World:
    today = timezone.localdate()
    reseller = ResellerFactory(name="Alpha Reseller AB")
    reseller_admin = ResellerAdminFactory(reseller=reseller, email="anna@alpha-reseller.example")
    sales_member = SalesFactory(reseller=reseller, email="sam@alpha-reseller.example")
    photoshop = ProductFactory(name="Alpha Matrix Photoshop")
    indesign = ProductFactory(name="Alpha Matrix InDesign")
    acrobat = ProductFactory(name="Alpha Matrix Acrobat")
    pa = authorization_services

    # Nearly two years ago: signed up, invited, accepted, first order ...
    first_order_date = today - dt.timedelta(days=670)
    with time_machine.travel(first_order_date, tick=False):
        customer = customer_services.customer_create(
            reseller=reseller,
            actor=reseller_admin,
            company_name="Alpha Tenant Widgets AB",
            address_line1="Alphavägen 7",
            postal_code="111 77",
            city="Stockholm",
            country="SE",
            market_segment="commercial",
            vip_admins=[customer_services.VipAdminContact(name="Vera Alpha", email="vera@alpha-tenant.example")],
        )
        customer_services.customer_send_invitation(customer=customer, actor=reseller_admin)
        customer.refresh_from_db()
        token = customer_services.invitation_token(customer.vip_admins.first())
        customer_services.customer_accept_invitation(token=token)
        first_pa = pa.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa.LineRequest(photoshop, 5)],
            po_number="ALPHA-PO-1",
            actor=reseller_admin,
        )
        pa.order_place(
            order_number="ALPHA-FIRST-ORDER",
            order_date=first_order_date,
            pa_reference=first_pa.reference,
            lines=[pa.OrderLineRequest(photoshop.sku_new, 5)],
            actor=reseller_admin,
        )
    customer.refresh_from_db()
    # ... renewed in its first renewal window (the overview filled first); the next anniversary is ~60 days away.
    # (Its "renewed" event once made the customer page answer 500: CustomerEvent.details read lines' quantity.)
    renewal_date = customer.anniversary_date - dt.timedelta(days=5)
    with time_machine.travel(renewal_date, tick=False):
        renewal_services.refresh_renewal_overview(on=renewal_date)
        renewal, _created = renewal_services.renewal_place(
            order_number="ALPHA-RENEWAL",
            order_date=renewal_date,
            vip_id=customer.vip_id,
            lines=[renewal_services.RenewalLineRequest(photoshop.sku_renewal, 5)],
            actor=reseller_admin,
        )
    # ... and today: an order (placed by the licensing website) with one of its lines returned, a pending PA,
    # a user holding a licence.
    lws = User.objects.create_user("lws-matrix", role=User.Role.LICENSING_WEBSITE, password="lws-pass-123456")
    ordered_pa = pa.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa.LineRequest(photoshop, 2), pa.LineRequest(indesign, 3)],
        po_number="ALPHA-PO-2",
        actor=reseller_admin,
    )
    order, _created = pa.order_place(
        order_number="ALPHA-ORDER",
        order_date=today,
        pa_reference=ordered_pa.reference,
        lines=[pa.OrderLineRequest(photoshop.sku_new, 2), pa.OrderLineRequest(indesign.sku_new, 3)],
        actor=lws,
    )
    returned_line = order.lines.get(product=indesign)
    return_authorization = pa.return_request(order=order, order_line_ids=[returned_line.pk], actor=reseller_admin)
    pending_pa = pa.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[pa.LineRequest(acrobat, 4)],
        po_number="ALPHA-PO-3",
        actor=reseller_admin,
    )
    assignment = pa.assignment_add(
        customer=customer, product=photoshop, email="held@alpha-tenant.example", actor=reseller_admin
    )
    vip_admin = User.objects.create_user(
        "vera@alpha-tenant.example", role=User.Role.VIP_ADMIN, customer=customer, vip_admin=customer.vip_admins.first()
    )
    renewal_services.refresh_renewal_overview(on=today)
    customer.refresh_from_db()
    assert RenewalRow.objects.filter(customer=customer, anniversary_date=customer.anniversary_date).exists()

    # The other actors. The other VIP admin's customer belongs to reseller A too: isolation between customers.
    other_reseller_sales = SalesFactory(reseller=ResellerFactory(name="Bravo Reseller AB"))
    ActiveCustomerFactory(reseller=other_reseller_sales.reseller, company_name="Bravo Customer AB")
    other_customer = ActiveCustomerFactory(reseller=reseller, company_name="Charlie Customer AB")
    other_vip_admin = User.objects.create_user(
        "vip@charlie.example",
        role=User.Role.VIP_ADMIN,
        customer=other_customer,
        vip_admin=other_customer.vip_admins.first(),
    )
    lws_token = Token.objects.create(user=lws)
    superuser = User.objects.create_superuser("root-matrix", "root@operator.example", "root-pass-123456")

    # Rows of the third-party models shown in the Django admin.
    interval = IntervalSchedule.objects.create(every=5, period=IntervalSchedule.MINUTES)
    attempt = {"user_agent": "matrix", "ip_address": "192.0.2.1", "username": "nobody", "http_accept": "*/*"}
    extras = {
        "auth.group": Group.objects.create(name="Alpha matrix group"),
        "authtoken.tokenproxy": TokenProxy.objects.get(user=lws),
        "accounts.apitokenuse": ApiTokenUse.objects.create(token=lws_token, last_used_at=timezone.now()),
        "django_celery_beat.intervalschedule": interval,
        "django_celery_beat.crontabschedule": CrontabSchedule.objects.create(minute="15", hour="0"),
        "django_celery_beat.solarschedule": SolarSchedule.objects.create(
            event="sunrise", latitude="59.33", longitude="18.06"
        ),
        "django_celery_beat.clockedschedule": ClockedSchedule.objects.create(clocked_time=timezone.now()),
        "django_celery_beat.periodictask": PeriodicTask.objects.create(
            name="access-matrix", task="jobs.tasks.none", interval=interval
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            **attempt, path_info="/login/", get_data="", post_data="", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(**attempt, path_info="/login/"),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**attempt, path_info="/login/"),
        "jobs.jobrun": JobRun.objects.create(job="enforce_order_deadlines", business_date=today, duration_ms=1),
        "catalogue.product": photoshop,
        "accounts.staffevent": StaffEvent.objects.create(
            reseller=reseller, member=sales_member, kind=StaffEvent.Kind.CREATED, actor=reseller_admin
        ),
        "admin.logentry": LogEntry.objects.create(
            user=reseller_admin,
            content_type=ContentType.objects.get_for_model(Product),
            object_id=str(photoshop.pk),
            object_repr="Alpha matrix log entry",
            action_flag=CHANGE,
            change_message="[]",
        ),
    }
    if apps.is_installed("idempotency"):
        extras["idempotency.idempotentrequest"] = apps.get_model("idempotency", "IdempotentRequest").objects.create(
            user=reseller_admin,
            key="alpha-matrix-key",
            method="POST",
            path="/api/v1/purchase-authorizations/",
            fingerprint="0" * 64,
            created_at=timezone.now(),
            claimed_at=timezone.now(),
        )

    if apps.is_installed("vipmp"):
        from vipmp.services import api_client_create

        extras["vipmp.apiclient"] = api_client_create(name="Alpha matrix client", resellers=[reseller]).client

    # A webhook endpoint of tenant A with one delivery (queued after a commit that never comes: nothing is sent).
    endpoint = webhook_services.endpoint_create(
        reseller=reseller, actor=reseller_admin, url=ALPHA_HOOKS, event_types=["customer.created"]
    )
    delivery = webhook_services.endpoint_send_test(endpoint=endpoint, actor=reseller_admin)
    extras |= {
        "webhooks.endpoint": endpoint,
        "webhooks.delivery": delivery,
        "webhooks.webhookevent": delivery.event,
        "webhooks.deliveryattempt": DeliveryAttempt.objects.create(delivery=delivery, status_code=500),
        "webhooks.endpointevent": endpoint.events.first(),
    }

    world = World(
        reseller=reseller,
        reseller_admin=reseller_admin,
        sales_member=sales_member,
        customer=customer,
        vip_admin=vip_admin,
        ordered_pa=ordered_pa,
        pending_pa=pending_pa,
        order=order,
        return_authorization=return_authorization,
        assignment=assignment,
        renewal=renewal,
        invitation_token=token,
        lws=lws,
        lws_token=lws_token.key,
        actors={
            ANONYMOUS: None,
            OTHER_RESELLERS_SALES: other_reseller_sales,
            OTHER_CUSTOMERS_VIP_ADMIN: other_vip_admin,
            LICENSING_WEBSITE: lws,
            RESELLER_ADMIN_A: reseller_admin,
            INTERNAL_SALES: InternalSalesFactory(),
            SUPERUSER: superuser,
            VIP_ADMIN_A: vip_admin,
        },
        extras=extras,
    )
    # What must never reach an outsider: tenant A's names, VIP ID, references, numbers and addresses.
    world.identifiers = [
        customer.company_name,
        customer.vip_id,
        "Alphavägen 7",
        first_pa.reference,
        ordered_pa.reference,
        pending_pa.reference,
        "ALPHA-PO-",
        "ALPHA-FIRST-ORDER",
        "ALPHA-ORDER",
        "ALPHA-RENEWAL",
        "vera@alpha-tenant.example",
        "held@alpha-tenant.example",
        "sam@alpha-reseller.example",
        "anna@alpha-reseller.example",
        ALPHA_HOOKS,
    ]
    assert customer.status == CustomerStatus.ACTIVE and customer.vip_id
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Tenant A, built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint of it (pytest-django's own), so a POST that changes something is undone after its test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------
# The URL patterns
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    chain: tuple  # the enclosing URLResolvers, then the URLPattern
    namespace: str

    @property
    def pattern(self) -> URLPattern:
        return self.chain[-1]

    @property
    def route(self) -> str:
        return "".join(str(level.pattern) for level in self.chain)

    @property
    def name(self) -> str | None:
        if not self.pattern.name:
            return None
        return f"{self.namespace}:{self.pattern.name}" if self.namespace else self.pattern.name

    @property
    def kwarg_names(self) -> list[str]:
        names: list[str] = []
        for level in self.chain:
            names += [n for n in level.pattern.regex.groupindex if n not in names]
        return names

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"

    @property
    def test_id(self) -> str:
        return self.name or self.route


def walk(entries, chain=(), namespace=""):
    for entry in entries:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
            yield from walk(entry.url_patterns, (*chain, entry), inner)
        elif isinstance(entry, URLPattern):
            yield Route((*chain, entry), namespace)


ROUTES: dict[str, Route] = {}
for _route in walk(get_resolver().url_patterns):
    assert _route.test_id not in ROUTES, f"two URL patterns share {_route.test_id!r}"
    ROUTES[_route.test_id] = _route


def audience(route: Route) -> str:
    if route.name in PUBLIC:
        return "public"
    if route.name in OPERATORS_ONLY:
        return "operators"
    if route.is_admin:
        return "admin"
    if route.name in RESELLER_ADMINS_ONLY:
        return "reseller-admins"
    if route.name in VIP_ADMINS_ONLY:
        return "vip-admins"
    if route.name in LICENSING_WEBSITE_AND_CONSOLE:
        return "order-intake"
    if route.name in CATALOGUE:
        return "catalogue"
    if route.route.startswith("v3/"):
        return "vipmp"
    return "api" if route.route.startswith("api/") else "console"


INTENDED = {
    "public": set(ACTORS) | {SUPERUSER},
    "admin": {SUPERUSER},
    "reseller-admins": {RESELLER_ADMIN_A},
    "vip-admins": set(),
    "order-intake": {LICENSING_WEBSITE, RESELLER_ADMIN_A, INTERNAL_SALES},
    "catalogue": {OTHER_RESELLERS_SALES, LICENSING_WEBSITE, RESELLER_ADMIN_A, INTERNAL_SALES},
    "api": {RESELLER_ADMIN_A, INTERNAL_SALES},
    "console": {RESELLER_ADMIN_A, INTERNAL_SALES},
    # The VIP Marketplace API takes only its own clients' bearer tokens, which none of these actors hold; a
    # client of another reseller gets 404 on every /v3 URL (tests/test_vipmp_customers.py).
    "vipmp": set(),
    "operators": set(),
}
#: Who answers "does this view take only POST?" for each audience: someone its access checks let through.
PROBE = {
    "public": ANONYMOUS,
    "admin": SUPERUSER,
    "reseller-admins": RESELLER_ADMIN_A,
    "vip-admins": VIP_ADMIN_A,
    "order-intake": LICENSING_WEBSITE,
    "catalogue": RESELLER_ADMIN_A,
    "api": RESELLER_ADMIN_A,
    "console": RESELLER_ADMIN_A,
    "vipmp": ANONYMOUS,
    "operators": ANONYMOUS,
}

# ---------------------------------------------------------------------------
# Filling the URL kwargs with tenant A's objects: the parameter tables
# ---------------------------------------------------------------------------
#: What `pk` names, by the start of the route (first match wins).
PK_MEANING = [
    ("customers/<int:pk>/", lambda w: w.customer),
    ("api/v1/customers/<int:pk>/", lambda w: w.customer),
    ("api/v1/purchase-authorizations/<int:pk>/", lambda w: w.pending_pa),
    ("api/v1/orders/<int:pk>/", lambda w: w.order),
    ("api/v1/products/<int:pk>/", lambda w: w.extras["catalogue.product"]),
    ("staff/<int:pk>/", lambda w: w.sales_member),
    ("webhooks/deliveries/<int:pk>/", lambda w: w.extras["webhooks.delivery"]),
    ("webhooks/<int:pk>/", lambda w: w.extras["webhooks.endpoint"]),
    ("admin-console/assignments/<int:pk>/", lambda w: w.assignment),
]
#: Other kwargs of console and API URLs, by name.
KWARG_VALUES = {
    "pa_pk": lambda w: w.pending_pa.pk,
    "order_pk": lambda w: w.order.pk,
    "token": lambda w: w.invitation_token,
    "admin_pk": lambda w: w.customer.vip_admins.first().pk,
    "customer_id": lambda w: w.customer.vip_id,  # /v3: Adobe's customerId is our VIP ID
    "order_id": lambda w: w.order.order_number,  # /v3: Adobe's orderId is our order number
    "subscription_id": lambda w: Holding.objects.filter(customer=w.customer).first().pk,  # /v3: a holding
}
#: The tenant-A (or any) object whose admin pages are requested, by model label.
ADMIN_OBJECTS = {
    "accounts.reseller": lambda w: w.reseller,
    "accounts.user": lambda w: w.reseller_admin,
    "customers.customer": lambda w: w.customer,
    "customers.vipadmin": lambda w: w.customer.vip_admins.first(),
    "customers.customerevent": lambda w: w.customer.events.first(),
    "authorizations.purchaseauthorization": lambda w: w.ordered_pa,
    "authorizations.purchaseauthorizationline": lambda w: w.pending_pa.lines.first(),
    "authorizations.order": lambda w: w.order,
    "authorizations.orderline": lambda w: w.order.lines.first(),
    "authorizations.returnauthorization": lambda w: w.return_authorization,
    "authorizations.returnline": lambda w: ReturnLine.objects.filter(
        return_authorization=w.return_authorization
    ).first(),
    # Kept by PostgreSQL's triggers (the pending PA's customer has its row there); written here elsewhere.
    "authorizations.pendingcustomer": lambda w: PendingCustomer.objects.get_or_create(
        customer=w.pending_pa.customer, defaults={"reseller": w.pending_pa.customer.reseller}
    )[0],
    "licences.holding": lambda w: Holding.objects.filter(customer=w.customer).first(),
    "licences.assignment": lambda w: w.assignment,
    "renewals.renewalrow": lambda w: RenewalRow.objects.filter(customer=w.customer).first(),
    "renewals.renewal": lambda w: w.renewal,
    "renewals.renewalline": lambda w: w.renewal.lines.first(),
    "renewals.autorenewal": lambda w: AutoRenewal.objects.get_or_create(
        holding=Holding.objects.filter(customer=w.customer).first(), defaults={"enabled": True}
    )[0],
    "renewals.autorenewaldefault": lambda w: AutoRenewalDefault.objects.get_or_create(customer=w.customer)[0],
    "notifications.outboundemail": lambda w: OutboundEmail.objects.filter(customer=w.customer).first(),
    **{
        label: (lambda w, label=label: w.extras[label])
        for label in (
            "auth.group",
            "authtoken.tokenproxy",
            "django_celery_beat.periodictask",
            "django_celery_beat.intervalschedule",
            "django_celery_beat.crontabschedule",
            "django_celery_beat.solarschedule",
            "django_celery_beat.clockedschedule",
            "axes.accessattempt",
            "axes.accesslog",
            "axes.accessfailurelog",
            "jobs.jobrun",
            "catalogue.product",
            "idempotency.idempotentrequest",
            "accounts.staffevent",
            "accounts.apitokenuse",
            "admin.logentry",
            "vipmp.apiclient",
            "webhooks.endpoint",
            "webhooks.delivery",
            "webhooks.webhookevent",
            "webhooks.deliveryattempt",
            "webhooks.endpointevent",
        )
    },
}
#: Kwargs of the admin site's own URLs (not a ModelAdmin's), by name.
ADMIN_SITE_KWARGS = {
    "content_type_id": lambda w: ContentType.objects.get_for_model(Customer).pk,
    "object_id": lambda w: w.customer.pk,
    "app_label": lambda w: "customers",
    "url": lambda w: "no-such-page/",
}


def admin_model(route: Route):
    """The model of a ModelAdmin's URL: the admin includes each one under `<app_label>/<model_name>/`."""
    if len(route.chain) != 3:
        return None
    try:
        return apps.get_model(*str(route.chain[1].pattern).strip("/").split("/"))
    except (LookupError, TypeError, ValueError):
        return None


def fill_kwargs(route: Route, world: World) -> dict[str, str]:
    values: dict[str, str] = {}
    missing: list[str] = []
    model = admin_model(route) if route.is_admin else None
    for name in route.kwarg_names:
        if model is not None:
            label = model._meta.label_lower
            if label not in ADMIN_OBJECTS:
                missing.append(f"{name} (add {label!r} to ADMIN_OBJECTS)")
                continue
            obj = ADMIN_OBJECTS[label](world)
            assert obj is not None, f"ADMIN_OBJECTS[{label!r}] found no object: create one in build_world()"
            values[name] = str(obj.pk)
        elif route.is_admin:
            if name not in ADMIN_SITE_KWARGS:
                missing.append(f"{name} (add it to ADMIN_SITE_KWARGS)")
                continue
            values[name] = str(ADMIN_SITE_KWARGS[name](world))
        elif name == "pk":
            meaning = next((pick for prefix, pick in PK_MEANING if route.route.startswith(prefix)), None)
            if meaning is None:
                missing.append("pk (add the route's start to PK_MEANING)")
                continue
            values[name] = str(meaning(world).pk)
        elif name in KWARG_VALUES:
            values[name] = str(KWARG_VALUES[name](world))
        else:
            missing.append(f"{name} (add it to KWARG_VALUES)")
    if missing:
        pytest.fail(
            f"The access matrix cannot fill {route.route!r} ({route.test_id}): {', '.join(missing)} "
            "in tests/test_access_matrix.py's parameter tables."
        )
    return values


def build_path(route: Route, kwargs: dict[str, str]) -> str:
    """The URL of the pattern with these kwargs, checked by resolving it back to the same pattern."""
    parts = []
    for level in route.chain:
        template, params = normalize(level.pattern.regex.pattern)[0]
        parts.append(template % {name: kwargs[name] for name in params})
    path = "/" + "".join(parts)
    match = resolve(path)
    assert match.func == route.pattern.callback and match.url_name == route.pattern.name, (
        f"{path} resolves to {match.route!r}, not {route.route!r}"
    )
    return path


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------
#: One handler for every request: a new one loads the middleware again, and WhiteNoise's scan of the static
#: files alone takes 0.2 s.
HANDLER = ClientHandler(enforce_csrf_checks=False)


def send(world: World, actor: str, method: str, path: str) -> HttpResponse:
    # The licensing website sends its API token; for console pages it uses a session too (it can log in).
    headers = {"Authorization": f"Token {world.lws_token}"} if actor == LICENSING_WEBSITE else None
    client = Client(headers=headers)
    client.handler = HANDLER
    if world.actors[actor] is not None:
        client.force_login(world.actors[actor])
    return getattr(client, method)(path)


def text(response: HttpResponse) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):  # an XLSX export: the text of its sheets' XML
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"\n".join(archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    return body.decode("utf-8", "replace") + "\n" + response.get("Location", "")


_POST_ONLY: dict[str, bool] = {}


def method_for(route: Route, world: World, path: str) -> str:
    """POST for views that answer GET with 405 to the actor their checks let through, GET for the rest."""
    if route.test_id not in _POST_ONLY:
        _POST_ONLY[route.test_id] = send(world, PROBE[audience(route)], "get", path).status_code == 405
    return "post" if _POST_ONLY[route.test_id] else "get"


def tenant_a_state(world: World) -> tuple:
    customer = Customer.objects.get(pk=world.customer.pk)
    return (
        customer.status,
        customer.vip_id,
        customer.invitation_sent_at,
        customer.anniversary_date,
        customer.events.count(),
        list(PurchaseAuthorization.objects.filter(customer=customer).order_by("pk").values_list("status", "po_number")),
        list(Holding.objects.filter(customer=customer).order_by("pk").values_list("deployed", flat=True)),
        list(Order.objects.filter(customer=customer).order_by("pk").values_list("duration_months", flat=True)),
        ReturnAuthorization.objects.filter(order__customer=customer).count(),
        Assignment.objects.filter(customer=customer, released_at__isnull=True).count(),
        list(RenewalRow.objects.filter(customer=customer).order_by("pk").values_list("proposed_quantity", flat=True)),
        list(User.objects.filter(reseller=world.reseller).order_by("pk").values_list("is_active", flat=True)),
        OutboundEmail.objects.filter(customer=customer).count(),
        list(Endpoint.objects.filter(reseller=world.reseller).values_list("pk", "secret", "active", "event_types")),
        list(Delivery.objects.filter(endpoint__reseller=world.reseller).values_list("pk", "state", "next_attempt_at")),
    )


def matrix():
    for test_id, route in ROUTES.items():
        actors = (*ACTORS, SUPERUSER) if route.is_admin or route.name in OPERATORS_ONLY else ACTORS
        for actor in actors:
            yield pytest.param(test_id, actor, id=f"{test_id}|{actor}")


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(("test_id", "actor"), list(matrix()))
def test_access(world, test_id, actor):
    route = ROUTES[test_id]
    kind = audience(route)
    path = build_path(route, fill_kwargs(route, world))
    methods = [method_for(route, world, path), *other_api_writes(route)]
    intended = actor in INTENDED[kind]
    before = tenant_a_state(world) if methods != ["get"] and not intended else None

    for method in methods:
        response = send(world, actor, method, path)
        check_answer(world, route, kind, actor, intended, method, path, response)

    if before is not None:
        assert tenant_a_state(world) == before, f"{', '.join(methods)} {path} as {actor} changed tenant A"


def other_api_writes(route: Route) -> list[str]:
    """PUT, PATCH and DELETE where an API view has them (empty bodies): refused to outsiders like GET."""
    view_class = getattr(route.pattern.callback, "cls", None)
    if view_class is None or not route.route.startswith("api/"):
        return []
    return [method for method in ("put", "patch", "delete") if hasattr(view_class, method)]


def check_answer(world, route, kind, actor, intended, method, path, response) -> None:
    status, body = response.status_code, text(response)
    where = f"{method.upper()} {path} as {actor} answered {status}"
    assert status < 500, where
    shown = [identifier for identifier in world.identifiers if identifier in body]
    location = response.get("Location", "")
    if kind == "public":
        assert route.name in BEARER_LINKS or not shown, f"{where} naming tenant A: {shown}"
        return
    if intended:
        if route.name != "admin:logout":  # which logs the superuser out, to the login page
            assert not location.startswith((resolve_url("login"), reverse("admin:login"))), f"{where} to {location}"
        if kind == "admin":
            # Read-only models refuse add and delete even to superusers (403); that is not a refusal of access.
            if (route.pattern.name or "").endswith(("_changelist", "_change", "_history", "index", "app_list")):
                assert status == 200, where
            return
        assert status not in (401, 403, 404), where
        if kind == "catalogue":
            return  # the shared catalogue shows no tenant's data
        if method == "get" and status == 200 and (route.kwarg_names or route.name in LISTS_SHOWING_TENANT_A):
            assert shown, f"{where} without tenant A's data: is the URL filled with tenant A's objects?"
        return
    # Everyone else: refused, and nothing of tenant A in what they are shown.
    assert not shown, f"{where} naming tenant A: {shown}"
    if kind == "admin":
        refused = status == 302 and (
            location.startswith(reverse("admin:login"))
            or (route.name == "admin:logout" and location == reverse("admin:index"))
        )
        assert refused, f"{where}, not a redirect to the admin login ({location})"
    elif kind == "operators":
        assert status == 401, where
    elif actor == ANONYMOUS:
        if route.route.startswith(("api/", "v3/")):
            assert status in (401, 403), where
        else:
            assert status == 302 and location.startswith(resolve_url("login")), f"{where} to {location}"
    elif route.kwarg_names:
        # A URL naming tenant A's objects: refused, or they do not exist.
        assert status in (401, 403, 404), where
    else:
        # A list or form of their own (their own reseller's customers, an empty form's errors) is fine.
        assert status in (200, 400, 401, 403, 404), where


# ---------------------------------------------------------------------------
# The matrix itself
# ---------------------------------------------------------------------------
def test_the_matrix_covers_every_part_of_the_project():
    names = {route.name for route in ROUTES.values()}
    assert len(ROUTES) > 40
    assert sum(route.is_admin for route in ROUTES.values()) > 40
    assert {"customer-detail", "api-order-intake", "admin-console", "staff-list", "invitation-accept"} <= names
    assert {"admin:customers_customer_change", "admin:authorizations_order_delete", "admin:index"} <= names
    assert sum(1 for _ in matrix()) >= 6 * len(ROUTES)


def test_the_tables_name_only_real_url_patterns():
    names = {route.name for route in ROUTES.values()}
    listed = (
        PUBLIC
        | OPERATORS_ONLY
        | RESELLER_ADMINS_ONLY
        | VIP_ADMINS_ONLY
        | LICENSING_WEBSITE_AND_CONSOLE
        | CATALOGUE
        | ORDER_BY_HAND
        | LISTS_SHOWING_TENANT_A
    )
    assert listed <= names, f"listed but not a URL pattern any more: {sorted(listed - names)}"


@pytest.mark.parametrize("name", sorted(ORDER_BY_HAND))
def test_sales_of_tenant_a_do_not_record_orders_by_hand(world, name):
    """Issue 12: the console's order forms are for reseller admins and internal sales; tenant A's own sales get
    403 (they keep every other console page, as the matrix's console rows show for its admin)."""
    route = ROUTES[name]
    path = build_path(route, fill_kwargs(route, world))
    client = Client()
    client.handler = HANDLER
    client.force_login(world.sales_member)
    before = tenant_a_state(world)
    assert client.get(path).status_code in (403, 405), path  # the renewal order takes only POST
    assert client.post(path).status_code == 403, path
    assert tenant_a_state(world) == before
    assert client.get(reverse("customer-history", kwargs={"pk": world.customer.pk})).status_code == 200


# ---------------------------------------------------------------------------
# Hostile requests to every API endpoint, as every actor (issue 12): never a 5xx, always JSON
# ---------------------------------------------------------------------------
FORGED_CURSOR = "WyJ6enoiLCA5OTk5OTld"  # ["zzz", 999999], unsigned and of the wrong types
DEEP_JSON = "[" * 990 + "]" * 990
#: Lists paged by keyset cursors: their intended users get 400 invalid_cursor for a forged one.
KEYSET_LISTS = {"api-customer-list", "api-renewal-overview", "api-order-intake", "api-product-list"}
BODY_KINDS = ("deep-json", "oversized", "too-many-fields")
#: Writes only some of a route's readers may make: the order intake is the licensing website's alone.
WRITTEN_BY = {"api-order-intake": {LICENSING_WEBSITE}}
#: Writes that take no body (they do not read one, so a hostile one cannot hurt them).
BODYLESS_WRITES = {"api-purchase-authorization-withdraw"}
API_ROUTES = [test_id for test_id, route in ROUTES.items() if route.route.startswith("api/v1/")]


def write_method(route: Route) -> str:
    view_class = getattr(route.pattern.callback, "cls", None)
    return next((m for m in ("post", "patch", "put") if hasattr(view_class, m)), "post")


def send_hostile(world: World, actor: str, route: Route, path: str, kind: str) -> HttpResponse:
    headers = {"Authorization": f"Token {world.lws_token}"} if actor == LICENSING_WEBSITE else {}
    client = Client(headers=headers)
    client.handler = HANDLER
    if world.actors[actor] is not None:
        client.force_login(world.actors[actor])
    write = getattr(client, write_method(route))
    if kind == "accept-html":
        return client.get(path, headers={"Accept": "text/html"})
    if kind == "forged-cursor":
        return client.get(path, {"after": FORGED_CURSOR})
    if kind == "deep-json":
        return write(path, DEEP_JSON, content_type="application/json")
    if kind == "oversized":
        return write(path, '{"x": "' + "x" * 20_000 + '"}', content_type="application/json")
    assert kind == "too-many-fields"
    fields = "&".join(f"f{n}=1" for n in range(200))
    return write(path, fields, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("kind", ["accept-html", "forged-cursor", "deep-json", "oversized", "too-many-fields"])
@pytest.mark.parametrize("test_id", API_ROUTES)
def test_hostile_api_requests_answer_json_and_never_5xx(world, settings, test_id, kind):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    route = ROUTES[test_id]
    path = build_path(route, fill_kwargs(route, world))
    intended = INTENDED[audience(route)]
    for actor in ACTORS:
        response = send_hostile(world, actor, route, path, kind)
        where = f"{kind} {path} as {actor} answered {response.status_code}"
        assert response.status_code < 500, where
        assert response["Content-Type"].startswith("application/json"), f"{where} as {response['Content-Type']}"
        if actor not in intended:
            shown = [identifier for identifier in world.identifiers if identifier in text(response)]
            assert not shown, f"{where} naming tenant A: {shown}"
        elif kind == "forged-cursor" and route.name in KEYSET_LISTS:
            assert response.status_code == 400 and response.json()["code"] == "invalid_cursor", where
        elif kind in BODY_KINDS and route.name in WRITTEN_BY and actor not in WRITTEN_BY[route.name]:
            assert response.status_code in (403, 405), where  # refused before its body is read
        elif kind in BODY_KINDS and route.name not in BODYLESS_WRITES:
            read_only = not any(hasattr(getattr(route.pattern.callback, "cls", None), m) for m in ("post", "patch"))
            assert response.status_code == (405 if read_only else 400), where
