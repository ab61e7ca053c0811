"""Drop `customer_vip_id_prefix_idx`: on PostgreSQL Django already gives the unique `vip_id` a `varchar_pattern_ops`
index of its own (`…_vip_id_…_like`), which serves the same prefix searches; two identical indexes (37 MB each at
1,000,000 customers) cost every write of a VIP ID twice. Reversed, it is created again as 0006 created it."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS customer_vip_id_prefix_idx ON customers_customer (vip_id varchar_pattern_ops)"
DROP = "DROP INDEX IF EXISTS customer_vip_id_prefix_idx"


def run(statement):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("customers", "0018_list_sort_indexes")]

    operations = [migrations.RunPython(run(DROP), run(CREATE))]
