"""The dashboard's figures, kept by PostgreSQL: functions, statement triggers, and the first fill (issue 15).

`dashboard_figures(ids)` computes what the dashboard counts of these customers, from the tables themselves (the
same definitions as dashboard/selectors.py's direct queries; tests/test_issue15_dashboard.py compares them).
`dashboard_refresh(ids, lock)` replaces the customers' `CustomerFigure` rows with fresh ones and appends the
difference to `Tally`, compacting the tallies it touched when no other transaction is compacting. One statement
trigger per table and event (transition tables) calls it with the customers a statement changed. Other databases
than PostgreSQL have the tables but no triggers: the dashboard counts directly there.
"""

from django.db import migrations

#: What the dashboard counts of some customers (`{customers}`, `{pending}`: the conditions that pick them).
FIGURES = r"""
    WITH c AS (
        SELECT id, reseller_id, status, anniversary_date FROM customers_customer {customers}
    ), current_rows AS (
        SELECT r.customer_id, r.proposed_quantity, p.unit_price, p.currency
        FROM renewals_renewalrow r
        JOIN c ON c.id = r.customer_id AND r.anniversary_date = c.anniversary_date
        JOIN catalogue_product p ON p.id = r.product_id
    ), pending AS (
        SELECT pa.customer_id, pa.order_deadline FROM authorizations_purchaseauthorization pa
        WHERE pa.status = 'pending' {pending}
    )
    SELECT c.id, c.reseller_id, c.status, 'pa', p.order_deadline, '', count(*), 0, count(*)
    FROM c JOIN pending p ON p.customer_id = c.id GROUP BY c.id, c.reseller_id, c.status, p.order_deadline
    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'pa_customer', NULL, '', 1, 0, 1
    FROM c WHERE EXISTS (SELECT 1 FROM pending p WHERE p.customer_id = c.id)
    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'overview', c.anniversary_date, '', 1, 0, 1
    FROM c WHERE EXISTS (SELECT 1 FROM current_rows r WHERE r.customer_id = c.id)
    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'month', date_trunc('month', c.anniversary_date)::date, r.currency,
        sum(r.proposed_quantity), sum(r.proposed_quantity * r.unit_price), count(*)
    FROM c JOIN current_rows r ON r.customer_id = c.id
    GROUP BY c.id, c.reseller_id, c.status, c.anniversary_date, r.currency
    UNION ALL
    SELECT c.id, c.reseller_id, c.status, 'month', date_trunc('month', c.anniversary_date)::date, p.currency,
        sum(h.deployed), sum(h.deployed * p.unit_price), count(*)
    FROM c
    JOIN authorizations_holding h ON h.customer_id = c.id AND h.deployed > 0
    JOIN catalogue_product p ON p.id = h.product_id
    WHERE c.anniversary_date IS NOT NULL AND NOT EXISTS (SELECT 1 FROM current_rows r WHERE r.customer_id = c.id)
    GROUP BY c.id, c.reseller_id, c.status, c.anniversary_date, p.currency
"""
COLUMNS = "reseller_id, status, measure, day, currency, n, value, rows"
KEY = (
    "t.measure = d.measure AND t.reseller_id = d.reseller_id AND t.day IS NOT DISTINCT FROM d.day"
    " AND t.status = d.status AND t.currency = d.currency"
)


