"""Query expressions the apps share where the planner needs telling which side of a join is small."""

from __future__ import annotations

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
