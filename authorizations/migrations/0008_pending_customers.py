"""The customers with a pending purchase authorization (`PendingCustomer`), kept by PostgreSQL (issue 15).

`authorizations_pending_refresh(ids)` makes these customers' rows say what their PAs say now. Statement triggers
(transition tables) call it with the customers a statement touched: a PA inserted, deleted, or changing status or
customer; a row trigger with a customer moving reseller. Triggers, as for the dashboard's figures: no service,
job, bulk update or admin edit can forget. Other databases than PostgreSQL have the table but no triggers: it
stays empty there and authorizations.selectors asks the PAs. `authorizations_pending_rebuild()` refills it from
the tables (seed_scale loads without triggers).
"""

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION authorizations_pending_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- One change of a customer's row at a time, seen after the other's commit (the services and the jobs hold
    -- these locks already: customer first).
    PERFORM 1 FROM customers_customer WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
    DELETE FROM authorizations_pendingcustomer WHERE customer_id = ANY(ids);
    INSERT INTO authorizations_pendingcustomer (customer_id, reseller_id)
    SELECT c.id, c.reseller_id FROM customers_customer c
    WHERE c.id = ANY(ids) AND EXISTS (SELECT 1 FROM authorizations_purchaseauthorization pa
                                      WHERE pa.customer_id = c.id AND pa.status = 'pending');
END $$;

CREATE OR REPLACE FUNCTION authorizations_pending_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM authorizations_pendingcustomer;
    INSERT INTO authorizations_pendingcustomer (customer_id, reseller_id)
    SELECT c.id, c.reseller_id FROM customers_customer c
    WHERE EXISTS (SELECT 1 FROM authorizations_purchaseauthorization pa
                  WHERE pa.customer_id = c.id AND pa.status = 'pending');
END $$;

-- A customer moving reseller: rare, so a row trigger that fires only then (a statement trigger would join every
-- customer update's transition tables, the daily jobs' included).
CREATE OR REPLACE FUNCTION authorizations_pending_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM authorizations_pending_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION authorizations_pending_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT customer_id FROM new_rows WHERE status = 'pending');
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT customer_id FROM old_rows WHERE status = 'pending');
    ELSE
        ids := ARRAY(SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (n.status, n.customer_id) IS DISTINCT FROM (o.status, o.customer_id)
                       AND 'pending' IN (n.status, o.status)
                     UNION SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE n.customer_id <> o.customer_id AND o.status = 'pending');
    END IF;
    PERFORM authorizations_pending_refresh(ARRAY(SELECT DISTINCT unnest(ids) ORDER BY 1));
    RETURN NULL;
END $$;
"""

TRIGGERS = [
    ("authorizations_purchaseauthorization", "INSERT", "NEW TABLE AS new_rows"),
    ("authorizations_purchaseauthorization", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("authorizations_purchaseauthorization", "DELETE", "OLD TABLE AS old_rows"),
]
MOVED = (
    "CREATE TRIGGER pending_customer_moved AFTER UPDATE OF reseller_id ON customers_customer FOR EACH ROW"
    " WHEN (OLD.reseller_id IS DISTINCT FROM NEW.reseller_id) EXECUTE FUNCTION authorizations_pending_moved();"
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for table, event, referencing in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER pending_customer_{event.lower()} AFTER {event} ON {table} REFERENCING {referencing} "
            "FOR EACH STATEMENT EXECUTE FUNCTION authorizations_pending_changed();"
        )
    schema_editor.execute(MOVED)
    schema_editor.execute("SELECT authorizations_pending_rebuild()")
    schema_editor.execute("ANALYZE authorizations_pendingcustomer")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, event, _referencing in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS pending_customer_{event.lower()} ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS pending_customer_moved ON customers_customer;")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS authorizations_pending_changed(), authorizations_pending_moved(),"
        " authorizations_pending_rebuild(), authorizations_pending_refresh(bigint[]);"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_source_vipmp_channel"),
        ("authorizations", "0007_list_sort_indexes"),
        ("customers", "0019_drop_duplicate_vip_id_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PendingCustomer",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="customers.customer",
                    ),
                ),
                (
                    "reseller",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.reseller",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer with a pending purchase authorization",
                "verbose_name_plural": "customers with a pending purchase authorization",
                "indexes": [models.Index(fields=["reseller", "customer"], name="pa_pending_customer_idx")],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
