"""Issue 12, item 20: the schema states the purchase authorization's rules, from the constants and settings the
service checks (PO number 35 characters of letters, digits and -_/.; quantity 1..cap per licence type; 499 lines)."""

import pytest
from rest_framework.test import APIClient

from authorizations import services

pytestmark = pytest.mark.django_db


def pa_input_schema(user):
    client = APIClient()
    client.force_authenticate(user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    request = schema["paths"]["/api/v1/purchase-authorizations/"]["post"]["requestBody"]
    name = request["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    pa = components[name]["properties"]
    line = components[pa["lines"]["items"]["$ref"].rsplit("/", 1)[1]]["properties"]
    return pa, line


def po_number_schema(pa) -> dict:
    # allow_blank gives oneOf [the rule, the empty string]
    return next(s for s in pa["po_number"].get("oneOf", [pa["po_number"]]) if s.get("maxLength", 0) > 0)


def test_the_schema_states_the_rules_the_service_checks(sales, settings):
    pa, line = pa_input_schema(sales)

    assert po_number_schema(pa)["maxLength"] == services.PO_NUMBER_MAX_LENGTH == 35
    assert po_number_schema(pa)["pattern"] == services.PO_NUMBER_PATTERN.pattern
    assert (pa["lines"]["minItems"], pa["lines"]["maxItems"]) == (1, settings.PA_MAX_LINES)
    assert line["quantity"]["minimum"] == 1
    assert line["quantity"]["maximum"] == max(settings.PA_MAX_QUANTITY.values())
    for cap in settings.PA_MAX_QUANTITY.values():
        assert str(cap) in line["quantity"]["description"]


def test_the_schema_follows_the_settings(sales, settings):
    settings.PA_MAX_LINES = 7
    settings.PA_MAX_QUANTITY = {"team": 12, "enterprise": 34}

    pa, line = pa_input_schema(sales)

    assert pa["lines"]["maxItems"] == 7
    assert line["quantity"]["maximum"] == 34
    assert "12" in line["quantity"]["description"] and "34" in line["quantity"]["description"]


@pytest.mark.parametrize("po_number", ["PO-1/2_3.4", "A" * 35])
def test_what_the_pattern_accepts_the_service_accepts(po_number):
    import re

    assert re.fullmatch(services.PO_NUMBER_PATTERN.pattern, po_number)
    assert services._validate_po_number(po_number) == po_number
