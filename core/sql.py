"""Small SQL pieces shared by the importers, the API and the admin.

Lists of ids or names travel to PostgreSQL as one text parameter that the server splits
(`pg_array`): psycopg adapts a Python list element by element, which cost 2 s for the
~1,000,000 ids and names a 100,000-row import looks up. And a constant array (`column =
ANY(…)`) is what PostgreSQL hashes when it filters rows it walks in an index's order.
"""

from __future__ import annotations

from django.db import connection, connections
from django.db.models import BooleanField, Func, Lookup, QuerySet, Subquery
from django.db.models.expressions import RawSQL

ARRAY_SEPARATOR = "\x1f"  # never in an event id, nor in a name the importers accept


def pg_array(values: list) -> tuple[str, object]:
    """(SQL of a PostgreSQL array, its one parameter) for a list of integers or strings.

    A string holding the separator falls back to a real list parameter.
    """
    if values and isinstance(values[0], int):
        return "string_to_array(%s, ',')::bigint[]", ",".join(map(str, values))
    joined = ARRAY_SEPARATOR.join(values)
    if values and joined.count(ARRAY_SEPARATOR) == len(values) - 1 and all(values):
        return "string_to_array(%s, E'\\x1f')::text[]", joined
    return "%s::text[]", list(values)


def ids_in(column: str, values: list, *, vendor: str | None = None) -> tuple[str, list]:
    """SQL `column IN …` for a list: one array parameter on PostgreSQL, placeholders on SQLite
    (`vendor`: the database's, when it is not the default one's)."""
    if (vendor or connection.vendor) == "postgresql":
        array, param = pg_array(list(values))
        return f"{column} = ANY({array})", [param]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def first_column(queryset: QuerySet) -> list:
    """The first column of a queryset's rows, read as plain tuples (20,000 dicts or model
    instances cost ~15 ms more than the query)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [value for (value, *_) in cursor.fetchall()]


LIKE_ESCAPE = "\\"


def like_escape(text: str) -> str:
    """`text` as literal characters inside a LIKE pattern (its `%`, `_` and `\\` escaped)."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


class Like(Lookup):
    """`column ILIKE pattern`, the pattern's `%` and `_` live (escape others with like_escape).

    An expression, used as `Q(Like(F("notes"), "%market%"))`. PostgreSQL's ILIKE on the bare
    column is what a pg_trgm GIN index serves (Django's icontains compares UPPER(column), which no
    such index can); SQLite's LIKE ignores case on its own (for ASCII letters, as icontains does).
    """

    lookup_name = "like_pattern"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "ILIKE" if connection.vendor == "postgresql" else "LIKE"
        return f"{lhs} {operator} {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class InArray(Func):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL, `column IN (subquery)` elsewhere.

    For filters through a link table (an actor's or a source's events): the subquery runs once,
    first, and the events are then read by primary key, so the cost follows the actor's event
    count. As `IN (subquery)`, PostgreSQL may instead walk every event in date order probing the
    link table, which for an actor whose events all lie years back reads most of the table.
    """

    output_field = BooleanField()

    def __init__(self, column, subquery: QuerySet) -> None:
        super().__init__(column, Subquery(subquery.order_by()))

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (subquery, subquery_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, subquery), (*column_params, *subquery_params)


class EqualsAny(Func):
    """`column = ANY(array)` for a list of ids (core.sql.ids_in): a constant array, which
    PostgreSQL hashes when it filters rows it walks in an index's order: the page of an admin
    search for a word in 18,000 notes, ordered by date, read in 3 ms instead of 286 ms probing
    each id (`id IN (SELECT unnest(…))`). `column IN (…)` elsewhere."""

    output_field = BooleanField()

    def __init__(self, column, ids: list[int]) -> None:
        super().__init__(column)
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        if not self.ids:
            return "1 = 0", ()
        sql, ids_params = ids_in(column, self.ids, vendor=connection.vendor)
        return sql, (*params, *ids_params)


class AtLeastAny(Func):
    """`column >= ANY(ARRAY[bound])` (PostgreSQL): a lower bound read from an index like
    `column >= bound`, which the planner prices apart from the column's other bounds. Written
    plainly, a bound known only when the statement runs (a subquery) pairs with an upper bound
    into a range the planner puts at 0.5 % of the rows, and it left better indexes for it: a
    country's 2015 counted 15 → 27 ms at 3M events."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        (column, column_params), (bound, bound_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{column} >= ANY(ARRAY[{bound}])", (*column_params, *bound_params)


def any_of(values: list) -> list | RawSQL:
    """The right side of an `__in` lookup; on PostgreSQL one array parameter, not N placeholders
    (binding 20,000 parameters costs more than the query; see core.sql.pg_array)."""
    if connection.vendor != "postgresql" or not values:
        return values
    array, param = pg_array(values)
    return RawSQL(f"SELECT unnest({array})", (param,))