def functions(figures: str) -> str:
    """The functions over `figures` (FIGURES here; a later migration adds to it)."""
    return rf"""
CREATE OR REPLACE FUNCTION dashboard_figures(ids bigint[])
RETURNS TABLE (customer_id bigint, reseller_id bigint, status varchar, measure varchar, day date,
               currency varchar, n bigint, value numeric, rows bigint)
LANGUAGE sql STABLE AS $$
{figures.format(customers="WHERE id = ANY(ids)", pending="AND pa.customer_id = ANY(ids)")}
$$;

CREATE OR REPLACE FUNCTION dashboard_refresh(ids bigint[], lock boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    compact boolean;
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF lock THEN
        -- One change of a customer's figures at a time: the next one reads what this one wrote. (The services
        -- and the jobs hold these locks already: customer first.)
        PERFORM 1 FROM customers_customer WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
    END IF;
    -- The only compactor now (else this change only appends): the tallies it touches become one row each.
    compact := pg_try_advisory_xact_lock(hashtext('dashboard_tally'));
    WITH gone AS (
        DELETE FROM dashboard_customerfigure f WHERE f.customer_id = ANY(ids)
        RETURNING f.reseller_id, f.status, f.measure, f.day, f.currency, -f.n AS n, -f.value AS value,
            -f.rows AS rows
    ), fresh AS (
        INSERT INTO dashboard_customerfigure (customer_id, {COLUMNS})
        SELECT * FROM dashboard_figures(ids)
        RETURNING {COLUMNS}
    ), d AS (
        SELECT reseller_id, status, measure, day, currency, sum(n) AS n, sum(value) AS value, sum(rows) AS rows
        FROM (SELECT * FROM gone UNION ALL SELECT * FROM fresh) changes
        GROUP BY reseller_id, status, measure, day, currency
        HAVING sum(n) <> 0 OR sum(value) <> 0 OR sum(rows) <> 0
    ), compacted AS (
        DELETE FROM dashboard_tally t USING d WHERE compact AND {KEY}
        RETURNING t.reseller_id, t.status, t.measure, t.day, t.currency, t.n, t.value, t.rows
    )
    INSERT INTO dashboard_tally ({COLUMNS})
    SELECT reseller_id, status, measure, day, currency, sum(n), sum(value), sum(rows)
    FROM (SELECT * FROM compacted UNION ALL SELECT * FROM d) a
    GROUP BY reseller_id, status, measure, day, currency
    HAVING sum(n) <> 0 OR sum(value) <> 0 OR sum(rows) <> 0;
END $$;

CREATE OR REPLACE FUNCTION dashboard_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dashboard_customerfigure, dashboard_tally;
    INSERT INTO dashboard_customerfigure (customer_id, {COLUMNS})
{figures.format(customers="", pending="")};
    INSERT INTO dashboard_tally ({COLUMNS})
    SELECT reseller_id, status, measure, day, currency, sum(n), sum(value), sum(rows)
    FROM dashboard_customerfigure GROUP BY reseller_id, status, measure, day, currency;
END $$;

CREATE OR REPLACE FUNCTION dashboard_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'customers_customer' THEN
        IF TG_OP = 'INSERT' THEN
            ids := ARRAY(SELECT id FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
            ids := ARRAY(SELECT id FROM old_rows);
        ELSE
            ids := ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                         WHERE (n.status, n.anniversary_date, n.reseller_id)
                               IS DISTINCT FROM (o.status, o.anniversary_date, o.reseller_id));
        END IF;
    ELSIF TG_TABLE_NAME = 'catalogue_product' THEN
        IF TG_OP = 'UPDATE' THEN
            -- A price or currency changed: every customer holding or renewing the product (rare, and big).
            ids := ARRAY(
                SELECT h.customer_id FROM authorizations_holding h
                WHERE h.product_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                       WHERE (n.unit_price, n.currency) IS DISTINCT FROM (o.unit_price, o.currency))
                UNION
                SELECT r.customer_id FROM renewals_renewalrow r
                WHERE r.product_id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                                       WHERE (n.unit_price, n.currency) IS DISTINCT FROM (o.unit_price, o.currency)));
            PERFORM dashboard_refresh(ids, false);
        END IF;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT customer_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        ids := ARRAY(SELECT DISTINCT customer_id FROM old_rows);
    ELSIF TG_TABLE_NAME = 'authorizations_purchaseauthorization' THEN
        ids := ARRAY(SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (n.status, n.order_deadline, n.customer_id)
                           IS DISTINCT FROM (o.status, o.order_deadline, o.customer_id)
                     UNION SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE n.customer_id <> o.customer_id);
    ELSIF TG_TABLE_NAME = 'authorizations_holding' THEN
        ids := ARRAY(SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (n.deployed, n.product_id, n.customer_id)
                           IS DISTINCT FROM (o.deployed, o.product_id, o.customer_id)
                     UNION SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE n.customer_id <> o.customer_id);
    ELSE  -- renewals_renewalrow
        ids := ARRAY(SELECT n.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE (n.proposed_quantity, n.anniversary_date, n.product_id, n.customer_id)
                           IS DISTINCT FROM (o.proposed_quantity, o.anniversary_date, o.product_id, o.customer_id)
                     UNION SELECT o.customer_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                     WHERE n.customer_id <> o.customer_id);
    END IF;
    PERFORM dashboard_refresh(ARRAY(SELECT DISTINCT unnest(ids) ORDER BY 1), true);
    RETURN NULL;
END $$;
"""


FUNCTIONS = functions(FIGURES)

TABLES = [
    "customers_customer",
    "authorizations_purchaseauthorization",
    "authorizations_holding",
    "renewals_renewalrow",
    "catalogue_product",
]
REFERENCING = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
               "DELETE": "OLD TABLE AS old_rows"}  # fmt: skip


def _triggers() -> str:
    return "\n".join(
        f"CREATE TRIGGER dashboard_{event.lower()} AFTER {event} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION dashboard_changed();"
        for table in TABLES
        for event, referencing in REFERENCING.items()
    )


def _drop() -> str:
    drops = [f"DROP TRIGGER IF EXISTS dashboard_{e.lower()} ON {t};" for t in TABLES for e in REFERENCING]
    return "\n".join(
        [
            *drops,
            "DROP FUNCTION IF EXISTS dashboard_changed(), dashboard_rebuild(), dashboard_refresh(bigint[], boolean),"
            " dashboard_figures(bigint[]);",
        ]
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    schema_editor.execute(_triggers())
    schema_editor.execute("SELECT dashboard_rebuild()")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_drop())


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_figures"),
        ("customers", "0013_vip_admin_invitation_links"),
        ("authorizations", "0004_holding_assignment_to_licences"),
        ("licences", "0001_initial"),
        ("renewals", "0003_entered_by_hand"),
        ("catalogue", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
