"""Index-backed search on PostgreSQL: company name anywhere (trigram) and VIP ID by prefix.

The console searches `UPPER(company_name) LIKE UPPER('%…%')` (Django's icontains) and
`vip_id LIKE 'ABC%'` (startswith). A trigram GIN index serves the first and a pattern-ops B-tree the second,
whatever the database's collation. Other databases keep their plain indexes.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm_idx ON customers_customer "
    "USING gin (UPPER(company_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_vip_id_prefix_idx ON customers_customer (vip_id varchar_pattern_ops)",
]
DROP = ["DROP INDEX IF EXISTS customer_name_trgm_idx", "DROP INDEX IF EXISTS customer_vip_id_prefix_idx"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_customer_live_anniversary_idx")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
