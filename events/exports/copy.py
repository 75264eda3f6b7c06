"""Exports computed by PostgreSQL: the CSVs written by `COPY (SELECT …) TO STDOUT`, and the
XLSX report's rows as typed values.

Rendering a million rows in Python costs more than the query behind them, so on PostgreSQL the
CSV and ACLED CSV exports are one COPY statement whose output goes to the file or the HTTP
response as it arrives; Python only forwards bytes. The columns are the ones declared in
events/exports/columns.py (`Column.sql`, `ACLED_SQL`), with the Python path's conventions: an
empty text is an empty field, booleans are true/false, times ISO 8601 in UTC, text cells
starting with = + - @ tab or CR get a leading apostrophe (unless `escape=False`), a source cited
twice is named once.

`export_select` is the SELECT behind both: each event joined to its place, its actors 1 and 2,
and three per-event aggregates (associated actors per side, sources), which PostgreSQL builds
with one pass over each table and hash joins, as in the raw COPY baseline of
bench/scenarios/export_baseline.py. A filtered export narrows the events and each aggregate with
the API filters' own SQL, so a small export touches only its own rows. Querysets this cannot
express (sliced, ordered by anything but event columns, another model) keep the Python path
(events/exports/query.py), as SQLite does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import QuerySet

from core.countries import COUNTRIES
from core.vocab import ActorRole
from events.acled import ACLED_COLUMNS
from events.exports.columns import (
    ACLED_ESCAPED_COLUMNS,
    ACLED_SQL,
    ACLED_TEXT_COLUMNS,
    CHRONICLE_COLUMNS,
    FORMULA_PREFIXES,
    ISO_UTC,
    Column,
)
from events.exports.query import CHUNK_SIZE
from events.models import Event

BLOCK_BYTES = 256 * 1024  # COPY sends a message per row; pass them on in blocks of about this size
_PREFIX_CODES = ", ".join(str(ord(prefix)) for prefix in FORMULA_PREFIXES)


def copy_supported(queryset: QuerySet) -> bool:
    """Whether PostgreSQL can export this queryset exactly as the Python path would."""
    query = queryset.query
    return (
        connections[queryset.db].vendor == "postgresql"
        and queryset.model is Event
        and not query.is_sliced
        and not query.distinct
        and not query.combinator
        and _order_by(queryset) is not None
    )


def _order_by(queryset: QuerySet) -> str | None:
    """The queryset's ORDER BY over the event alias `e`; None when an item is not an event column."""
    query = queryset.query
    if query.extra_order_by:
        return None
    items = query.order_by or (Event._meta.ordering if query.default_ordering else ())
    parts = []
    for item in items:
        if not isinstance(item, str) or "__" in item or item == "?":
            return None
        name = item.lstrip("-")
        try:
            field = Event._meta.pk if name == "pk" else Event._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "column", None):
            return None
        parts.append(f'e."{field.column}"' + (" DESC" if item.startswith("-") else ""))
    return ", ".join(parts)


def text_sql(expression: str, *, escape: bool) -> str:
    """A text column as the Python writer renders it: blank when empty, formula-escaped if asked
    (ascii() reads the first character's code without copying the text: the cheapest test)."""
    blank_when_empty = f"NULLIF({expression}, '')"
    if not escape:
        return blank_when_empty
    escaped = f"'''' || {expression}"
    return f"CASE WHEN ascii({expression}) IN ({_PREFIX_CODES}) THEN {escaped} ELSE {blank_when_empty} END"


def csv_sql(column: Column, *, escape: bool) -> str:
    """A Chronicle column as chronicle_values() writes it."""
    if column.type == "string":
        return text_sql(column.sql, escape=escape and not column.enum)  # vocabulary values never need it
    if column.type == "boolean":
        return f"{column.sql}::text"  # true / false
    if column.type == "datetime":
        return f"to_char({column.sql}, '{ISO_UTC}')"
    return column.sql


def _select_list(flavour: str, escape: bool) -> list[tuple[str, str]]:
    if flavour == "acled":
        return [
            (
                name,
                text_sql(ACLED_SQL[name], escape=escape and name in ACLED_ESCAPED_COLUMNS)
                if name in ACLED_TEXT_COLUMNS
                else ACLED_SQL[name],
            )
            for name in ACLED_COLUMNS
        ]
    return [(column.name, csv_sql(column, escape=escape)) for column in CHRONICLE_COLUMNS]


def _country_table() -> str:
    """ISO numeric code and ACLED region per alpha-3 code, as an inline VALUES table."""
    rows = []
    for iso3, country in sorted(COUNTRIES.items()):
        region = country.region.replace("'", "''")
        rows.append(f"('{iso3}', {int(country.numeric)}, '{region}')")
    return f"(VALUES {', '.join(rows)}) AS c(iso3, iso, region)"


