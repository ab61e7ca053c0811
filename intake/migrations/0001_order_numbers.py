import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def claim_existing_numbers(apps, schema_editor):
    """Every order and renewal already received claims its number (orders first: they came first)."""
    OrderNumber = apps.get_model("intake", "OrderNumber")
    Order = apps.get_model("authorizations", "Order")
    Renewal = apps.get_model("renewals", "Renewal")
    for model, kind, field in ((Order, "new", "order_id"), (Renewal, "renewal", "renewal_id")):
        rows = model.objects.values_list("pk", "order_number").order_by("pk").iterator(chunk_size=5000)
        batch = []
        for pk, number in rows:
            batch.append(OrderNumber(number=number, kind=kind, **{field: pk}))
            if len(batch) == 5000:
                OrderNumber.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        OrderNumber.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("authorizations", "0001_initial"),
        ("renewals", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderNumber",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.CharField(max_length=40, unique=True, verbose_name="order number")),
                (
                    "kind",
                    models.CharField(
                        choices=[("new", "New purchase"), ("renewal", "Renewal")],
                        max_length=10,
                        verbose_name="order type",
                    ),
                ),
                ("received_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="received")),
                (
                    "order",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="authorizations.order",
                    ),
                ),
                (
                    "renewal",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="renewals.renewal",
                    ),
                ),
            ],
            options={
                "verbose_name": "order number",
                "verbose_name_plural": "order numbers",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind", "new"), ("order__isnull", False), ("renewal__isnull", True)),
                            models.Q(("kind", "renewal"), ("order__isnull", True), ("renewal__isnull", False)),
                            _connector="OR",
                        ),
                        name="order_number_has_one_holder_of_its_kind",
                    )
                ],
            },
        ),
        migrations.RunPython(claim_existing_numbers, migrations.RunPython.noop),
    ]
