"""The demo product catalogue: Adobe-like VIP products at volume level 1, 12-month terms, prices in EUR.

Loading it twice gives the same catalogue: each product is found by its new-purchase SKU and updated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.db import transaction

from .models import LicenseType, Product


class DemoProduct(NamedTuple):
    sku_new: str
    sku_renewal: str
    license_type: str
    #: Who may buy it: C = Commercial, E = Education, G = Government, D = Education device licence
    #: (Education only, never on a purchase authorization).
    segments: str
    unit_price: str
    name: str


TEAM, ENTERPRISE = LicenseType.TEAM, LicenseType.ENTERPRISE

_ROWS = [
    ("65304520CA01A12", "65304527CA01A12", TEAM, "C", "215.88", "Acrobat Pro"),
    ("65304560CA01A12", "65304567CA01A12", ENTERPRISE, "C", "239.40", "Acrobat Pro"),
    ("65304600CA01A12", "65304607CA01A12", TEAM, "C", "167.88", "Acrobat Standard"),
    ("65304640CA01A12", "65304647CA01A12", ENTERPRISE, "C", "186.00", "Acrobat Standard"),
    ("65304680CA01A12", "65304687CA01A12", TEAM, "C", "1019.88", "Creative Cloud All Apps"),
    ("65304720CA01A12", "65304727CA01A12", ENTERPRISE, "C", "1138.80", "Creative Cloud All Apps"),
    ("65304760CA01A12", "65304767CA01A12", TEAM, "C", "431.88", "Photoshop"),
    ("65304800CA01A12", "65304807CA01A12", ENTERPRISE, "C", "478.80", "Photoshop"),
    ("65304840CA01A12", "65304847CA01A12", TEAM, "C", "431.88", "Illustrator"),
    ("65304880CA01A12", "65304887CA01A12", ENTERPRISE, "C", "478.80", "Illustrator"),
    ("65304920CA01A12", "65304927CA01A12", TEAM, "C", "431.88", "InDesign"),
    ("65304960CA01A12", "65304967CA01A12", ENTERPRISE, "C", "478.80", "InDesign"),
    ("65305000CA01A12", "65305007CA01A12", TEAM, "C", "431.88", "Premiere Pro"),
    ("65305040CA01A12", "65305047CA01A12", ENTERPRISE, "C", "478.80", "Premiere Pro"),
    ("65305080CA01A12", "65305087CA01A12", TEAM, "C", "431.88", "After Effects"),
    ("65305120CA01A12", "65305127CA01A12", ENTERPRISE, "C", "478.80", "After Effects"),
    ("65305160CA01A12", "65305167CA01A12", TEAM, "C", "143.88", "Lightroom"),
    ("65305200CA01A12", "65305207CA01A12", TEAM, "C", "1199.88", "Substance 3D Collection"),
    ("65305240CA01A12", "65305247CA01A12", ENTERPRISE, "C", "1318.80", "Substance 3D Collection"),
    ("65305280CA01A12", "65305287CA01A12", TEAM, "CG", "95.88", "Adobe Express"),
    ("65305320CA01A12", "65305327CA01A12", ENTERPRISE, "CG", "107.88", "Adobe Express"),
    ("65305360CA01A12", "65305367CA01A12", TEAM, "CG", "431.88", "Dreamweaver"),
    ("65305400CA01A12", "65305407CA01A12", TEAM, "CG", "431.88", "Animate"),
    ("65305440CA01A12", "65305447CA01A12", TEAM, "CG", "431.88", "Audition"),
    ("65305480CA01A12", "65305487CA01A12", TEAM, "CG", "71.88", "InCopy"),
    ("65305520CA01A12", "65305527CA01A12", TEAM, "CEG", "3599.88", "Adobe Stock, 10 assets a month"),
    ("65305560CA01A12", "65305567CA01A12", ENTERPRISE, "C", "479.88", "Acrobat Sign Solutions"),
    ("65305600BA01A12", "65305607BA01A12", TEAM, "E", "179.88", "Acrobat Pro for Education"),
    ("65305640BA01A12", "65305647BA01A12", ENTERPRISE, "E", "47.88", "Acrobat Pro for Education"),
    ("65305680BA01A12", "65305687BA01A12", TEAM, "E", "395.88", "Creative Cloud All Apps for Education"),
    ("65305720BA01A12", "65305727BA01A12", ENTERPRISE, "E", "419.88", "Creative Cloud All Apps for Education"),
    ("65305760BA01A12", "65305767BA01A12", TEAM, "E", "179.88", "Photoshop for Education"),
    ("65305800BA01A12", "65305807BA01A12", ENTERPRISE, "E", "29.88", "Adobe Express for Education"),
    ("65305840BB01A12", "65305847BB01A12", TEAM, "D", "395.88", "Creative Cloud All Apps Shared Device Licence"),
    ("65305880BB01A12", "65305887BB01A12", ENTERPRISE, "D", "419.88", "Creative Cloud All Apps Shared Device Licence"),
    ("65305920BB01A12", "65305927BB01A12", TEAM, "D", "159.88", "Photoshop Shared Device Licence"),
    ("65305960BB01A12", "65305967BB01A12", ENTERPRISE, "D", "39.88", "Acrobat Pro Shared Device Licence"),
    ("65306000GA01A12", "65306007GA01A12", TEAM, "G", "203.88", "Acrobat Pro for Government"),
    ("65306040GA01A12", "65306047GA01A12", ENTERPRISE, "G", "227.40", "Acrobat Pro for Government"),
    ("65306080GA01A12", "65306087GA01A12", TEAM, "G", "959.88", "Creative Cloud All Apps for Government"),
    ("65306120GA01A12", "65306127GA01A12", ENTERPRISE, "G", "1078.80", "Creative Cloud All Apps for Government"),
    ("65306160GA01A12", "65306167GA01A12", ENTERPRISE, "G", "455.88", "Acrobat Sign Solutions for Government"),
]
DEMO_PRODUCTS: list[DemoProduct] = [DemoProduct(*row) for row in _ROWS]


def load_demo_catalogue() -> int:
    """Create or update every demo product (matched by new-purchase SKU); return how many were created."""
    created_count = 0
    with transaction.atomic():
        for product in DEMO_PRODUCTS:
            _, created = Product.objects.update_or_create(
                sku_new=product.sku_new,
                defaults={
                    "name": product.name,
                    "license_type": product.license_type,
                    "for_commercial": "C" in product.segments,
                    "for_education": "E" in product.segments or "D" in product.segments,
                    "for_government": "G" in product.segments,
                    "is_education_device_license": "D" in product.segments,
                    "sku_renewal": product.sku_renewal,
                    "unit_price": Decimal(product.unit_price),
                    "currency": "EUR",
                    "is_active": True,
                },
            )
            created_count += created
    return created_count
