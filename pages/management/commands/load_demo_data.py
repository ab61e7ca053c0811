"""Demo data for `make run`: running it twice gives the same data (everything is looked up first)."""

import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Reseller, User
from authorizations import services as pa_services
from authorizations.models import PurchaseAuthorization
from catalogue.demo import load_demo_catalogue
from catalogue.models import MarketSegment
from catalogue.selectors import products_for
from customers import services
from customers.models import Customer, Language
from intake.models import OrderKind
from intake.services import OrderLine, order_receive
from jobs.services import run_daily_jobs

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

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even with DEBUG off (the demo users have a published password)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data has users with a published password: run it with DEBUG on, or --force.")
        load_demo_catalogue()
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
        # Orders come from the licensing website's integration (an API token, no password to sign in with).
        self.lws = User.objects.get_or_create(username="lws", defaults={"role": User.Role.LICENSING_WEBSITE})[0]
        sales = User.objects.get(username="sam.sales")
        other_sales = User.objects.get(username="bea.sales")
        created = self._customers(resellers["P1000101"], sales, count=48, seed=1)
        created += self._customers(resellers["P1000202"], other_sales, count=8, seed=2)
        # Today's daily jobs, as beat would run them: overdue accounts become Delayed, the renewal overview
        # fills, due renewal notices go to the outbox (the worker sends them), lapsed accounts lose access.
        run_daily_jobs(on=timezone.localdate())
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

    def _licences(self, customer, actor, rng, stage: float) -> None:
        """Purchase authorizations in every state. History is backdated directly: demo data only."""
        products = list(products_for(license_type="team", segment=customer.market_segment)[:12])
        chosen = rng.sample(products, k=min(2, len(products)))
        quantities = [rng.choice([3, 5, 10, 25, 60]) for _ in chosen]
        pa = pa_services.purchase_authorization_create(
            customer=customer,
            license_type="team",
            lines=[pa_services.LineRequest(p, q) for p, q in zip(chosen, quantities, strict=True)],
            po_number=f"PO-{customer.pk:05d}",
            actor=actor,
        )
        today = timezone.localdate()
        if stage > 0.6:  # ordered 1–14 months ago: anniversaries ahead, in the window, in grace or lapsed
            created = today - timedelta(days=rng.choice([45, 120, 210, 290, 300, 340, 355, 370, 385, 410, 420]))
        elif stage > 0.5:  # overdue: the account becomes Delayed
            created = today - timedelta(days=rng.randint(32, 45))
        else:  # pending, deadline ahead
            created = today - timedelta(days=rng.randint(0, 25))
        PurchaseAuthorization.objects.filter(pk=pa.pk).update(
            deployed_at=timezone.now() - (today - created),
            order_deadline=created + timedelta(days=settings.PA_ORDER_DEADLINE_DAYS),
        )
        if stage > 0.6:
            order_receive(
                kind=OrderKind.NEW,
                order_number=f"LWS-{customer.pk:06d}",
                order_date=created + timedelta(days=rng.randint(0, 5)),
                reference=pa.reference,
                lines=[OrderLine(p.sku_new, q) for p, q in zip(chosen, quantities, strict=True)],
                actor=self.lws,
            )
            for n in range(min(2, quantities[0])):
                pa_services.assignment_add(
                    customer=customer,
                    product=chosen[0],
                    email=f"user{n + 1}@customer{customer.pk}.example",
                    actor=actor,
                )

    def _customers(self, reseller, actor, *, count: int, seed: int) -> int:
        existing = set(Customer.objects.filter(reseller=reseller).values_list("company_name", flat=True))
        created = 0
        for number in range(count):
            # One generator per row: the same row always gets the same data, whatever was created before.
            rng = random.Random(f"{seed}-{number}")  # noqa: S311 - demo names, not secrets
            segment = rng.choice(list(MarketSegment))
            name = f"{rng.choice(PREFIXES)}{rng.choice(SUFFIXES)} {FORMS[segment]} {number + 1:02d}"
            postal_code, city = rng.choice(CITIES)
            street = f"{rng.choice(['Storgatan', 'Kungsgatan', 'Drottninggatan'])} {rng.randint(1, 90)}"
            language = Language.SWEDISH if rng.random() < 0.6 else Language.ENGLISH
            stage = rng.random()
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
                services.customer_accept_invitation(token=services.invitation_token(customer.vip_admins.first()))
            if stage > 0.35:
                self._licences(customer, actor, rng, stage)
        return created
