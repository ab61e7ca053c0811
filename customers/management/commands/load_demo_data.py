"""Demo data for `make run`: running it twice gives the same data (everything is looked up first)."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Reseller, User
from customers import services
from customers.models import Customer, Language, MarketSegment

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed by `make run`, demo only

RESELLERS = [
    {"partner_id": "P1000101", "name": "Nordic Software AB", "country": "SE"},
    {"partner_id": "P1000202", "name": "Baltic Licensing OÜ", "country": "EE"},
]
USERS = [
    # username, first, last, role, reseller partner ID
    ("anna.admin", "Anna", "Andersson", User.Role.RESELLER_ADMIN, "P1000101"),
    ("sam.sales", "Sam", "Svensson", User.Role.SALES, "P1000101"),
    ("bea.sales", "Bea", "Berg", User.Role.SALES, "P1000202"),
    ("ines.internal", "Ines", "Ingström", User.Role.INTERNAL_SALES, None),
]
PREFIXES = ["Nord", "Fjäll", "Sol", "Havs", "Berg", "Ljus", "Skogs", "Stads", "Älv", "Kust", "Vind", "Sjö", "Ek"]
SUFFIXES = ["data", "media", "tryck", "design", "konsult", "bygg", "skolan", "kommun", "labs", "studio"]
FORMS = {MarketSegment.COMMERCIAL: "AB", MarketSegment.EDUCATION: "gymnasium", MarketSegment.GOVERNMENT: "myndigheten"}
CITIES = [
    ("111 22", "Stockholm"),
    ("411 03", "Göteborg"),
    ("211 20", "Malmö"),
    ("753 10", "Uppsala"),
    ("903 26", "Umeå"),
]


class Command(BaseCommand):
    help = "Load the demo resellers, users and customers (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            resellers = {
                r["partner_id"]: Reseller.objects.get_or_create(
                    partner_id=r["partner_id"], defaults={"name": r["name"], "country": r["country"]}
                )[0]
                for r in RESELLERS
            }
            self._user("admin", "Ada", "Admin", role="", reseller=None, superuser=True)
            for username, first, last, role, partner_id in USERS:
                self._user(username, first, last, role=role, reseller=resellers.get(partner_id))
        sales = User.objects.get(username="sam.sales")
        other_sales = User.objects.get(username="bea.sales")
        created = self._customers(resellers["P1000101"], sales, count=48, seed=1)
        created += self._customers(resellers["P1000202"], other_sales, count=8, seed=2)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} customers added)."))

    def _user(self, username, first, last, *, role, reseller, superuser=False) -> None:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "role": role,
                "reseller": reseller,
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])

    def _customers(self, reseller, actor, *, count: int, seed: int) -> int:
        rng = random.Random(seed)  # noqa: S311 - demo names, not secrets
        existing = set(Customer.objects.filter(reseller=reseller).values_list("company_name", flat=True))
        created = 0
        for number in range(count):
            segment = rng.choice(list(MarketSegment))
            name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {FORMS[segment]} {number + 1:02d}"
            postal_code, city = rng.choice(CITIES)
            street = f"{rng.choice(['Storgatan', 'Kungsgatan', 'Drottninggatan'])} {rng.randint(1, 90)}"
            language = Language.SWEDISH if rng.random() < 0.6 else Language.ENGLISH
            stage = rng.random()
            # Every random draw above happens for every row, so a second run sees the same names.
            if name in existing:
                continue
            customer = services.customer_create(
                reseller=reseller,
                actor=actor,
                company_name=name,
                address_line1=street,
                postal_code=postal_code,
                city=city,
                country="SE",
                market_segment=segment,
                preferred_language=language,
                vip_admins=[
                    services.VipAdminContact(
                        name=f"VIP admin {number + 1}",
                        email=f"vip.admin{number + 1}@{reseller.partner_id.lower()}.example",
                    )
                ],
            )
            created += 1
            if stage < 0.2:
                continue  # not invited yet
            customer = services.customer_send_invitation(customer=customer, actor=actor)
            if stage > 0.5:
                services.customer_accept_invitation(token=services.invitation_token(customer))
        return created
