"""The product catalogue: the demo load, which products a purchase authorization may offer, the admin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalogue.demo import DEMO_PRODUCTS, load_demo_catalogue
from catalogue.models import LicenseType, MarketSegment, Product, segment_filter
from catalogue.selectors import product_by_sku, products_for

pytestmark = pytest.mark.django_db

_sku_counter = iter(range(10_000, 99_999))


def make_product(**overrides) -> Product:
    number = next(_sku_counter)
    fields = {
        "name": f"Product {number}",
        "license_type": LicenseType.TEAM,
        "for_commercial": True,
        "sku_new": f"6530{number:04d}CA01A12",
        "sku_renewal": f"6531{number:04d}CA01A12",
        "unit_price": Decimal("100.00"),
        **overrides,
    }
    return Product.objects.create(**fields)


def test_demo_catalogue_load_is_idempotent():
    created = load_demo_catalogue()
    count = Product.objects.count()

    assert created == count == len(DEMO_PRODUCTS) >= 20
    assert load_demo_catalogue() == 0
    assert Product.objects.count() == count


def test_demo_catalogue_covers_types_segments_and_device_licences():
    load_demo_catalogue()
    products = list(Product.objects.all())

    assert {p.license_type for p in products} == set(LicenseType.values)
    for segment in MarketSegment.values:
        assert any(p.sold_to(segment) for p in products), segment
    device_licences = [p for p in products if p.is_education_device_license]
    assert len(device_licences) >= 3
    assert all(p.market_segments == [MarketSegment.EDUCATION] for p in device_licences)
    for product in products:
        product.full_clean()  # SKU format, price, currency


def test_demo_catalogue_update_restores_a_changed_product():
    load_demo_catalogue()
    first = DEMO_PRODUCTS[0]
    Product.objects.filter(sku_new=first.sku_new).update(unit_price=Decimal("1.00"), is_active=False)

    load_demo_catalogue()

    product = Product.objects.get(sku_new=first.sku_new)
    assert product.unit_price == Decimal(first.unit_price) and product.is_active


def test_load_demo_catalogue_command(capsys):
    from django.core.management import call_command

    call_command("load_demo_catalogue")

    assert Product.objects.count() == len(DEMO_PRODUCTS)
    assert f"{len(DEMO_PRODUCTS)} products" in capsys.readouterr().out


def test_products_for_filters_by_licence_type_and_segment_and_leaves_out_device_licences():
    team_commercial = make_product(name="B team commercial")
    team_both = make_product(name="A team commercial and government", for_government=True)
    make_product(name="Enterprise commercial", license_type=LicenseType.ENTERPRISE)
    team_education = make_product(name="Team education", for_commercial=False, for_education=True)
    make_product(name="Team device licence", for_commercial=False, for_education=True, is_education_device_license=True)
    make_product(name="Inactive team commercial", is_active=False)

    assert list(products_for(license_type=LicenseType.TEAM, segment=MarketSegment.COMMERCIAL)) == [
        team_both,
        team_commercial,
    ]
    assert list(products_for(license_type=LicenseType.TEAM, segment=MarketSegment.GOVERNMENT)) == [team_both]
    assert list(products_for(license_type=LicenseType.TEAM, segment=MarketSegment.EDUCATION)) == [team_education]
    assert not products_for(license_type=LicenseType.ENTERPRISE, segment=MarketSegment.EDUCATION).exists()


def test_products_for_on_the_demo_catalogue_never_offers_a_device_licence():
    load_demo_catalogue()
    for license_type in LicenseType.values:
        for segment in MarketSegment.values:
            products = list(products_for(license_type=license_type, segment=segment))
            assert products, (license_type, segment)
            assert all(p.license_type == license_type and p.sold_to(segment) for p in products)
            assert not any(p.is_education_device_license for p in products)
            assert [p.name for p in products] == sorted(p.name for p in products)


def test_product_by_sku_matches_the_new_purchase_sku():
    product = make_product()

    assert product_by_sku(product.sku_new) == product
    assert product_by_sku(f" {product.sku_new.lower()} ") == product
    assert product_by_sku(product.sku_renewal) is None
    assert product_by_sku("00000000XX00X00") is None


def test_sold_to_and_segment_filter():
    product = make_product(for_government=True)

    assert product.sold_to(MarketSegment.COMMERCIAL) and product.sold_to(MarketSegment.GOVERNMENT)
    assert not product.sold_to(MarketSegment.EDUCATION)
    assert not product.sold_to("unknown")
    assert Product.objects.filter(segment_filter(MarketSegment.GOVERNMENT)).get() == product
    assert not Product.objects.filter(segment_filter(MarketSegment.EDUCATION)).exists()
    with pytest.raises(ValueError, match="unknown"):
        segment_filter("unknown")


def test_str_names_the_licence_type():
    assert str(make_product(name="Photoshop", license_type=LicenseType.ENTERPRISE)) == "Photoshop (Enterprise)"


def test_the_database_refuses_a_product_no_segment_may_buy():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(for_commercial=False)


def test_validation_refuses_a_product_no_segment_may_buy():
    product = Product(
        name="Nobody's",
        license_type=LicenseType.TEAM,
        sku_new="65399990CA01A12",
        sku_renewal="65399997CA01A12",
        unit_price=Decimal("1.00"),
    )
    with pytest.raises(ValidationError, match="at least one market segment"):
        product.full_clean()


def test_the_database_refuses_a_device_licence_for_other_segments():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(for_education=True, is_education_device_license=True)


def test_admin_changelist_opens(admin_client):
    load_demo_catalogue()

    response = admin_client.get(reverse("admin:catalogue_product_changelist"))

    assert response.status_code == 200
    assert DEMO_PRODUCTS[0].sku_new in response.content.decode()


def test_admin_search_filter_and_change_page(admin_client):
    load_demo_catalogue()
    product = Product.objects.get(sku_new=DEMO_PRODUCTS[0].sku_new)
    url = reverse("admin:catalogue_product_changelist")

    assert admin_client.get(url, {"q": product.sku_renewal}).status_code == 200
    assert admin_client.get(url, {"is_education_device_license__exact": "1"}).status_code == 200
    response = admin_client.get(reverse("admin:catalogue_product_change", args=[product.pk]))
    assert response.status_code == 200
