"""Every console form, posted with malformed values: wrong types, empty required fields, huge and negative
numbers, 10,000 characters, RTL, emoji, NUL bytes and combining characters, SQL and HTML, unknown choices and
other resellers' objects.

Each answer is a page, never a 500; the error is shown at the field that caused it (the widget marked
aria-invalid and described by the error list holding the message), or, where the form lives inline in a list
and redirects, as an error message naming the problem; and the database is as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from html.parser import HTMLParser

import pytest
import time_machine
from django.apps import apps
from django.contrib.messages import ERROR
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from authorizations import services as authorization_services
from authorizations.models import PurchaseAuthorization
from customers import services as customer_services
from renewals import services as renewal_services
from tests.factories import (
    ActiveCustomerFactory,
    CustomerFactory,
    InvitedCustomerFactory,
    ProductFactory,
    ResellerAdminFactory,
    ResellerFactory,
    SalesFactory,
)

pytestmark = pytest.mark.django_db

#: The apps whose tables a refused form must leave as they were.
DOMAIN_APPS = ("accounts", "customers", "catalogue", "authorizations", "renewals", "notifications", "idempotency")

EMPTY = ""
BLANK = "   "
LONG = "x" * 10_000
NUL = "Acme\x00 AB"
RTL = "\u202e" + "gnp.exe" * 20  # right-to-left override, 141 characters
EMOJI = "😀" * 121
COMBINING = "e\u0301" * 61  # 122 code points that look like 61 letters
SQL = "1'; DROP TABLE customers_customer; --"
HTML = "<script>alert(1)</script>"
HUGE = str(10**30)
DIGITS = "9" * 5_000  # more digits than Python converts to an int
SUPERSCRIPT = "²"  # a digit to str.isdigit(), not to int()
FORGED_CURSOR = "WyJ6enoiLCA5OTk5OTld"  # ["zzz", 999999]: values that do not fit the sort's columns


class World:
    """The objects a case needs, made when first asked for: a sales user's reseller with customers at every
    stage, its admin and a colleague, a VIP admin of one customer, and another reseller with the same."""

    @cached_property
    def reseller(self):
        return ResellerFactory()

    @cached_property
    def sales(self):
        return SalesFactory(reseller=self.reseller)

    @cached_property
    def reseller_admin(self):
        return ResellerAdminFactory(reseller=self.reseller)

    @cached_property
    def colleague(self):
        return SalesFactory(reseller=self.reseller)

    @cached_property
    def stranger_sales(self):
        return SalesFactory()

    @cached_property
    def lws(self):
        """Places the world's orders: orders through the API are the licensing website's (issue 12)."""
        return User.objects.create_user("lws-hostile", role=User.Role.LICENSING_WEBSITE)

    @cached_property
    def photoshop(self):
        return ProductFactory(name="Photoshop")

    @cached_property
    def indesign(self):
        return ProductFactory(name="InDesign")

    @cached_property
    def acrobat(self):
        return ProductFactory(name="Acrobat Pro", license_type="enterprise")

    @cached_property
    def device_licence(self):
        return ProductFactory(
            name="Photoshop for classrooms",
            is_education_device_license=True,
            for_education=True,
            for_commercial=False,
            for_government=False,
        )

    @cached_property
    def customer(self):
        return ActiveCustomerFactory(
            reseller=self.reseller,
            vip_admins=[("Vera VIP", "vera@customer.example"), ("Ulf User", "ulf@customer.example")],
        )

    @cached_property
    def not_invited(self):
        return CustomerFactory(reseller=self.reseller)

    @cached_property
    def invited(self):
        return InvitedCustomerFactory(reseller=self.reseller)

    @cached_property
    def pending(self):
        """A pending purchase authorization of two products."""
        return authorization_services.purchase_authorization_create(
            customer=ActiveCustomerFactory(reseller=self.reseller),
            license_type="team",
            lines=[
                authorization_services.LineRequest(self.photoshop, 3),
                authorization_services.LineRequest(self.indesign, 1),
            ],
            actor=self.sales,
        )

    @cached_property
    def order(self):
        """An order of today, inside its return window; its customer has a VIP admin with a sign-in."""
        return _place_order(ActiveCustomerFactory(reseller=self.reseller), self, timezone.localdate())

    @cached_property
    def vip_admin(self):
        return User.objects.create_user(
            "vera@ordered.example",
            role=User.Role.VIP_ADMIN,
            customer=self.order.customer,
            vip_admin=self.order.customer.vip_admins.first(),
        )

    @cached_property
    def renewing(self):
        """A customer 10 days before its anniversary, in the renewal overview, with one Photoshop user."""
        customer = ActiveCustomerFactory(reseller=self.reseller)
        first_order = timezone.localdate() - timedelta(days=355)
        with time_machine.travel(first_order, tick=False):
            _place_order(customer, self, first_order)
            authorization_services.assignment_add(
                customer=customer, product=self.photoshop, email="user@renewing.example", actor=self.sales
            )
        renewal_services.refresh_renewal_overview(on=timezone.localdate())
        customer.refresh_from_db()
        return customer

    @cached_property
    def accepted_token(self):
        customer = InvitedCustomerFactory(reseller=self.reseller, vip_admins=[("Ada Admin", "ada@joined.example")])
        token = customer_services.invitation_token(customer.vip_admins.first())
        customer_services.customer_accept_invitation(token=token)
        return token

    @cached_property
    def stranger(self):
        return ActiveCustomerFactory(reseller=self.stranger_sales.reseller)

    @cached_property
    def stranger_pending(self):
        return authorization_services.purchase_authorization_create(
            customer=self.stranger,
            license_type="team",
            lines=[authorization_services.LineRequest(self.photoshop, 1)],
            actor=self.stranger_sales,
        )

    @cached_property
    def stranger_order(self):
        return _place_order(self.stranger, self, timezone.localdate(), actor=self.stranger_sales)

    @cached_property
    def stranger_assignment(self):
        return authorization_services.assignment_add(
            customer=self.stranger_order.customer,
            product=self.photoshop,
            email="someone@stranger.example",
            actor=self.stranger_sales,
        )


_orders = iter(range(1, 10**6))


def _place_order(customer, world: World, order_date, *, actor=None):
    actor = actor or world.sales
    lines = [(world.photoshop, 5), (world.indesign, 2)]
    authorization = authorization_services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[authorization_services.LineRequest(product, quantity) for product, quantity in lines],
        actor=actor,
    )
    order, _created = authorization_services.order_place(
        order_number=f"LWS-{next(_orders)}",
        order_date=order_date,
        pa_reference=authorization.reference,
        lines=[authorization_services.OrderLineRequest(product.sku_new, quantity) for product, quantity in lines],
        actor=world.lws,
    )
    return order


# ---------------------------------------------------------------------------
# The forms
# ---------------------------------------------------------------------------
FIELD, MESSAGE, PAGE = "field", "message", "page"


@dataclass(frozen=True)
class Form:
    name: str
    user: str | None  # the World attribute to log in as
    url: object  # World -> str
    data: object  # World -> a valid submission
    shows: str  # FIELD: the page again, the error at the field; MESSAGE: a redirect and an error message;
    # PAGE: the page again (400) with the error at the top


def customer_data(world: World, *, admins=(("Gun Gov", "gun@kust.example"),)) -> dict:
    data = {
        "company_name": "Kustkonsult AB",
        "address_line1": "Hamngatan 2",
        "address_line2": "",
        "postal_code": "211 20",
        "city": "Malmö",
        "country": "SE",
        "market_segment": "government",
        "preferred_language": "sv",
        "admins-TOTAL_FORMS": str(len(admins)),
        "admins-INITIAL_FORMS": "0",
        "admins-MIN_NUM_FORMS": "1",
        "admins-MAX_NUM_FORMS": "20",
    }
    for index, (name, email) in enumerate(admins):
        data[f"admins-{index}-name"] = name
        data[f"admins-{index}-email"] = email
    return data


def pa_data(world: World) -> dict:
    return {
        "action": "create",
        "license_type": "team",
        "po_number": "PO-2026/7",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": str(world.photoshop.pk),
        "lines-0-quantity": "5",
        "lines-1-product": str(world.indesign.pk),
        "lines-1-quantity": "2",
    }


def staff_data(world: World) -> dict:
    return {
        "username": "nils.new",
        "first_name": "Nils",
        "last_name": "Nyman",
        "email": "nils@reseller.example",
        "role": "sales",
        "password1": "a-long-and-fine-passphrase-42",
        "password2": "a-long-and-fine-passphrase-42",
    }


def renewal_quantity_data(world: World) -> dict:
    return {"product": str(world.photoshop.pk), "proposed_quantity": "4"}


def renewal_order_data(world: World) -> dict:
    world.renewing  # noqa: B018 - the overview rows the order renews
    return {"order_number": "LWS-RENEWAL-1", "order_date": timezone.localdate().isoformat()}


CUSTOMER_CREATE = Form("customer-create", "sales", lambda w: reverse("customer-create"), customer_data, FIELD)
CUSTOMER_EDIT = Form(
    "customer-edit",
    "sales",
    lambda w: reverse("customer-edit", args=[w.customer.pk]),
    lambda w: (
        customer_data(w, admins=[(a.name, a.email) for a in w.customer.vip_admins.all()])
        | {"company_name": w.customer.company_name, "admins-INITIAL_FORMS": str(w.customer.vip_admins.count())}
    ),
    FIELD,
)
INVITATION = Form(
    "invitation",
    "sales",
    lambda w: reverse("customer-send-invitation", args=[w.not_invited.pk]),
    lambda w: {},
    MESSAGE,
)
RESEND = Form(
    "resend-invitation",
    "sales",
    lambda w: reverse("customer-send-invitation", args=[w.invited.pk]),
    lambda w: {"resend": "1"},
    MESSAGE,
)
SIGN_IN = Form(
    "vip-admin-sign-in",
    None,
    lambda w: reverse("invitation-accept", args=[w.accepted_token]),
    lambda w: {
        "action": "sign_in",
        "password1": "a-long-and-fine-passphrase-42",
        "password2": "a-long-and-fine-passphrase-42",
    },
    FIELD,
)
STAFF = Form("staff", "reseller_admin", lambda w: reverse("staff-list"), staff_data, FIELD)
STAFF_ACTIVE = Form(
    "staff-active",
    "reseller_admin",
    lambda w: reverse("staff-set-active", args=[w.colleague.pk]),
    lambda w: {"active": "0"},
    MESSAGE,
)
PA_DIALOG = Form(
    "purchase-authorization",
    "sales",
    lambda w: reverse("purchase-authorization-create", args=[w.customer.pk]),
    pa_data,
    FIELD,
)
WITHDRAW = Form(
    "withdraw",
    "sales",
    lambda w: reverse("purchase-authorization-withdraw", args=[w.pending.customer_id, w.pending.pk]),
    lambda w: {},
    MESSAGE,
)
REMOVE_PRODUCTS = Form(
    "remove-products",
    "sales",
    lambda w: reverse("purchase-authorization-remove-products", args=[w.pending.customer_id, w.pending.pk]),
    lambda w: {"product": str(w.indesign.pk)},
    MESSAGE,
)
ORDER = Form(
    "order",
    "reseller_admin",  # recording an order by hand is not for sales (issue 12)
    lambda w: reverse("order-record", args=[w.pending.customer_id, w.pending.pk]),
    lambda w: {"order_number": "LWS-NEW-1", "order_date": timezone.localdate().isoformat()},
    FIELD,
)
DURATION = Form(
    "duration",
    "sales",
    lambda w: reverse("order-set-duration", args=[w.order.customer_id, w.order.pk]),
    lambda w: {"duration_months": "11"},
    MESSAGE,
)
RETURN = Form(
    "return",
    "sales",
    lambda w: reverse("return-request", args=[w.order.customer_id, w.order.pk]),
    lambda w: {"line": str(w.order.lines.order_by("pk")[0].pk)},
    PAGE,
)
RENEWAL_QUANTITY = Form(
    "renewal-quantity",
    "sales",
    lambda w: reverse("renewal-quantity", args=[w.renewing.pk]),
    renewal_quantity_data,
    MESSAGE,
)
RENEWAL_ORDER = Form(
    "renewal-order",
    "reseller_admin",  # recording an order by hand is not for sales (issue 12)
    lambda w: reverse("renewal-order", args=[w.renewing.pk]),
    renewal_order_data,
    MESSAGE,
)
REINSTATE = Form(
    "reinstate", "sales", lambda w: reverse("customer-reinstate", args=[w.customer.pk]), lambda w: {}, MESSAGE
)
ASSIGNMENT = Form(
    "assignment",
    "vip_admin",
    lambda w: reverse("admin-console"),
    lambda w: {"product": str(w.photoshop.pk), "email": "new.user@ordered.example"},
    FIELD,
)
PASSWORD_CHANGE = Form(
    "password-change",
    "sales",
    lambda w: reverse("password_change"),
    lambda w: {
        "old_password": "pw-for-tests-123",
        "new_password1": "a-long-and-fine-passphrase-42",
        "new_password2": "a-long-and-fine-passphrase-42",
    },
    FIELD,
)
LOGIN = Form(
    "login",
    None,
    lambda w: reverse("login"),
    lambda w: {"username": w.sales.username, "password": "pw-for-tests-123"},
    FIELD,
)
ADMIN_LOGIN = Form(
    "admin-login",
    None,
    lambda w: reverse("admin:login"),
    lambda w: {"username": "admin", "password": "pw-for-tests-123", "next": "/admin/"},
    FIELD,
)


@dataclass(frozen=True)
class Hostile:
    form: Form
    field: str  # the posted name
    value: object  # a string, a list of strings, or a function of the World; None leaves the field out
    label: str
    error_at: str | None = None  # where the error shows: a field's name, "nonfield", "nonform" (default: field)
    says: str = ""  # a part of the message
    also: tuple[tuple[str, str], ...] = ()  # more fields posted with it

    @property
    def id(self) -> str:
        return f"{self.form.name}-{self.field}-{self.label}"


def hostile(form, field, values, *, error_at=None, says=""):
    return [Hostile(form, field, value, label, error_at, says) for label, value in values.items()]


TEXT = {"empty": EMPTY, "10000 chars": LONG, "NUL": NUL}
CHOICE = {"empty": EMPTY, "unknown": "gold", "SQL": SQL, "HTML": HTML, "NUL": "sv\x00"}
WHOLE_NUMBER = {"words": "five", "fraction": "1.5", "huge": HUGE, "5000 digits": DIGITS, "superscript": SUPERSCRIPT}
DATE = {
    "empty": EMPTY,
    "30 February": "2026-02-30",
    "year 99999": "99999-01-01",
    "words": "yesterday",
    "huge": HUGE,
    "SQL": SQL,
}
EMAIL = {
    "empty": EMPTY,
    "no domain": "ada@",
    "emoji": "😀@example.com",
    "HTML": "<script>@x.se",
    "10000 chars": LONG + "@example.com",
    "NUL": "ada\x00@joined.example",
}


def customer_cases(form: Form) -> list[Hostile]:
    return [
        *hostile(form, "company_name", TEXT | {"blank": BLANK, "121 emoji": EMOJI, "combining": COMBINING}),
        *hostile(form, "address_line1", TEXT | {"RTL": RTL}),
        *hostile(form, "address_line2", {"10000 chars": LONG, "NUL": NUL}),
        *hostile(form, "postal_code", TEXT | {"HTML": HTML, "SQL": SQL}),
        *hostile(form, "city", TEXT | {"RTL": RTL}),
        *hostile(form, "country", CHOICE | {"emoji": "🇸🇪"}),
        *hostile(form, "market_segment", CHOICE),
        *hostile(form, "preferred_language", CHOICE),
        *hostile(form, "admins-0-name", TEXT | {"blank": BLANK}),
        *hostile(form, "admins-0-email", EMAIL | {"SQL": SQL}),
        *hostile(
            form,
            "admins-TOTAL_FORMS",
            {"words": "two", "negative": "-1", "huge": HUGE, "5000 digits": DIGITS},
            error_at="nonform",
        ),
        Hostile(form, "admins-0-DELETE", "on", "every admin", error_at="nonform", also=(("admins-1-DELETE", "on"),)),
    ]


def pa_cases() -> list[Hostile]:
    form = PA_DIALOG
    return [
        *hostile(form, "license_type", CHOICE),
        *hostile(form, "license_type", {"enterprise for team products": "enterprise"}, error_at="lines-0-product"),
        *hostile(form, "po_number", {"10000 chars": LONG, "36 chars": "P" * 36, "NUL": "PO-1\x00"}),
        *hostile(
            form,
            "po_number",
            {"space": "PO 1", "RTL": "PO\u202e1", "emoji": "PO-😀", "HTML": HTML[:20], "SQL": SQL[:30]},
            says="only letters, digits",
        ),
        *hostile(
            form,
            "lines-0-product",
            {
                "empty": EMPTY,
                "words": "photoshop",
                "huge": HUGE,
                "negative": "-1",
                "no such product": "999999",
                "SQL": SQL,
                "5000 digits": DIGITS,
            },
        ),
        *hostile(form, "lines-0-product", {"enterprise product": lambda w: str(w.acrobat.pk)}, says="Enterprise"),
        *hostile(
            form,
            "lines-0-product",
            {"education device licence": lambda w: str(w.device_licence.pk)},
            says="Education device licence",
        ),
        *hostile(form, "lines-1-product", {"twice": lambda w: str(w.photoshop.pk)}, says="already on line 1"),
        *hostile(form, "lines-0-quantity", {"empty": EMPTY, "zero": "0", "negative": "-1"} | WHOLE_NUMBER),
        *hostile(form, "lines-0-quantity", {"above the Team maximum": "10001"}, says="from 1 to 10"),
        *hostile(
            form,
            "lines-TOTAL_FORMS",
            {"words": "two", "zero": "0", "negative": "-1", "500 lines": "500", "5000 digits": DIGITS},
            error_at="nonform",
        ),
    ]


OTHER_TENANT_URLS = {
    "customer edit": lambda w: reverse("customer-edit", args=[w.stranger.pk]),
    "invitation": lambda w: reverse("customer-send-invitation", args=[w.stranger.pk]),
    "purchase authorization": lambda w: reverse("purchase-authorization-create", args=[w.stranger.pk]),
    "their PA under my customer": lambda w: reverse(
        "purchase-authorization-withdraw", args=[w.customer.pk, w.stranger_pending.pk]
    ),
    "withdraw": lambda w: reverse("purchase-authorization-withdraw", args=[w.stranger.pk, w.stranger_pending.pk]),
    "remove products": lambda w: reverse(
        "purchase-authorization-remove-products", args=[w.stranger.pk, w.stranger_pending.pk]
    ),
    "order": lambda w: reverse("order-record", args=[w.stranger.pk, w.stranger_pending.pk]),
    "duration": lambda w: reverse("order-set-duration", args=[w.stranger.pk, w.stranger_order.pk]),
    "their order under my customer": lambda w: reverse("order-set-duration", args=[w.customer.pk, w.stranger_order.pk]),
    "return": lambda w: reverse("return-request", args=[w.stranger.pk, w.stranger_order.pk]),
    "renewal quantity": lambda w: reverse("renewal-quantity", args=[w.stranger.pk]),
    "renewal order": lambda w: reverse("renewal-order", args=[w.stranger.pk]),
    "reinstate": lambda w: reverse("customer-reinstate", args=[w.stranger.pk]),
    "staff member": lambda w: reverse("staff-set-active", args=[w.stranger_sales.pk]),
    "assignment": lambda w: reverse("assignment-release", args=[w.stranger_assignment.pk]),
    "huge PA id": lambda w: reverse("purchase-authorization-withdraw", args=[w.customer.pk, 10**30]),
    "huge order id": lambda w: reverse("return-request", args=[w.customer.pk, 10**30]),
}
# Who posts each: the staff pages are the reseller admin's, the release the VIP admin's.
# Order forms are for reseller admins and internal sales (issue 12): their admin asks for the other tenant's.
OTHER_TENANT_USERS = {
    "staff member": "reseller_admin",
    "assignment": "vip_admin",
    "order": "reseller_admin",
    "renewal order": "reseller_admin",
}

CASES = [
    *customer_cases(CUSTOMER_CREATE),
    *customer_cases(CUSTOMER_EDIT),
    *hostile(INVITATION, "resend", {"not 1": "yes", "NUL": "1\x00", "10000 chars": LONG, "SQL": SQL}),
    *hostile(RESEND, "resend", {"not 1": "yes", "NUL": "1\x00", "superscript": SUPERSCRIPT}),
    # The sign-in form has no e-mail field: the link names the address (issue 12, item 4).
    *hostile(SIGN_IN, "password1", {"empty": EMPTY}),
    *hostile(SIGN_IN, "password2", {"different": "another-passphrase-42", "NUL": "a\x00"}),
    *hostile(STAFF, "username", TEXT | {"spaces and symbols": "bad name!", "emoji": "😀"}),
    *hostile(STAFF, "username", {"a colleague's": lambda w: w.colleague.username.upper()}, says="taken"),
    *hostile(STAFF, "first_name", TEXT),
    *hostile(STAFF, "last_name", TEXT),
    *hostile(STAFF, "email", EMAIL),
    *hostile(STAFF, "role", CHOICE | {"internal sales": "internal_sales", "VIP admin": "vip_admin"}),
    *hostile(STAFF, "password2", {"different": "another-passphrase-42"}),
    Hostile(STAFF, "password1", "1", "weak", says="too short", also=(("password2", "1"),)),
    Hostile(STAFF, "password1", EMPTY, "empty"),
    *hostile(STAFF_ACTIVE, "active", {"not 0 or 1": "maybe", "NUL": "0\x00", "superscript": SUPERSCRIPT}),
    *pa_cases(),
    *hostile(REMOVE_PRODUCTS, "product", {"words": "indesign", "negative": "-1", "huge": HUGE, "SQL": SQL}),
    *hostile(REMOVE_PRODUCTS, "product", {"superscript": SUPERSCRIPT, "5000 digits": DIGITS}),
    *hostile(REMOVE_PRODUCTS, "product", {"every product": lambda w: [str(w.photoshop.pk), str(w.indesign.pk)]}),
    *hostile(REMOVE_PRODUCTS, "product", {"another product": lambda w: str(w.acrobat.pk)}),
    *hostile(ORDER, "order_number", TEXT | {"blank": BLANK}),
    *hostile(ORDER, "order_date", DATE),
    *hostile(ORDER, "order_date", {"future": "9999-12-31"}, says="future"),
    *hostile(ORDER, "order_date", {"before the PA": "0001-01-01"}, says="before purchase authorization"),
    *hostile(DURATION, "duration_months", {"empty": EMPTY, "zero": "0", "13": "13", "negative": "-1"} | WHOLE_NUMBER),
    *hostile(RETURN, "line", {"words": "all", "negative": "-1", "huge": HUGE, "SQL": SQL, "none": None}),
    *hostile(RETURN, "line", {"superscript": SUPERSCRIPT, "5000 digits": DIGITS}),
    *hostile(RETURN, "line", {"another order's line": lambda w: str(w.stranger_order.lines.all()[0].pk)}),
    *hostile(RENEWAL_QUANTITY, "product", {"empty": EMPTY, "zero": "0", "negative": "-1"} | WHOLE_NUMBER),
    *hostile(RENEWAL_QUANTITY, "product", {"not in the overview": lambda w: str(w.acrobat.pk)}),
    *hostile(
        RENEWAL_QUANTITY,
        "proposed_quantity",
        {"empty": EMPTY, "negative": "-1", "above 200000": "200001"} | WHOLE_NUMBER,
    ),
    *hostile(RENEWAL_ORDER, "order_number", TEXT | {"blank": BLANK}),
    *hostile(RENEWAL_ORDER, "order_date", DATE | {"future": "9999-12-31", "outside the window": "0001-01-01"}),
    *hostile(ASSIGNMENT, "product", {"empty": EMPTY, "words": "photoshop", "huge": HUGE, "SQL": SQL}),
    *hostile(ASSIGNMENT, "product", {"not deployed": lambda w: str(w.acrobat.pk)}),
    *hostile(ASSIGNMENT, "email", EMAIL),
    *hostile(PASSWORD_CHANGE, "old_password", {"wrong": "not-my-password", "10000 chars": LONG, "NUL": "pw\x00"}),
    *hostile(PASSWORD_CHANGE, "new_password2", {"different": "another-passphrase-42", "empty": EMPTY}),
    *hostile(LOGIN, "username", {"NUL": "sales\x00", "empty": EMPTY, "10000 chars": LONG}),
    *hostile(LOGIN, "username", {"SQL": SQL, "RTL": RTL[:100]}, error_at="nonfield", says="correct username"),
    *hostile(LOGIN, "password", {"empty": EMPTY, "NUL": "pw\x00"}),
    *hostile(LOGIN, "password", {"wrong": "guess"}, error_at="nonfield", says="correct username"),
    *hostile(ADMIN_LOGIN, "username", {"NUL": "admin\x00", "empty": EMPTY, "10000 chars": LONG}),
]
# Stand-alone actions without fields: refused where the state does not allow them.
STATE_REFUSALS = [
    Hostile(WITHDRAW, "-", None, "twice"),
    Hostile(REINSTATE, "-", None, "not inactive"),
    Hostile(INVITATION, "-", None, "invited already"),
    Hostile(STAFF_ACTIVE, "-", None, "oneself"),
]


def database_snapshot() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for app in DOMAIN_APPS
        for model in apps.get_app_config(app).get_models()
    }


class FieldErrors(HTMLParser):
    """From a rendered page: the widgets marked invalid (name: the ids their aria-describedby names) and the
    text of every error list, by its id, or by "nonfield" / "nonform" for a form's or formset's own errors."""

    def __init__(self, html: str):
        super().__init__()
        self.invalid: dict[str, list[str]] = {}
        self.lists: dict[str, str] = {}
        self._reading: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("aria-invalid") == "true":
            self.invalid[attributes.get("name") or ""] = (attributes.get("aria-describedby") or "").split()
        classes = (attributes.get("class") or "").split()
        if tag == "ul" and "errorlist" in classes:
            self._reading = attributes.get("id") or next((c for c in ("nonfield", "nonform") if c in classes), "")
            self.lists.setdefault(self._reading, "")

    def handle_endtag(self, tag):
        if tag == "ul":
            self._reading = None

    def handle_data(self, data):
        if self._reading is not None:
            self.lists[self._reading] += data

    def at(self, name: str) -> str:
        """The error text shown at the field `name` (or "nonfield" / "nonform")."""
        if name in ("nonfield", "nonform"):
            return self.lists.get(name, "")
        return " ".join(self.lists.get(list_id, "") for list_id in self.invalid.get(name, []))


@pytest.fixture(scope="module")
def console_client():
    """One client for the module: each new one loads the middleware again, WhiteNoise's scan of the static
    files taking most of a second."""
    return Client()


def post_hostile(client, world: World, case: Hostile, *, url=None):
    form = case.form
    client.logout()
    if form.user:
        client.force_login(getattr(world, form.user))
    data = form.data(world)
    url = (url or form.url)(world)
    value = case.value(world) if callable(case.value) else case.value
    if value is None:
        data.pop(case.field, None)
    else:
        data[case.field] = value
    data.update(case.also)
    before = database_snapshot()
    response = client.post(url, data, follow=form.shows == MESSAGE)
    return response, before


def error_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level == ERROR] if response.context else []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_value_is_refused_at_its_field_and_changes_nothing(console_client, case):
    world = World()
    response, before = post_hostile(console_client, world, case)

    html = response.content.decode()
    if case.form.shows == FIELD:
        assert response.status_code == 200, html[:2000]
        shown = FieldErrors(html).at(case.error_at or case.field)
        assert shown.strip(), f"no error shown at {case.error_at or case.field}: {FieldErrors(html).lists}"
    elif case.form.shows == MESSAGE:
        assert response.status_code == 200 and response.redirect_chain, html[:2000]
        shown = " ".join(error_messages(response))
        assert shown, "no error message"
        assert all(escape(message) in html for message in error_messages(response))
    else:
        assert response.status_code == 400, html[:2000]
        shown = response.context["error"] or ""
        assert shown and escape(shown) in html
    assert case.says in shown
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "action",
    ["remove_line:²", "remove_line:" + DIGITS, "remove_line:-1", "remove_line:", "refresh", "bogus", SQL, NUL],
    ids=lambda action: repr(action[:16]),
)
def test_other_dialog_buttons_show_the_dialog_again_and_save_nothing(console_client, action):
    """Only "Create purchase authorization" saves; every other button value re-lists the rows, unjudged."""
    world = World()
    console_client.force_login(world.sales)
    url, data = PA_DIALOG.url(world), pa_data(world)
    data |= {"action": action, "lines-TOTAL_FORMS": DIGITS if action == NUL else "2"}
    before = database_snapshot()

    response = console_client.post(url, data)

    assert response.status_code == 200
    assert response.context["lines"].forms
    assert not FieldErrors(response.content.decode()).lists
    assert database_snapshot() == before


def test_a_blank_row_added_with_the_plus_button_is_no_line(console_client):
    world = World()
    console_client.force_login(world.sales)
    url, data = PA_DIALOG.url(world), pa_data(world)
    data |= {"lines-TOTAL_FORMS": "3", "lines-2-product": "", "lines-2-quantity": ""}

    response = console_client.post(url, data)

    assert response.status_code == 302
    authorization = PurchaseAuthorization.objects.get()
    assert [(line.product, line.quantity) for line in authorization.lines.all()] == [
        (world.photoshop, 5),
        (world.indesign, 2),
    ]


@pytest.mark.parametrize("case", STATE_REFUSALS, ids=[case.id for case in STATE_REFUSALS])
def test_action_the_state_forbids_is_refused_with_a_message_and_changes_nothing(console_client, case):
    world = World()
    if case.form is WITHDRAW:
        authorization_services.purchase_authorization_withdraw(purchase_authorization=world.pending, actor=world.sales)
    elif case.form is INVITATION:
        customer_services.customer_send_invitation(customer=world.not_invited, actor=world.sales)
    url = (lambda w: reverse("staff-set-active", args=[w.reseller_admin.pk])) if case.form is STAFF_ACTIVE else None

    response, before = post_hostile(console_client, world, case, url=url)

    assert response.status_code == 200 and response.redirect_chain
    assert error_messages(response)
    assert database_snapshot() == before


@pytest.mark.parametrize("what", OTHER_TENANT_URLS)
def test_other_resellers_objects_do_not_exist(console_client, what):
    world = World()
    console_client.logout()
    console_client.force_login(getattr(world, OTHER_TENANT_USERS.get(what, "sales")))
    url = OTHER_TENANT_URLS[what](world)
    before = database_snapshot()

    response = console_client.post(url, {"active": "0", "duration_months": "6", "line": "1", "product": "1"})

    assert response.status_code == 404
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "url_name", ["customer-list", "renewal-overview", "renewal-overview-csv"], ids=lambda name: name
)
@pytest.mark.parametrize(
    "value",
    [LONG, NUL, RTL, HUGE, DIGITS, SUPERSCRIPT, SQL, HTML, "-1", FORGED_CURSOR],
    ids=lambda value: repr(value[:12]),
)
def test_malformed_filters_are_not_applied_and_say_so(console_client, url_name, value):
    """The lists' filters and cursors: anything malformed falls back to the default with a notice saying so,
    never an error page (the CSV export sends the user to the page, which says what was wrong)."""
    world = World()
    console_client.force_login(world.sales)
    world.renewing  # noqa: B018 - something to list
    parameters = ["q", "status", "segment", "requests", "reseller", "sort", "window", "after", "before"]

    response = console_client.get(reverse(url_name), dict.fromkeys(parameters, value), follow=True)

    assert response.status_code == 200
    assert "was not applied" in response.content.decode()


@pytest.mark.parametrize("url_name", ["customer-list", "renewal-overview", "renewal-overview-csv"])
@pytest.mark.parametrize("parameter", ["after", "before"])
@pytest.mark.parametrize("cursor", [FORGED_CURSOR, "garbage", "a:b", LONG], ids=lambda value: repr(value[:12]))
def test_forged_cursor_shows_the_first_page_and_says_so(console_client, url_name, parameter, cursor):
    world = World()
    console_client.force_login(world.sales)
    world.renewing  # noqa: B018 - something to list

    response = console_client.get(reverse(url_name), {"sort": "created", parameter: cursor}, follow=True)

    assert response.status_code == 200
    assert "the first page is shown" in response.content.decode()
