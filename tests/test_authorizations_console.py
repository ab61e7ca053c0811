"""The Plans tab, the PA dialog (with and without JavaScript), history, undo, orders, returns, admin console."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from authorizations import services
from authorizations.models import PurchaseAuthorization
from customers.models import CustomerStatus
from licences.models import Holding
from tests.factories import ActiveCustomerFactory, ProductFactory, ResellerAdminFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(sales):
    return ActiveCustomerFactory(reseller=sales.reseller)


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


def test_seven_steps_without_javascript(sales_client, customer):
    photoshop, indesign = ProductFactory(name="Photoshop"), ProductFactory(name="InDesign")
    url = reverse("purchase-authorization-create", args=[customer.pk])

    page = sales_client.get(url)  # 1-2: the dialog as a page
    chose_type = sales_client.post(url, dialog_data(action="refresh"))  # 3: licence type lists its products
    plus = sales_client.post(
        url, dialog_data(**{"lines-0-product": photoshop.pk, "lines-0-quantity": "5", "action": "add_line"})
    )  # 4-5: a second row
    nothing_yet = not PurchaseAuthorization.objects.exists()
    created = sales_client.post(
        url,
        dialog_data(
            **{  # 6-7: PO number, create
                "lines-TOTAL_FORMS": "2",
                "lines-0-product": photoshop.pk,
                "lines-0-quantity": "5",
                "lines-1-product": indesign.pk,
                "lines-1-quantity": "2",
                "po_number": "PO-77",
            }
        ),
        follow=True,
    )

    assert page.status_code == 200 and "Create purchase authorization" in page.content.decode()
    assert "Photoshop" in chose_type.content.decode()
    assert "This field is required" not in chose_type.content.decode()  # not judged before "Create"
    assert "This field is required" not in plus.content.decode()
    assert len(plus.context["lines"].forms) == 2 and nothing_yet
    pa = PurchaseAuthorization.objects.get()
    assert [(ln.product.name, ln.quantity) for ln in pa.lines.all()] == [("Photoshop", 5), ("InDesign", 2)]
    assert pa.po_number == "PO-77"
    assert pa.reference in created.content.decode() and "30 days left" in created.content.decode()


def test_a_row_can_be_removed_again(sales_client, customer):
    product = ProductFactory()
    response = sales_client.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        dialog_data(
            **{
                "lines-TOTAL_FORMS": "2",
                "lines-0-product": "",
                "lines-1-product": product.pk,
                "lines-1-quantity": "3",
                "action": "remove_line:0",
            }
        ),
    )
    forms = response.context["lines"].forms
    assert len(forms) == 1 and forms[0]["product"].value() == str(product.pk)


def test_htmx_dialog_redirects_the_page_on_success(sales_client, customer):
    product = ProductFactory()
    response = sales_client.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        dialog_data(**{"lines-0-product": product.pk, "lines-0-quantity": "1"}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == reverse("customer-history", args=[customer.pk])


@pytest.mark.parametrize(
    ("product_kwargs", "quantity", "message"),
    [
        (
            {
                "is_education_device_license": True,
                "for_education": True,
                "for_commercial": False,
                "for_government": False,
            },
            "1",
            "Education device licence",
        ),
        ({"license_type": "enterprise"}, "1", "is sold as Enterprise licences"),
        ({}, "10001", "from 1 to 10"),
        ({}, "0", "greater than or equal to 1"),
    ],
)
def test_dialog_refusals_are_shown_at_the_row(sales_client, customer, product_kwargs, quantity, message):
    product = ProductFactory(**product_kwargs)
    response = sales_client.post(
        reverse("purchase-authorization-create", args=[customer.pk]),
        dialog_data(**{"lines-0-product": product.pk, "lines-0-quantity": quantity}),
    )
    assert message in response.content.decode()
    assert response.context["lines"].forms[0].errors
    assert not PurchaseAuthorization.objects.exists()


def test_bad_po_number_and_delayed_account(sales_client, customer, sales):
    product = ProductFactory()
    url = reverse("purchase-authorization-create", args=[customer.pk])
    bad_po = sales_client.post(
        url, dialog_data(**{"lines-0-product": product.pk, "lines-0-quantity": "1", "po_number": "PO #1"})
    )
    assert "letters, digits" in bad_po.content.decode()

    with time_machine.travel(services.today() - timedelta(days=40)):
        overdue = services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=sales
        )
    delayed = sales_client.post(url, dialog_data(**{"lines-0-product": ProductFactory().pk, "lines-0-quantity": "1"}))
    assert overdue.reference in delayed.content.decode()
    assert PurchaseAuthorization.objects.count() == 1


@pytest.mark.parametrize("count", [1, 6])
def test_history_and_plans_use_a_fixed_number_of_queries(
    sales_client, customer, sales, count, django_assert_max_num_queries
):
    for _ in range(count):
        products = [ProductFactory(), ProductFactory()]
        pa = services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(p, 2) for p in products], actor=sales
        )
        services.order_place(
            order_number=f"N{pa.pk}",
            order_date=services.today(),
            pa_reference=pa.reference,
            lines=[services.OrderLineRequest(p.sku_new, 2) for p in products],
            actor=ResellerAdminFactory(reseller=sales.reseller),
        )
    with django_assert_max_num_queries(12):
        assert sales_client.get(reverse("customer-history", args=[customer.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert sales_client.get(reverse("customer-plans", args=[customer.pk])).status_code == 200


def test_withdraw_confirmation_shows_what_and_then_withdraws(sales_client, customer, sales):
    product = ProductFactory(name="Illustrator")
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 4)], actor=sales
    )
    url = reverse("purchase-authorization-withdraw", args=[customer.pk, pa.pk])
    confirm = sales_client.get(url)
    done = sales_client.post(url, follow=True)
    assert "Illustrator" in confirm.content.decode() and "× 4" in confirm.content.decode()
    pa.refresh_from_db()
    assert pa.status == "withdrawn"
    assert "was withdrawn" in done.content.decode()


def test_withdraw_confirmation_names_the_users_who_block_it(sales_client, customer, sales):
    product = ProductFactory()
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=sales
    )
    services.assignment_add(customer=customer, product=product, email="nina@customer.example", actor=sales)
    confirm = sales_client.get(reverse("purchase-authorization-withdraw", args=[customer.pk, pa.pk]))
    refused = sales_client.post(reverse("purchase-authorization-withdraw", args=[customer.pk, pa.pk]), follow=True)
    assert "nina@customer.example" in confirm.content.decode()
    assert "nina@customer.example" in refused.content.decode()
    pa.refresh_from_db()
    assert pa.status == "pending"


def test_remove_one_product_through_its_confirmation(sales_client, customer, sales):
    keep, drop = ProductFactory(), ProductFactory()
    pa = services.purchase_authorization_create(
        customer=customer,
        license_type="team",
        lines=[services.LineRequest(keep, 1), services.LineRequest(drop, 2)],
        actor=sales,
    )
    url = reverse("purchase-authorization-remove-products", args=[customer.pk, pa.pk])
    assert drop.name in sales_client.get(url, {"product": drop.pk}).content.decode()
    sales_client.post(url, {"product": drop.pk})
    assert Holding.objects.get(customer=customer, product=drop).deployed == 0


def test_record_order_duration_and_return_in_the_console(client, customer, sales):
    # Recording orders by hand is for reseller admins and internal sales, not sales (issue 12).
    client.force_login(ResellerAdminFactory(reseller=sales.reseller))
    product = ProductFactory()
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 3)], actor=sales
    )
    recorded = client.post(
        reverse("order-record", args=[customer.pk, pa.pk]),
        {"order_number": "LWS-9", "order_date": services.today().isoformat()},
        follow=True,
    )
    order = pa.__class__.objects.get(pk=pa.pk).order
    client.post(reverse("order-set-duration", args=[customer.pk, order.pk]), {"duration_months": "9"})
    bad = client.post(
        reverse("order-set-duration", args=[customer.pk, order.pk]), {"duration_months": "x"}, follow=True
    )
    returned = client.post(
        reverse("return-request", args=[customer.pk, order.pk]), {"line": order.lines.get().pk}, follow=True
    )

    assert "LWS-9" in recorded.content.decode()
    order.refresh_from_db()
    assert order.duration_months == 9
    assert bad.status_code == 200
    assert "Return authorization recorded" in returned.content.decode()


def test_customer_list_request_filters(sales_client, customer, sales):
    idle = ActiveCustomerFactory(reseller=sales.reseller)
    services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(ProductFactory(), 1)], actor=sales
    )
    url = reverse("customer-list")
    pending = sales_client.get(url, {"requests": "pending_requests"}).context["page"].object_list
    none = sales_client.get(url, {"requests": "no_products"}).context["page"].object_list
    past_due = sales_client.get(url, {"requests": "past_due"}).context["page"].object_list
    none_pks = [c["pk"] for c in none]  # the list's page holds values() rows (customers/rows.py)
    assert [c["pk"] for c in pending] == [customer.pk] and idle.pk in none_pks and customer.pk not in none_pks
    assert list(past_due) == []


def test_vip_admin_signs_up_from_the_invitation_and_assigns_licences(client, customer, sales):
    from customers.services import invitation_token

    product = ProductFactory(name="Acrobat")
    services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 2)], actor=sales
    )
    admin_email = customer.vip_admins.first().email
    url = reverse("invitation-accept", args=[invitation_token(customer.vip_admins.first())])
    page = client.get(url)
    signed_in = client.post(
        url, {"action": "sign_in", "password1": "a-good-pass-42", "password2": "a-good-pass-42"}, follow=True
    )
    client.post(reverse("admin-console"), {"product": product.pk, "email": "user1@customer.example"})
    console = client.get(reverse("admin-console"))

    assert admin_email in page.content.decode()  # the link signs up the address it was sent to, no other
    assert signed_in.request["PATH_INFO"] == reverse("admin-console")
    assert "user1@customer.example" in console.content.decode()
    assert client.get(reverse("customer-list")).status_code == 403  # not a reseller


def test_vip_admins_see_only_their_own_organisation(client, customer, sales):
    from accounts.models import User

    other = ActiveCustomerFactory()
    product = ProductFactory()
    services.purchase_authorization_create(
        customer=other, license_type="team", lines=[services.LineRequest(product, 1)], actor=sales
    )
    theirs = services.assignment_add(customer=other, product=product, email="x@other.example", actor=sales)
    client.force_login(
        User.objects.create_user(
            "vip@c.example", role="vip_admin", customer=customer, vip_admin=customer.vip_admins.first()
        )
    )
    page = client.get(reverse("admin-console"))
    release = client.post(reverse("assignment-release", args=[theirs.pk]))
    assert "x@other.example" not in page.content.decode()
    assert release.status_code == 404


def test_enforce_order_deadlines_command(customer, sales, capsys):
    product = ProductFactory()
    with time_machine.travel(services.today() - timedelta(days=31)):
        services.purchase_authorization_create(
            customer=customer, license_type="team", lines=[services.LineRequest(product, 1)], actor=sales
        )
    call_command("enforce_order_deadlines", "--dry-run")
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.ACTIVE
    assert "1 accounts would be delayed" in capsys.readouterr().out
    call_command("enforce_order_deadlines", "--date", services.today().isoformat())
    customer.refresh_from_db()
    assert customer.status == CustomerStatus.DELAYED


def test_enforce_order_deadlines_task_and_its_beat_schedule():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from authorizations.tasks import enforce_order_deadlines

    assert enforce_order_deadlines("2026-01-01") == {"delayed": 0, "restored": 0}
    migration = importlib.import_module("authorizations.migrations.0002_order_deadline_schedule")
    PeriodicTask.objects.filter(task="authorizations.enforce_order_deadlines").delete()
    migration.add_schedule(apps, None)
    migration.add_schedule(apps, None)
    entry = PeriodicTask.objects.get(task="authorizations.enforce_order_deadlines")
    assert (entry.crontab.hour, entry.crontab.minute) == ("0", "15") and entry.expire_seconds < 24 * 3600


def test_account_activity_says_what_each_change_did(sales_client, customer, sales):
    product = ProductFactory(name="Premiere Pro")
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 3)], actor=sales
    )
    order, _ = services.order_place(
        order_number="LWS-5",
        order_date=services.today(),
        pa_reference=pa.reference,
        lines=[services.OrderLineRequest(product.sku_new, 3)],
        actor=ResellerAdminFactory(reseller=sales.reseller),
    )
    services.order_set_duration(order=order, months=10, actor=sales)
    page = sales_client.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    assert f"{pa.reference}: Premiere Pro × 3" in page
    assert f"LWS-5 → {pa.reference}" in page
    assert "LWS-5: 12 → 10" in page


def test_pages_survive_the_people_behind_the_history_being_deleted(sales_client, customer, sales):
    """Users are SET_NULL on delete: history, renewals and activity must still render (was a 500)."""
    colleague = ResellerAdminFactory(reseller=sales.reseller)
    product = ProductFactory()
    pa = services.purchase_authorization_create(
        customer=customer, license_type="team", lines=[services.LineRequest(product, 2)], actor=colleague
    )
    order, _ = services.order_place(
        order_number="GONE-1",
        order_date=services.today(),
        pa_reference=pa.reference,
        lines=[services.OrderLineRequest(product.sku_new, 2)],
        actor=colleague,
    )
    services.order_set_duration(order=order, months=6, actor=colleague)
    colleague.delete()
    for tab in ("customer-detail", "customer-history", "customer-renewals", "customer-plans"):
        response = sales_client.get(reverse(tab, args=[customer.pk]))
        assert response.status_code == 200, tab
    assert "—" in sales_client.get(reverse("customer-history", args=[customer.pk])).content.decode()