def _joins(restrict: str) -> str:
    """The joins of the event's actors, associated actors and sources (names joined by '; ')."""
    main = ""
    for number, role in ((1, ActorRole.ACTOR1), (2, ActorRole.ACTOR2)):
        main += (
            f"LEFT JOIN events_eventactor ea{number} ON ea{number}.event_id = e.id "
            f"AND ea{number}.role = '{role}'\n"
            f"LEFT JOIN actors_actor a{number} ON a{number}.id = ea{number}.actor_id\n"
        )
    assoc = ""
    for number, role in ((1, ActorRole.ASSOC_ACTOR_1), (2, ActorRole.ASSOC_ACTOR_2)):
        assoc += (
            "LEFT JOIN (SELECT ea.event_id, string_agg(a.name, '; ' ORDER BY ea.position, ea.id) AS names "
            "FROM events_eventactor ea JOIN actors_actor a ON a.id = ea.actor_id "
            f"WHERE ea.role = '{role}'{restrict.format(column='ea.event_id')} "
            f"GROUP BY ea.event_id) aa{number} ON aa{number}.event_id = e.id\n"
        )
    # A source cited twice is named once, at its first citation.
    first_citation = (
        "NOT EXISTS (SELECT 1 FROM events_citation earlier WHERE earlier.event_id = ci.event_id "
        "AND earlier.source_id = ci.source_id AND earlier.id < ci.id)"
    )
    sources = (
        "LEFT JOIN (SELECT ci.event_id, string_agg(s.name, '; ' ORDER BY ci.id) AS names "
        "FROM events_citation ci JOIN events_source s ON s.id = ci.source_id "
        f"WHERE {first_citation}{restrict.format(column='ci.event_id')} "
        "GROUP BY ci.event_id) src ON src.event_id = e.id\n"
    )
    return main + assoc + sources


def export_select(
    queryset: QuerySet, columns: list[tuple[str, str]], *, countries: bool = False
) -> tuple[str, list]:
    """SELECT `columns` ((name, SQL over the export's aliases)) for the events of `queryset`, in
    its order (see copy_supported), and the parameters of its filters."""
    order_by = _order_by(queryset)
    params: list = []
    events, restrict = "events_event e", ""
    if queryset.query.where:
        # The filters' own SQL, in each place that needs it (not a CTE: PostgreSQL then knows how
        # many events match, and picks index lookups for a few and hash joins for many).
        selected, selected_params = queryset.order_by().values("pk").query.sql_with_params()
        restrict = f" AND {{column}} IN ({selected.replace('{', '{{').replace('}', '}}')})"
        # OFFSET 0 keeps the matching events a subquery, filtered before any join.
        events = f"(SELECT * FROM events_event WHERE id IN ({selected}) OFFSET 0) e"
        params = [*selected_params, *selected_params * 3]  # the events, then three aggregates
    select_list = ",\n  ".join(f'{expression} AS "{name}"' for name, expression in columns)
    country_join = f"LEFT JOIN {_country_table()} ON c.iso3 = p.country_code\n" if countries else ""
    select = (
        f"SELECT\n  {select_list}\n"
        f"FROM {events}\n"
        "JOIN places_place p ON p.id = e.place_id\n"
        f"{country_join}{_joins(restrict)}" + (f"ORDER BY {order_by}" if order_by else "")
    )
    return select, params


def copy_statement(queryset: QuerySet, *, flavour: str = "csv", escape: bool = True) -> tuple[str, list]:
    """The COPY … TO STDOUT statement exporting `queryset` as CSV, and its parameters."""
    select, params = export_select(queryset, _select_list(flavour, escape), countries=flavour == "acled")
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)", params


def copy_csv_chunks(
    queryset: QuerySet,
    *,
    flavour: str = "csv",
    escape: bool = True,
    stats: dict | None = None,
    progress: Callable[[int], None] | None = None,
    every: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """The CSV bytes in blocks of about BLOCK_BYTES, straight from COPY.

    A connection streaming COPY can run nothing else until the COPY ends (psycopg holds its lock:
    a query from the same thread would wait forever). So the COPY gets a connection of its own,
    and the caller's stays free — for a job's progress updates, say. Inside a transaction the
    COPY must see what the transaction wrote: it runs on the caller's connection, under that
    transaction's statement timeout (the web exports' bulk limit, config/statement_timeout.py),
    and `progress` is only called once the COPY is done.

    `progress` is called with `every` rows at a time as the rows arrive (counted by their line
    ends, so a note spanning lines counts more), then with the rest of the exact count once COPY
    is done; `stats["rows"]` is the exact count.
    """
    statement, params = copy_statement(queryset, flavour=flavour, escape=escape)
    if not params:
        statement = statement.replace("%%", "%")  # psycopg merges (and un-doubles) only with parameters
    shared = connections[queryset.db]
    own = None if shared.in_atomic_block else connections.create_connection(queryset.db)
    live = progress if own is not None else None
    block = bytearray()
    lines = -1  # the header's line end
    reported = 0

    def report() -> None:
        nonlocal lines, reported
        lines += block.count(b"\n")
        while lines - reported >= every:
            live(every)
            reported += every

    try:
        database = own or shared
        database.ensure_connection()
        with database.connection.cursor() as cursor:
            with cursor.copy(statement, params or None) as copy:
                for data in copy:
                    block += data
                    if len(block) >= BLOCK_BYTES:
                        if live:
                            report()
                        yield bytes(block)
                        block = bytearray()
            count = cursor.rowcount
    finally:
        if own is not None:
            own.close()
    if block:
        if live:
            report()
        yield bytes(block)
    if progress and count > reported:
        progress(count - reported)
    if stats is not None:
        stats["rows"] = count
