"""The Delayed customers and the customers with an order deadline due soon among the figures PostgreSQL keeps
(issue 15): the dashboard sums their tallies instead of counting ~27,000 index entries (Delayed) and ~13,500
distinct customers (due soon) over all resellers at 1 M customers.

The triggers already refresh a customer whose status or pending PAs change; only the figures' definition grows.
The customers concerned are refreshed once, in batches (their other figures come out unchanged).
And an index for the first customers in the overview over all resellers (dashboard/figures.overview_customers).
"""

import importlib

from django.db import migrations, models

kept = importlib.import_module("dashboard.migrations.0002_figures_kept_by_triggers")

#: 'pa_first': each distinct order deadline of a customer's pending PAs, with the days since its previous one
#: (in `currency`, capped at 8: none within the 7 days that count as "due soon"). A customer has a deadline due
#: soon on `on` when one of its deadlines d falls within the 7 days and the previous one before `on`, i.e. its
#: gap exceeds d - on: counted once, by summing, without a distinct count of ~13,500 customers at 1 M.
FIGURES = (
    kept.FIGURES
    + """    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'delayed', NULL, '', 1, 0, 1 FROM c WHERE c.status = 'delayed'
    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'pa_first', d.day, least(d.day - coalesce(d.previous, d.day - 8), 8)::text,
        1, 0, 1
    FROM c JOIN (
        SELECT customer_id, order_deadline AS day,
            lag(order_deadline) OVER (PARTITION BY customer_id ORDER BY order_deadline) AS previous
        FROM (SELECT DISTINCT customer_id, order_deadline FROM pending) p
    ) d ON d.customer_id = c.id
"""
)
BATCH = 5000  # customers a refresh: the daily jobs' batch size


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(kept.functions(FIGURES))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE status = 'delayed'"
            " UNION SELECT customer_id FROM authorizations_purchaseauthorization WHERE status = 'pending' ORDER BY 1"
        )
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            cursor.execute("SELECT dashboard_refresh(%s::bigint[], true)", [ids[start : start + BATCH]])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(kept.FUNCTIONS)
    schema_editor.execute("DELETE FROM dashboard_customerfigure WHERE measure IN ('delayed', 'pa_first')")
    schema_editor.execute("DELETE FROM dashboard_tally WHERE measure IN ('delayed', 'pa_first')")


MEASURES = [
    ("pa", "pending purchase authorizations, by order deadline"),
    ("pa_customer", "customers with a pending purchase authorization"),
    ("overview", "customers in the renewal overview, by anniversary"),
    ("month", "licences and renewal value, by anniversary month and currency"),
    ("delayed", "Delayed customers"),
    ("pa_first", "pending purchase authorizations' deadlines, with the days since the customer's previous one"),
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
