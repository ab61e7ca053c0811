"""Issue 12, items 8-11 and 19: forged cursors, malformed filters, browsers on the API, deep JSON and the answers
Django gives before DRF (oversized bodies, too many fields, 403, 500) — never a 500, and under /api/ always JSON."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import User
from customers.models import Customer
from licences.models import Holding
from renewals import services as renewal_services
from tests.factories import ActiveCustomerFactory, CustomerFactory, InternalSalesFactory, ProductFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def forged(values) -> str:
    """A cursor as the old, unsigned format made it: base64 of a JSON list (here with values of the wrong type)."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


FORGED_CURSORS = {
    "issue example": "WyJ6enoiLCA5OTk5OTld",  # ["zzz", 999999]
    "text for a date": forged(["zzz", 1]),
    "text for the id": forged(["2026-01-01T00:00:00+00:00", "abc"]),
    "huge id": forged(["2026-01-01T00:00:00+00:00", 10**30]),
    "garbage": "garbage",
    "signed-looking": "abc:def",
    "tampered signature": None,  # filled in from a real cursor
}


def due_customer(reseller, days_left=20):
    customer = ActiveCustomerFactory(
        reseller=reseller,
        anniversary_date=TODAY + timedelta(days=days_left),
        anniversary_day=(TODAY + timedelta(days=days_left)).day,
    )
    Holding.objects.create(customer=customer, product=ProductFactory(), deployed=5)
    return customer


LISTED = 12


@pytest.fixture
def listed(sales, monkeypatch):
    """Customers, in the overview too, for three pages of five in the API and the console."""
    for name in (
        "resellerconsole.api.KeysetPagination.page_size",
        "customers.views.PAGE_SIZE",
        "renewals.views.PAGE_SIZE",
    ):
        monkeypatch.setattr(name, 5)
    for n in range(LISTED):
        due_customer(sales.reseller, days_left=n % 4)
    renewal_services.refresh_renewal_overview(on=TODAY)
    return sales


@pytest.fixture
def api(sales):
    return Client(headers={"Authorization": f"Token {Token.objects.create(user=sales).key}"})


def tampered(cursor: str) -> str:
    return cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")


def query_value(url: str, name: str) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(url).query)[name][0]


# ---------------------------------------------------------------------------
# Item 8: forged cursors
# ---------------------------------------------------------------------------
API_LISTS = [("api-customer-list", "created"), ("api-customer-list", "name"), ("api-renewal-overview", "days_left")]


@pytest.mark.parametrize(("url_name", "sort"), API_LISTS)
@pytest.mark.parametrize("parameter", ["after", "before"])
@pytest.mark.parametrize("what", list(FORGED_CURSORS))
def test_api_refuses_a_forged_cursor_naming_the_parameter(listed, api, url_name, sort, parameter, what):
    cursor = FORGED_CURSORS[what]
    if cursor is None:
        cursor = tampered(query_value(api.get(reverse(url_name), {"sort": sort}).json()["next"], "after"))

    response = api.get(reverse(url_name), {"sort": sort, parameter: cursor})

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_cursor"
    assert parameter in json.dumps(response.json())


def test_api_refuses_a_cursor_of_another_sort_order(listed, api):
    next_link = api.get(reverse("api-customer-list"), {"sort": "name"}).json()["next"]

    response = api.get(reverse("api-customer-list"), {"sort": "created", "after": query_value(next_link, "after")})

    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(("url_name", "sort"), API_LISTS)
