"""Returns of part of an order line: a return line says how many licences it gives back, and an order line may be
returned in several returns (issue 14). Existing return lines gave back their whole order line."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def whole_lines(apps, schema_editor):
    ReturnLine = apps.get_model("authorizations", "ReturnLine")
    OrderLine = apps.get_model("authorizations", "OrderLine")
    ReturnLine.objects.update(
        quantity=Subquery(OrderLine.objects.filter(pk=OuterRef("order_line_id")).values("quantity")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("authorizations", "0004_holding_assignment_to_licences"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnline",
            name="quantity",
            field=models.PositiveIntegerField(null=True, verbose_name="number of licences returned"),
        ),
        migrations.RunPython(whole_lines, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="returnline",
            name="quantity",
            field=models.PositiveIntegerField(verbose_name="number of licences returned"),
        ),
        migrations.AlterField(
            model_name="returnline",
            name="order_line",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="return_lines",
                related_query_name="return_line",
                to="authorizations.orderline",
                verbose_name="order line",
            ),
        ),
        migrations.AlterModelOptions(
            name="returnline",
            options={"ordering": ["pk"], "verbose_name": "returned line", "verbose_name_plural": "returned lines"},
        ),
        migrations.AddConstraint(
            model_name="returnline",
            constraint=models.UniqueConstraint(
                fields=("return_authorization", "order_line"), name="return_line_once_per_return"
            ),
        ),
        migrations.AddConstraint(
            model_name="returnline",
            constraint=models.CheckConstraint(condition=models.Q(quantity__gte=1), name="return_line_quantity_positive"),
        ),
        migrations.AlterModelOptions(
            name="returnauthorization",
            options={
                "ordering": ["-created_at", "-pk"],
                "verbose_name": "return authorization",
                "verbose_name_plural": "return authorizations",
            },
        ),
    ]
