from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy, ngettext

from catalogue.demo import DEMO_PRODUCTS, load_demo_catalogue


class Command(BaseCommand):
    help = gettext_lazy("Load the demo product catalogue (idempotent).")

    def handle(self, *args, **options):
        created = load_demo_catalogue()
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Demo catalogue ready: %(total)d product, %(created)d added.",
                    "Demo catalogue ready: %(total)d products, %(created)d added.",
                    len(DEMO_PRODUCTS),
                )
                % {"total": len(DEMO_PRODUCTS), "created": created}
            )
        )
