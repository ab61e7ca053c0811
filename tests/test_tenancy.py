"""Tenants sealed: every URL that names an object answers 404 to another reseller's staff.

The URL list comes from the resolver, so a view added later is covered without editing this file.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import (
    ActiveCustomerFactory,
    InternalSalesFactory,
    ProductFactory,
    ResellerAdminFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC = {
    "home",
    "login",
    "healthz",
    "ping",
    "invitation-accept",
    "set_language",
    "api-schema",
    "api-docs",
    "vipmp-schema",  # /v3's OpenAPI description, public as /api/schema/ is
    "logout",
    "vipmp-token",  # the VIP Marketplace API's token URL (POST only; tests/test_vipmp_auth.py)
    "metrics",  # no console page: operators' bearer token only, 401 to every user (tests/test_metrics.py)
}
#: URLs of the customer-side admin console: their intruder is another customer's VIP admin.
ADMIN_CONSOLE_PREFIXES = ("admin-console", "assignment-")


def for_vip_admins(name: str) -> bool:
    return name.startswith(ADMIN_CONSOLE_PREFIXES)


def named_patterns(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the Django admin has its own staff check, tested below
            yield from named_patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


#: Objects every tenant shares (the product catalogue): not a tenant's, so no 404 to seal.
SHARED = {"api-product-detail"}


def object_patterns():
    return sorted({p.name for p in named_patterns() if "pk" in p.pattern.regex.groupindex} - SHARED)


def pattern_kwargs(name: str) -> set[str]:
    return {key for p in named_patterns() if p.name == name for key in p.pattern.regex.groupindex}


def plain_patterns():
    return sorted({p.name for p in named_patterns() if not p.pattern.regex.groupindex} - PUBLIC)


def test_the_url_list_is_not_empty():
    assert "customer-detail" in object_patterns()
    assert "api-customer-detail" in object_patterns()


@pytest.fixture
def two_resellers():
    from authorizations import services as pa

    intruder = ResellerAdminFactory()
    victim_staff = SalesFactory()
    victim = ActiveCustomerFactory(reseller=victim_staff.reseller)
    product = ProductFactory()
    ordered = pa.purchase_authorization_create(
        customer=victim, license_type="team", lines=[pa.LineRequest(product, 2)], actor=victim_staff
    )
    pa.order_place(
        order_number="V-1",
        order_date=pa.today(),
        pa_reference=ordered.reference,
        lines=[pa.OrderLineRequest(product.sku_new, 2)],
        actor=ResellerAdminFactory(reseller=victim_staff.reseller),  # by hand: not sales (issue 12)
    )
    pending = pa.purchase_authorization_create(
        customer=victim, license_type="team", lines=[pa.LineRequest(ProductFactory(), 1)], actor=victim_staff
    )
    assignment = pa.assignment_add(customer=victim, product=product, email="held@victim.example", actor=victim_staff)
    victim.objects = {
        "pa_pk": pending.pk,
        "order_pk": ordered.order.pk,
        "assignment": assignment.pk,
        "admin_pk": victim.vip_admins.first().pk,
    }
    return intruder, victim_staff, victim


#: URL names whose `pk` is not a customer's, and the victim object it names.
PK_OF = {"assignment-": "assignment", "api-order-": "order_pk", "api-purchase-authorization-": "pa_pk"}


def target_kwargs(name, victim_staff, victim) -> dict:
    for prefix, key in PK_OF.items():
        if name.startswith(prefix):
            return {"pk": victim.objects[key]}
    kwargs = {"pk": victim_staff.pk if name.startswith("staff-") else victim.pk}
    kwargs.update({key: victim.objects[key] for key in pattern_kwargs(name) if key != "pk"})
    return kwargs


def snapshot(victim) -> tuple:
    from authorizations.models import PurchaseAuthorization
    from licences.models import Holding

    return (
        victim.vip_id,
        victim.status,
        victim.events.count(),
        sorted(PurchaseAuthorization.objects.filter(customer=victim).values_list("status", flat=True)),
        sorted(Holding.objects.filter(customer=victim).values_list("deployed", flat=True)),
        victim.assignments.filter(released_at__isnull=True).count(),
    )


@pytest.mark.parametrize("name", object_patterns())
@pytest.mark.parametrize("method", ["get", "post", "patch"])
def test_other_resellers_objects_do_not_exist(client, two_resellers, name, method):
    intruder, victim_staff, victim = two_resellers
    if for_vip_admins(name):
        from accounts.models import User

        other = ActiveCustomerFactory()
        intruder = User.objects.create_user(
            "vip@other.example", role="vip_admin", customer=other, vip_admin=other.vip_admins.first()
        )
    client.force_login(intruder)
    url = reverse(name, kwargs=target_kwargs(name, victim_staff, victim))
    before = snapshot(victim)

    response = (
        getattr(client, method)(url, {}, content_type="application/json")
        if method == "patch"
        else getattr(client, method)(url)
    )

    assert response.status_code in (404, 405), f"{method.upper()} {url} answered {response.status_code}"
    victim.refresh_from_db()
    assert snapshot(victim) == before


@pytest.mark.parametrize("name", [
        n
        for n in object_patterns()
        # Staff and webhook endpoints are a reseller admin's own (internal sales' endpoints live in the admin).
        if not n.startswith(("staff-", "webhook-")) and not for_vip_admins(n)
    ])
def test_internal_sales_see_every_resellers_customers(client, two_resellers, name):
    _intruder, _staff, victim = two_resellers
    client.force_login(InternalSalesFactory())
    response = client.get(reverse(name, kwargs=target_kwargs(name, _staff, victim)))
    assert response.status_code in (200, 302, 405)


@pytest.mark.parametrize("name", plain_patterns() + object_patterns())
def test_anonymous_visitors_are_sent_to_log_in(client, two_resellers, name):
    _intruder, victim_staff, victim = two_resellers
    kwargs = target_kwargs(name, victim_staff, victim) if name in object_patterns() else {}
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))


def test_admin_is_for_superusers_only(client, sales):
    client.force_login(sales)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("name", [n for n in plain_patterns() + object_patterns() if for_vip_admins(n)])
def test_reseller_staff_cannot_open_a_customers_admin_console(client, two_resellers, name):
    _intruder, victim_staff, victim = two_resellers
    client.force_login(victim_staff)
    kwargs = target_kwargs(name, victim_staff, victim) if name in object_patterns() else {}
    assert client.get(reverse(name, kwargs=kwargs)).status_code in (403, 405)


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in plain_patterns() + object_patterns()
        if not for_vip_admins(n) and not n.startswith("api-") and n not in {"password_change", "password_change_done"}
    ],
)
def test_vip_admins_cannot_open_the_reseller_console(client, two_resellers, name):
    from accounts.models import User

    _intruder, victim_staff, victim = two_resellers
    client.force_login(
        User.objects.create_user(
            "vip@victim.example", role="vip_admin", customer=victim, vip_admin=victim.vip_admins.first()
        )
    )
    kwargs = target_kwargs(name, victim_staff, victim) if name in object_patterns() else {}
    assert client.get(reverse(name, kwargs=kwargs)).status_code in (403, 405)
