"""Fast inserts for imports: rows sent by COPY, history rows copied in SQL.

Model instances and bulk_create cost ~100 µs per row in Python; an import of 20,000 ACLED rows
writes ~170,000 rows (events, event actors, citations and a history row for each). Here rows
are plain tuples; on PostgreSQL they go through a binary `COPY … FROM STDIN` (SQLite, for
development, uses executemany), primary keys come from the table's identity default, and
history rows are written by one `INSERT INTO historical… SELECT … FROM …` per table.
Nothing here runs save() or signals: callers set every derived field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Django column types -> PostgreSQL binary COPY types (anything else falls back to text COPY).
_COPY_TYPES = {
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "varchar": "text",
    "text": "text",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
    "double precision": "float8",
}


# Field types whose Python values sqlite3 stores as they are.
_SQLITE_NATIVE = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "CharField",
        "TextField",
        "SlugField",
        "URLField",
        "EmailField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "FloatField",
        "BooleanField",
        "ForeignKey",
    }
)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, for rows that need their id before they are written
    (a place's path ends with its own id). Never handed out twice, even under concurrent writers."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite has one writer at a time; continue after the highest id and AUTOINCREMENT's.
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def _copy_type(field: models.Field) -> str | None:
    db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
    return _COPY_TYPES.get((db_type or "").split("(")[0].strip().lower())


def copy_rows(model: type[models.Model], columns: Sequence[str], values: list[tuple]) -> int:
    """Insert tuples (in the order of `columns`, attnames) into `model`'s table.

    Columns not named get the field's default, as Model() would give them; the primary key,
    when not named, comes from the table's identity/autoincrement default (name it with ids
    from allocate_ids when rows need to know it first).
    """
    if not values:
        return 0
    pk = model._meta.pk.attname
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    rest = [attname for attname in by_attname if attname not in columns and attname != pk]
    fields = [by_attname[attname] for attname in (*columns, *rest)]
    if rest:
        suffix = tuple(by_attname[attname].get_default() for attname in rest)
        values = [value + suffix for value in values]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [_copy_type(field) for field in fields]
            binary = all(types)
            statement = f"COPY {table} ({names}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
            with cursor.copy(statement) as copy:
                if binary:
                    copy.set_types(types)
                for value in values:
                    copy.write_row(value)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", _sqlite_rows(fields, values)
            )
    return len(values)


def _sqlite_rows(fields: Sequence[models.Field], values: list[tuple]) -> list:
    """Only values sqlite3 cannot take as they are (dates, times, decimals…) go through the
    field's conversion; strings, integers and floats pass straight through."""
    converting = [
        (index, field.get_db_prep_save)
        for index, field in enumerate(fields)
        if field.get_internal_type() not in _SQLITE_NATIVE
    ]
    if not converting:
        return values
    prepared = []
    for value in values:
        row = list(value)
        for index, prep in converting:
            if row[index] is not None:
                row[index] = prep(row[index], connection)
        prepared.append(row)
    return prepared


def update_rows(
    model: type[models.Model], columns: Sequence[str], values: list[tuple], *, increment: Sequence[str] = ()
) -> int:
    """Set `columns` (attnames) of existing rows to the tuples `values`, each (pk, *columns), and
    add 1 to each of the `increment` columns; no save(), no signals.

    Django's bulk_update builds a CASE WHEN per column and row (~2 ms a row for an event, in
    Python). On PostgreSQL the rows go by binary COPY into a temporary table and one UPDATE …
    FROM joins it; SQLite runs an executemany UPDATE.
    """
    if not values:
        return 0
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    fields = [meta.pk, *(by_attname[attname] for attname in columns)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    bumps = [f"{quote(by_attname[name].column)} = {quote(by_attname[name].column)} + 1" for name in increment]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(quote(field.column) for field in fields)
            cursor.execute(
                f"CREATE TEMPORARY TABLE chronicle_update AS SELECT {names} FROM {table} WITH NO DATA"
            )
            types = [_copy_type(field) for field in fields]
            binary = all(types)
            statement = f"COPY chronicle_update ({names}) FROM STDIN" + (" (FORMAT BINARY)" if binary else "")
            with cursor.copy(statement) as copy:
                if binary:
                    copy.set_types(types)
                for value in values:
                    copy.write_row(value)
            sets = [f"{quote(field.column)} = s.{quote(field.column)}" for field in fields[1:]]
            sets += [
                f"{quote(by_attname[name].column)} = t.{quote(by_attname[name].column)} + 1"
                for name in increment
            ]
            pk = quote(meta.pk.column)
            cursor.execute(
                f"UPDATE {table} AS t SET {', '.join(sets)} FROM chronicle_update AS s WHERE t.{pk} = s.{pk}"
            )
            cursor.execute("DROP TABLE chronicle_update")
        else:
            sets = [f"{quote(field.column)} = %s" for field in fields[1:]] + bumps
            rows = [(*row[1:], row[0]) for row in _sqlite_rows(fields, values)]
            cursor.executemany(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {quote(meta.pk.column)} = %s", rows
            )
    return len(values)


def copy_history(
    model: type[models.Model],
    *,
    where: str,
    params: list[Any],
    history_type: str,
    user_id: int | None,
    when: dt.datetime,
    reason: str,
) -> int:
    """Write django-simple-history rows for `model`'s rows matching `where`, in one INSERT … SELECT
    (what bulk_history_create does, without a round trip through Python)."""
    history_model = model.history.model
    extras = {
        history_model._meta.pk.attname,
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    }
    source_columns = {field.attname: field.column for field in model._meta.concrete_fields}
    # Columns of the history model's own (an event version's redaction mark) take their db_default.
    tracked = [
        field
        for field in history_model._meta.concrete_fields
        if field.attname not in extras and field.attname in source_columns
    ]
    quote = connection.ops.quote_name
    target = ", ".join(quote(field.column) for field in tracked)
    selected = ", ".join(quote(source_columns[field.attname]) for field in tracked)
    history_field = history_model._meta.get_field
    statement = (
        f"INSERT INTO {quote(history_model._meta.db_table)} ({target}, "
        f"{quote(history_field('history_date').column)}, "
        f"{quote(history_field('history_change_reason').column)}, "
        f"{quote(history_field('history_type').column)}, "
        f"{quote(history_field('history_user').column)}) "
        f"SELECT {selected}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} WHERE {where}"
    )
    when_value = history_field("history_date").get_db_prep_save(when, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement, [when_value, reason, history_type, user_id, *params])
        return cursor.rowcount
