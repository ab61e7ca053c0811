"""The clients' service users place the orders /v3 receives, as the licensing website's user does."""

from django.db import migrations


def place_orders(apps, schema_editor):
    ApiClient = apps.get_model("vipmp", "ApiClient")
    User = apps.get_model("accounts", "User")
    User.objects.filter(pk__in=ApiClient.objects.values("user_id")).update(role="licensing_website")


def no_role(apps, schema_editor):
    ApiClient = apps.get_model("vipmp", "ApiClient")
    User = apps.get_model("accounts", "User")
    User.objects.filter(pk__in=ApiClient.objects.values("user_id")).update(role="")


class Migration(migrations.Migration):
    dependencies = [("vipmp", "0002_marketplace_order"), ("accounts", "0007_source_vipmp_channel")]

    operations = [migrations.RunPython(place_orders, no_role)]
