# Holding and Assignment move here from authorizations in Django's state only: their tables keep their names
# (authorizations_holding, authorizations_assignment), so no row is copied and no table is renamed.

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("holding", "assignment")


def content_types_follow(apps, schema_editor):
    """The admin's permissions and log entries keep pointing at the same models under their new app label."""
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    moved = set(content_type.objects.using(db).filter(app_label="licences", model__in=MODELS).values_list("model", flat=True))
    content_type.objects.using(db).filter(app_label="authorizations", model__in=set(MODELS) - moved).update(
        app_label="licences"
    )


def content_types_go_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    back = set(
        content_type.objects.using(db).filter(app_label="authorizations", model__in=MODELS).values_list("model", flat=True)
    )
    content_type.objects.using(db).filter(app_label="licences", model__in=set(MODELS) - back).update(
        app_label="authorizations"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        # The tables were created by authorizations' migrations; this only takes them over.
        ("authorizations", "0003_entered_by_hand"),
        ("catalogue", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0002_customer_anniversary_date_customer_anniversary_day_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Holding",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("deployed", models.PositiveIntegerField(default=0, verbose_name="licences deployed")),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="holdings",
                                to="customers.customer",
                                verbose_name="customer",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, to="catalogue.product", verbose_name="product"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "holding",
                        "verbose_name_plural": "holdings",
                        "db_table": "authorizations_holding",
                        "ordering": ["product__name"],
                        "constraints": [
                            models.UniqueConstraint(fields=("customer", "product"), name="holding_one_per_product")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Assignment",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("email", models.EmailField(max_length=254, verbose_name="user's e-mail")),
                        ("assigned_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="assigned at")),
                        ("released_at", models.DateTimeField(blank=True, null=True, verbose_name="released at")),
                        (
                            "assigned_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="assigned by",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="assignments",
                                to="customers.customer",
                                verbose_name="customer",
                            ),
                        ),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT, to="catalogue.product", verbose_name="product"
                            ),
                        ),
                        (
                            "released_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="released by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "licence assignment",
                        "verbose_name_plural": "licence assignments",
                        "db_table": "authorizations_assignment",
                        "ordering": ["product__name", "email"],
                        "constraints": [
                            models.UniqueConstraint(
                                models.F("customer"),
                                models.F("product"),
                                django.db.models.functions.text.Lower("email"),
                                condition=models.Q(("released_at__isnull", True)),
                                name="assignment_one_active_per_user",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back, elidable=True),
    ]
