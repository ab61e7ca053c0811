"""Many rows in one INSERT on PostgreSQL: one array per column, without Django preparing every value of every row
through its field (most of a bulk_create's cost for the sweeps' thousands of events and e-mails)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import JSONField, Model


def insert_columns(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """`bulk_create(objs)` of one model as one statement over one array per column (PostgreSQL): the same rows,
    each object's primary key set from RETURNING (in the order given) unless conflicts are ignored. Other
    databases get bulk_create itself."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, ignore_conflicts=ignore_conflicts)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns: list[list[Any]] = []
    arrays: list[str] = []
    selected: list[str] = []
    for f in fields:
        values = [f.pre_save(obj, add=True) for obj in objs]
        column = connection.ops.quote_name(cast(str, f.column))
        if isinstance(f, JSONField):
            values = [json.dumps(value, cls=f.encoder) for value in values]
            arrays.append("%s::text[]")
            selected.append(f"{column}::jsonb")
        else:
            arrays.append(f"%s::{f.cast_db_type(connection)}[]")
            selected.append(column)
        columns.append(values)
    names = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    pk = connection.ops.quote_name(cast(str, model._meta.pk.column))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({names}) SELECT {', '.join(selected)} "  # noqa: S608
        f"FROM unnest({', '.join(arrays)}) AS t({names})"  # names from the model
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else f" RETURNING {pk}")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        if not ignore_conflicts:
            for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = key
                obj._state.adding, obj._state.db = False, connection.alias
