"""Issue 12, item 23: a PO number longer than 35 characters is refused at the field with a message, never cut
short by the browser (no maxlength on the input) and never turned into a PA with a different PO number."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from authorizations.models import PurchaseAuthorization
from tests.factories import ActiveCustomerFactory, ProductFactory, SalesFactory

PO_36 = "PO-" + "7" * 33


def dialog_data(**overrides):
    data = {
        "license_type": "team",
        "po_number": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": "",
        "lines-0-quantity": "",
        "action": "create",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_po_field_has_no_truncating_maxlength_but_tells_the_limit(sales_client, sales):
    customer = ActiveCustomerFactory(reseller=sales.reseller)

    page = sales_client.get(reverse("purchase-authorization-create", args=[customer.pk]), HTTP_HX_REQUEST="true")

    field = re.search(r"<input[^>]*name=\"po_number\"[^>]*>", page.content.decode()).group(0)
    assert "maxlength" not in field
    assert 'data-max-length="35"' in field
    assert "at most 35 characters" in field  # the hint console.js shows, translated on the server


@pytest.mark.django_db
@pytest.mark.parametrize(("po_number", "created"), [("P" * 35, True), (PO_36, False)])
def test_the_server_refuses_36_characters_at_the_field(sales_client, sales, po_number, created):
    customer = ActiveCustomerFactory(reseller=sales.reseller)
    product = ProductFactory()

    response = sales_client.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        dialog_data(**{"lines-0-product": product.pk, "lines-0-quantity": "1", "po_number": po_number}),
    )

    assert PurchaseAuthorization.objects.exists() is created
    if not created:
        assert response.status_code == 200
        assert response.context["form"].errors["po_number"] == [
            "The PO number can have at most 35 characters (it has 36)."
        ]
        assert 'id="id_po_number_error"' in response.content.decode()
        assert PO_36 in response.content.decode()  # shown as typed, to be corrected


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_36_characters_in_the_dialog_shows_why_and_creates_nothing(page: Page, live_server):
    refused: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    sales = SalesFactory(username="sam")
    customer = ActiveCustomerFactory(reseller=sales.reseller, company_name="Planmedia AB")
    photoshop = ProductFactory(name="Photoshop")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "pw-for-tests-123")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.goto(f"{live_server.url}/customers/{customer.pk}/plans/")
    page.get_by_role("link", name="Create a new purchase authorization").click()
    dialog = page.locator("dialog#pa-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Licence type").select_option("team")
    expect(dialog.locator("#id_lines-0-product option", has_text="Photoshop")).to_have_count(1)
    dialog.locator("#id_lines-0-product").select_option(str(photoshop.pk))
    dialog.locator("#id_lines-0-quantity").fill("5")

    po_field = dialog.locator("#id_po_number")
    po_field.press_sequentially(PO_36)

    expect(po_field).to_have_value(PO_36)  # not cut to 35
    expect(dialog.locator("#id_po_number_length")).to_have_text(
        "Too long: the PO number can have at most 35 characters. (36/35)"
    )
    expect(po_field).to_have_attribute("aria-invalid", "true")
    dialog.get_by_role("button", name="Create purchase authorization").click()
    expect(dialog.locator("#id_po_number_error")).to_contain_text(
        "The PO number can have at most 35 characters (it has 36)."
    )
    expect(dialog.locator("#id_po_number")).to_have_value(PO_36)
    assert not PurchaseAuthorization.objects.exists()
    assert refused == []