def test_api_cursors_it_gave_out_still_page_forward_and_back(listed, api, url_name, sort):
    first = api.get(reverse(url_name), {"sort": sort}).json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()

    ids = [row.get("id", row.get("customer")) for row in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 10
    assert back["results"] == first["results"]


@pytest.mark.parametrize("url_name", ["customer-list", "renewal-overview"])
@pytest.mark.parametrize("what", [w for w in FORGED_CURSORS if FORGED_CURSORS[w]])
def test_console_shows_the_first_page_with_a_notice_for_a_forged_cursor(listed, client, url_name, what):
    client.force_login(listed)
    first = client.get(reverse(url_name), {"sort": "created"} if url_name == "customer-list" else {})

    response = client.get(
        reverse(url_name),
        {**({"sort": "created"} if url_name == "customer-list" else {}), "after": FORGED_CURSORS[what]},
    )

    assert response.status_code == 200
    assert "the first page is shown" in response.content.decode()
    assert response.context["page"].object_list == first.context["page"].object_list


def test_console_cursor_it_gave_out_pages_on_without_a_notice(listed, client):
    client.force_login(listed)
    first = client.get(reverse("customer-list")).context["page"]

    second = client.get(reverse("customer-list"), {"after": first.next_cursor})

    assert "the first page is shown" not in second.content.decode()
    assert not {c["pk"] for c in second.context["page"].object_list} & {c["pk"] for c in first.object_list}


def test_csv_export_with_a_forged_cursor_sends_to_the_page_that_says_so(listed, client):
    client.force_login(listed)

    response = client.get(reverse("renewal-overview-csv"), {"after": FORGED_CURSORS["issue example"]})

    assert response.status_code == 302 and response["Location"].startswith(reverse("renewal-overview"))
    assert "the first page is shown" in client.get(response["Location"]).content.decode()


# ---------------------------------------------------------------------------
# Item 19: malformed filters and sorts
# ---------------------------------------------------------------------------
API_FILTERS = [
    ("api-customer-list", "status", "bogus"),
    ("api-customer-list", "segment", "nope"),
    ("api-customer-list", "requests", "everything"),
    ("api-customer-list", "sort", "price"),
    ("api-customer-list", "reseller", "abc"),
    ("api-customer-list", "reseller", ""),
    ("api-customer-list", "reseller", "0"),
    ("api-customer-list", "status", ""),
    ("api-customer-list", "q", "x" * 121),
    ("api-renewal-overview", "window", "nope"),
    ("api-renewal-overview", "segment", "nope"),
    ("api-renewal-overview", "sort", "name"),
    ("api-renewal-overview", "reseller", ""),
    ("api-renewal-overview", "reseller", str(10**30)),
]


@pytest.mark.parametrize(("url_name", "parameter", "value"), API_FILTERS)
@pytest.mark.parametrize("internal", [False, True], ids=["sales", "internal-sales"])
def test_api_refuses_a_malformed_filter_naming_it(listed, url_name, parameter, value, internal):
    user = InternalSalesFactory() if internal else listed
    api = Client(headers={"Authorization": f"Token {Token.objects.create(user=user).key}"})

    response = api.get(reverse(url_name), {parameter: value})

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_filter"
    assert parameter in json.dumps(response.json())


def test_api_accepts_an_empty_search_and_valid_filters(listed, api):
    response = api.get(reverse("api-customer-list"), {"q": "", "status": "active", "sort": "-created"})

    assert response.status_code == 200 and len(response.json()["results"]) == 5


def test_api_purchase_authorization_list_refuses_an_unknown_status(api, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)

    response = api.get(reverse("api-purchase-authorization-list"), {"customer": customer.pk, "status": "bogus"})

    assert response.status_code == 400 and response.json()["code"] == "invalid_filter"
    assert "status" in json.dumps(response.json())


CONSOLE_FILTERS = [
    ("customer-list", "status", "bogus"),
    ("customer-list", "sort", "price"),
    ("customer-list", "reseller", "abc"),
    ("customer-list", "q", "x" * 121),
    ("renewal-overview", "window", "nope"),
    ("renewal-overview", "segment", "nope"),
    ("renewal-overview", "reseller", "abc"),
    ("dashboard", "reseller", "abc"),
]


@pytest.mark.parametrize(("url_name", "parameter", "value"), CONSOLE_FILTERS)
def test_console_says_a_malformed_filter_was_not_applied(client, url_name, parameter, value):
    internal = InternalSalesFactory()
    listed_customer = due_customer(ActiveCustomerFactory().reseller)
    renewal_services.refresh_renewal_overview(on=TODAY)
    client.force_login(internal)

    response = client.get(reverse(url_name), {parameter: value})

    page = response.content.decode()
    assert response.status_code == 200
    assert "was not applied" in page
    if url_name != "dashboard":
        assert listed_customer.company_name in page  # the list without the filter


@pytest.mark.parametrize("url_name", ["customer-list", "renewal-overview", "dashboard"])
def test_console_all_option_is_no_notice(client, url_name):
    """The selects' "All" options send an empty value: that is no filter, not a malformed one."""
    client.force_login(InternalSalesFactory())

    response = client.get(reverse(url_name), {"reseller": "", "status": "", "window": "", "segment": ""})

    assert response.status_code == 200 and "was not applied" not in response.content.decode()


def test_csv_export_with_a_malformed_filter_sends_to_the_page_that_says_so(listed, client):
    client.force_login(listed)

    response = client.get(reverse("renewal-overview-csv"), {"window": "nope"})

    assert response.status_code == 302
    assert "was not applied" in client.get(response["Location"]).content.decode()


# ---------------------------------------------------------------------------
# Item 9: a browser (Accept: text/html) on the API
# ---------------------------------------------------------------------------
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp"


@pytest.mark.parametrize("accept", ["text/html", BROWSER_ACCEPT])
@pytest.mark.parametrize("what", ["customers", "renewals", "authorizations", "customer", "customer renewal"])
def test_api_answers_a_browser_in_json(api, sales, accept, what):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    url = {
        "customers": reverse("api-customer-list"),
        "renewals": reverse("api-renewal-overview"),
        "authorizations": reverse("api-purchase-authorization-list") + f"?customer={customer.pk}",
        "customer": reverse("api-customer-detail", args=[customer.pk]),
        "customer renewal": reverse("api-customer-renewal", args=[customer.pk]),
    }[what]

    response = api.get(url, headers={"Accept": accept})

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    response.json()


def test_api_write_from_a_browser_answers_json(api):
    response = api.post(
        reverse("api-customer-list"), "{}", content_type="application/json", headers={"Accept": "text/html"}
    )

    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")


# ---------------------------------------------------------------------------
# Item 10: deeply nested JSON
# ---------------------------------------------------------------------------
def write_urls(world_customer, sales) -> list[tuple[str, str]]:
    pk = world_customer.pk
    return [
        ("post", reverse("api-customer-list")),
        ("put", reverse("api-customer-detail", args=[pk])),
        ("patch", reverse("api-customer-detail", args=[pk])),
        ("post", reverse("api-customer-invitation", args=[pk])),
        ("post", reverse("api-purchase-authorization-list")),
        ("post", reverse("api-order-intake")),
        ("patch", reverse("api-customer-renewal", args=[pk])),
    ]


@pytest.mark.parametrize("shape", ["array", "object", "in a field"])
@pytest.mark.parametrize("idempotency_key", [False, True], ids=["plain", "idempotency-key"])
def test_deep_json_is_refused_on_every_api_write(api, sales, shape, idempotency_key):
    customer = CustomerFactory(reseller=sales.reseller)
    lws = User.objects.create_user("lws-deep", role=User.Role.LICENSING_WEBSITE)
    lws_api = Client(headers={"Authorization": f"Token {Token.objects.create(user=lws).key}"})
    deep = {
        "array": "[" * 990 + "]" * 990,
        "object": '{"a":' * 990 + "1" + "}" * 990,
        "in a field": '{"company_name": ' + "[" * 990 + "]" * 990 + "}",
    }[shape]
    before = Customer.objects.count()
    for number, (method, url) in enumerate(write_urls(customer, sales)):
        headers = {"Idempotency-Key": f"deep-{shape.replace(' ', '-')}-{number}"} if idempotency_key else {}

        # The order intake is the licensing website's alone: anyone else is refused before the body is read.
        client = lws_api if url == reverse("api-order-intake") else api
        response = getattr(client, method)(url, deep, content_type="application/json", headers=headers)

        assert response.status_code == 400, (method, url, response.content[:300])
        assert response.json()["code"] == "too_deep"
    assert Customer.objects.count() == before


def test_json_within_the_depth_limit_is_parsed(api, settings):
    settings.API_JSON_MAX_DEPTH = 3
    body = {"lines": [{"sku": "x", "quantity": 1}]}  # depth 3, the deepest our requests go

    response = api.post(reverse("api-purchase-authorization-list"), body, content_type="application/json")

    assert response.status_code == 400 and response.json().get("code") != "too_deep"


def test_brackets_inside_strings_do_not_count():
    from resellerconsole.parsers import json_depth

    assert json_depth(json.dumps({"name": "[[[[{{{{" * 100, "quote": 'a "[" b \\ ['})) == 1


# ---------------------------------------------------------------------------
# Item 11: every answer under /api/ is JSON
# ---------------------------------------------------------------------------
def assert_json(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


@pytest.mark.parametrize("idempotency_key", [False, True], ids=["plain", "idempotency-key"])
def test_oversized_body_is_a_json_400(api, settings, idempotency_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"company_name": "x" * 20_000})
    headers = {"Idempotency-Key": "big-1"} if idempotency_key else {}

    response = api.post(reverse("api-customer-list"), body, content_type="application/json", headers=headers)

    assert assert_json(response, 400)["code"] == "request_too_large"


def test_too_many_fields_is_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    body = "&".join(f"f{n}=1" for n in range(200))

    response = api.post(reverse("api-customer-list"), body, content_type="application/x-www-form-urlencoded")

    assert assert_json(response, 400)["code"] == "too_many_fields"


def test_unknown_api_path_and_method_are_json(api):
    assert_json(api.get("/api/v1/no-such-thing/"), 404)
    assert_json(api.delete(reverse("api-customer-list")), 405)


def test_session_api_write_without_csrf_token_is_a_json_403(sales):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sales)

    response = browser.post(reverse("api-customer-list"), "{}", content_type="application/json")

    assert "CSRF" in json.dumps(assert_json(response, 403))


def test_csrf_failure_view_answers_json_under_api_and_html_elsewhere(rf):
    from resellerconsole.api_error_views import csrf_failure

    assert csrf_failure(rf.post("/api/v1/customers/"), reason="no cookie")["Content-Type"] == "application/json"
    assert csrf_failure(rf.post("/customers/new/"), reason="no cookie")["Content-Type"].startswith("text/html")


def test_an_unhandled_error_is_a_json_500_under_api_and_the_page_elsewhere(sales, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("customers.selectors.customer_list", broken)
    api = Client(
        raise_request_exception=False, headers={"Authorization": f"Token {Token.objects.create(user=sales).key}"}
    )
    console = Client(raise_request_exception=False)
    console.force_login(sales)

    body = assert_json(api.get(reverse("api-customer-list")), 500)
    page = console.get(reverse("customer-list"))

    assert "boom" not in json.dumps(body)
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
