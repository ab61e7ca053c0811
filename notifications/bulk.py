"""Many outbox rows in one INSERT on PostgreSQL: one array per column, or bodies the database fills in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

from django.db import connection
from django.db.models import JSONField

from customers.models import VipAdmin

from .models import OutboundEmail
from .stencils import Stencil

#: The customer's VIP admins' addresses, distinct and sorted by code point as `email_row` gives them (`COLLATE "C"`:
#: the bytes' order in UTF-8, whatever the database's collation).
VIP_ADMINS = (
    '(SELECT jsonb_agg(DISTINCT v.email COLLATE "C" ORDER BY v.email COLLATE "C")'  # noqa: S608 the model's table
    f" FROM {VipAdmin._meta.db_table} v WHERE v.customer_id = t.customer_id)"
)


class StencilledEmail(NamedTuple):
    """An outbox row whose bodies the database fills in (`emails_insert_stencilled`). A tuple, as the INSERT reads
    its rows: the JSON encoder writes it as an array as it is (a dict a row, with its keys, was ~6 % of the renewal
    notices' Python)."""

    customer_id: int | None
    dedupe_key: str
    #: The anniversary as an ISO date (`date.isoformat`), or None.
    anniversary: str | None
    #: The addresses, distinct and sorted as `email_row` gives them; None: the customer's VIP admins, as the
    #: database has them.
    recipients: list[str] | None
    language: str
    #: The subject as it is sent (`email_subject`).
    subject: str
    #: Which (text, HTML) stencils of the insert, and the printed values of their slots.
    bodies: int
    values: list[str]


def insert_stencilled(
    *,
    kind: str,
    emails: list[StencilledEmail],
    bodies: list[tuple[Stencil, Stencil]],
    unless_sent: Sequence[str] = (),
) -> int:
    """`emails_insert` of many e-mails of one kind whose bodies are stencils (PostgreSQL): one INSERT in which the
    database fills each body in from the row's values, byte for byte `Stencil.fill`; the bodies are never built in
    Python nor sent whole. The other columns get their model defaults, as `bulk_create` gives them. A customer's row
    is left out if an e-mail of a kind in `unless_sent` for the same anniversary exists (seen as committed when the
    statement starts). Returns how many rows it inserted."""
    if not emails:
        return 0
    quote = connection.ops.quote_name
    given = {
        "customer_id": "t.customer_id",
        "dedupe_key": "t.dedupe_key",
        "anniversary": "t.anniversary",
        "recipients": f"coalesce(t.recipients, {VIP_ADMINS})",
        "language": "t.language",
        "subject": "t.subject",
    }
    columns: list[str] = []
    selected: list[str] = []
    parameters: list[Any] = []  # literals, then the rows
    for f in (f for f in OutboundEmail._meta.concrete_fields if not f.primary_key):
        columns.append(quote(cast(str, f.column)))  # a concrete field has a column
        if f.attname in given:
            selected.append(given[f.attname])
        elif f.attname in ("body_text", "body_html"):
            part = 0 if f.attname == "body_text" else 1
            cases = []
            for index, stencils in enumerate(bodies):
                sql, literals = stencils[part].sql(lambda slot: f"(t.v ->> {slot})")
                cases.append(f"WHEN {index} THEN {sql}")
                parameters.extend(literals)
            selected.append(f"CASE t.k {' '.join(cases)} END")
        elif f.attname == "kind":
            selected.append("%s::text")
            parameters.append(kind)
        elif isinstance(f, JSONField):
            selected.append("%s::jsonb")
            parameters.append(json.dumps(f.get_default(), cls=f.encoder))
        else:
            selected.append(f"%s::{f.cast_db_type(connection)}")
            parameters.append(f.get_db_prep_save(f.get_default(), connection))
    # The rows as one JSON document, an array each: a single value for the database to parse, instead of eight
    # arrays of thousands of values each planned as a constant of its own.
    parameters.append(json.dumps(emails))
    sql = (
        f"INSERT INTO {OutboundEmail._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(selected)} "  # noqa: S608
        "FROM (SELECT (e ->> 0)::bigint AS customer_id, e ->> 1 AS dedupe_key, (e ->> 2)::date AS anniversary,"
        " nullif(e -> 3, 'null') AS recipients, e ->> 4 AS language, e ->> 5 AS subject, (e ->> 6)::int AS k,"
        " e -> 7 AS v FROM jsonb_array_elements(%s::jsonb) AS r(e) OFFSET 0) AS t"
    )
    if unless_sent:
        # The existing e-mails of these customers read once, not looked up row by row: with few rows in its
        # statistics (a new or vacuumed outbox) the planner scanned the whole table once per row.
        table = OutboundEmail._meta.db_table
        sql = (
            f"WITH sent AS MATERIALIZED (SELECT customer_id, anniversary FROM {table}"  # noqa: S608 the model's table
            f" WHERE customer_id = ANY(%s::bigint[]) AND kind = ANY(%s)) {sql}"
            " WHERE NOT EXISTS (SELECT 1 FROM sent WHERE sent.customer_id = t.customer_id"
            " AND sent.anniversary = t.anniversary)"
        )
        ids = ",".join(str(email.customer_id) for email in emails if email.customer_id is not None)
        parameters[:0] = [f"{{{ids}}}", list(unless_sent)]
    with connection.cursor() as cursor:
        if unless_sent:
            # The outbox grows by a batch's rows with every batch of a run, while its statistics describe it as it
            # was before the run: the planner reads all of it for `sent` (sequentially) where the customers' index
            # finds their few rows. Indexes only, for this statement (1 M customers: the INSERTs 4.97 → 3.96 s).
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"{sql} ON CONFLICT DO NOTHING", parameters)
        inserted = cursor.rowcount
        if unless_sent:
            cursor.execute("RESET enable_seqscan")
        return inserted
