"""Query expressions the apps share where the planner needs telling which side of a join is small."""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet, Subquery


class InSmallSet(Func):
    """`column IN (subquery)` for a subquery known to return few rows of many (a week's due purchase
    authorizations, say), written for PostgreSQL as `column = ANY(ARRAY(subquery))`.

    As a semi-join PostgreSQL may walk the outer table in the page's sort order and probe the subquery per row
    (tens of thousands of probes when the matches are few and clustered); the array is computed once, first, and
    the outer rows are then fetched by key. Other databases get the plain IN.
    """

    output_field = BooleanField()
    arity = 2

    def __init__(self, column: str, values: QuerySet) -> None:
        super().__init__(F(column), Subquery(values))

    # Func joins its two parts: `column IN (SELECT …)`, or on PostgreSQL `column = ANY(ARRAY(SELECT …))`.
    template = "%(expressions)s"
    arg_joiner = " IN "

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra_context
        )


def among_sql(column: str, values: list, *, vendor: str) -> tuple[str, list]:
    """`column IN (values)` as SQL and its parameters; on PostgreSQL `column = ANY(%s)` with the list as one array
    parameter, not thousands of them. For raw statements and for `AmongValues`."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


class AmongValues(Func):
    """`column IN (values)` for a list of values known here (a batch's keys), written as `among_sql` writes it:
    Django's `__in` prepares and passes each of thousands of values on its own (at 5,000 keys a batch, a tenth of
    the renewal notices' Python time)."""

    output_field = BooleanField()

    def __init__(self, column: str, values) -> None:
        super().__init__(F(column))
        self.values = list(values)

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        column, parameters = compiler.compile(self.source_expressions[0])
        sql, values = among_sql(column, self.values, vendor=connection.vendor)
        return sql, (*parameters, *values)


def planned_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of how many rows `queryset` returns (its planner's, from the table's statistics: a
    plan, not a read), or None on other databases. For choosing between two reads that return the same rows."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, parameters = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", parameters)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
