"""Each list filter's values have one owner, the app whose data they filter (issue 13): the customer list's
"Show" filter is authorizations' RequestFilter, registered with the customer list; the form, the console's
options, the API's schema and the dashboard's links all ask it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from authorizations.selectors import RequestFilter, customer_request_filter
from customers.forms import CustomerFilterForm
from customers.selectors import request_filter, request_filter_values
from renewals.dates import WindowState

pytestmark = pytest.mark.django_db


def test_the_show_filter_is_authorizations_request_filter():
    registered = request_filter()
    assert registered.choices is RequestFilter and registered.apply is customer_request_filter
    assert request_filter_values() == ["no_products", "pending_requests", "due_soon", "past_due"]


def test_the_form_accepts_exactly_the_owners_values():
    for value in RequestFilter.values:
        assert CustomerFilterForm({"requests": value}).filters()["requests"] == value
    refused = CustomerFilterForm({"requests": "everything"})
    assert refused.filters()["requests"] == "" and "requests" in refused.refused()


def test_the_console_offers_the_owners_values_with_their_labels(sales_client):
    page = sales_client.get(reverse("customer-list"), {"requests": "due_soon"}).content.decode()
    for value, label in RequestFilter.choices:
        selected = " selected" if value == RequestFilter.DUE_SOON else ""
        assert f'<option value="{value}"{selected}>{label}</option>' in page


def test_the_api_schema_offers_the_owners_values(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/customers/"]["get"]["parameters"]
    requests = next(p for p in parameters if p["name"] == "requests")
    assert sorted(requests["schema"]["enum"]) == sorted(RequestFilter.values)


def test_the_dashboards_links_use_the_owners_values(sales_client):
    links = sales_client.get(reverse("dashboard")).context["links"]
    values = {name: parse_qs(urlsplit(links[name]).query) for name in ("pending", "due_soon", "delayed", "open")}
    assert values["pending"]["requests"] == [RequestFilter.PENDING_REQUESTS]
    assert values["due_soon"]["requests"] == [RequestFilter.DUE_SOON]
    assert values["delayed"]["status"] == ["delayed"]
    assert values["open"]["window"] == [WindowState.OPEN]
