"""Reads of the product catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Product, segment_filter


def products_for(*, license_type: str, segment: str) -> QuerySet[Product]:
    """Active products of `license_type` that a `segment` customer may put on a purchase authorization.

    Education device licences are left out: they are ordered directly from the programme owner.
    """
    return (
        Product.objects.filter(is_active=True, license_type=license_type, is_education_device_license=False)
        .filter(segment_filter(segment))
        .order_by("name", "pk")
    )


def product_by_sku(sku: str) -> Product | None:
    """The product whose new-purchase SKU is `sku` (active or not), or None."""
    return products_by_sku([sku]).get(sku)


def products_by_sku(skus) -> dict[str, Product]:
    """The products whose new-purchase SKUs are among `skus` (active or not), by SKU as given: one query."""
    wanted = {sku: sku.strip().upper() for sku in skus}
    found = Product.objects.in_bulk(set(wanted.values()), field_name="sku_new")
    return {sku: found[normal] for sku, normal in wanted.items() if normal in found}


#: The catalogue's sort in the API, ending with the primary key (keyset pages).
CATALOGUE_ORDERING = ("name", "pk")


def catalogue_list(*, license_type: str = "", segment: str = "") -> QuerySet[Product]:
    """Every product (active or not), optionally of one licence type or sold to one market segment."""
    products = Product.objects.all()
    if license_type:
        products = products.filter(license_type=license_type)
    if segment:
        products = products.filter(segment_filter(segment))
    return products.order_by(*CATALOGUE_ORDERING)
