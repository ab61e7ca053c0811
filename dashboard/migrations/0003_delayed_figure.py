"""The Delayed customers among the figures PostgreSQL keeps (issue 15): one figure row per Delayed customer, so the
dashboard sums its tallies instead of counting ~27,000 index entries over all resellers at 1 M customers.

The customers' trigger already refreshes a customer whose status changes; only the figures' definition grows.
The Delayed customers present are refreshed once, in batches (the other figures of theirs come out unchanged).
And an index for the first customers in the overview over all resellers (dashboard/figures.overview_customers).
"""

import importlib

from django.db import migrations, models

kept = importlib.import_module("dashboard.migrations.0002_figures_kept_by_triggers")

FIGURES = (
    kept.FIGURES
    + """    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'delayed', NULL, '', 1, 0, 1 FROM c WHERE c.status = 'delayed'
"""
)
BATCH = 5000  # customers a refresh: the daily jobs' batch size


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(kept.functions(FIGURES))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id FROM customers_customer WHERE status = 'delayed' ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            cursor.execute("SELECT dashboard_refresh(%s::bigint[], true)", [ids[start : start + BATCH]])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(kept.FUNCTIONS)
    schema_editor.execute("DELETE FROM dashboard_customerfigure WHERE measure = 'delayed'")
    schema_editor.execute("DELETE FROM dashboard_tally WHERE measure = 'delayed'")


MEASURES = [
    ("pa", "pending purchase authorizations, by order deadline"),
    ("pa_customer", "customers with a pending purchase authorization"),
    ("overview", "customers in the renewal overview, by anniversary"),
    ("month", "licences and renewal value, by anniversary month and currency"),
    ("delayed", "Delayed customers"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_figures_kept_by_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customerfigure",
            name="measure",
            field=models.CharField(choices=MEASURES, max_length=12),
        ),
        migrations.AlterField(
            model_name="tally",
            name="measure",
            field=models.CharField(choices=MEASURES, max_length=12),
        ),
        migrations.AddIndex(
            model_name="customerfigure",
            index=models.Index(
                condition=models.Q(("measure", "overview")),
                fields=["day", "customer_id"],
                name="dashboard_figure_overview_idx",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
