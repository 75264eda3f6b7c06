"""The monthly rollup: events and fatalities per (country, month, status, type), kept exact.

`MonthlyRollup` holds one row per country code and name, month of `event_date`, status, event
type, sub-event type and disorder type that has events: about 120,000 rows for a million events.
The aggregates read it instead of the events when a request's keys, period and filters are
answerable from it (`events.aggregates`), which turns a GROUP BY over every event into one over
a tenth as many rows.

On PostgreSQL the rollup is kept by statement-level triggers with transition tables, in the
same transaction as the write, so every way of writing events keeps it exact: the services,
the importers' COPY and bulk_create, UPDATE … FROM, merges, deletes, publish and retract, and
`seed_demo`. Triggers rather than service code because a bulk path that forgets to call the
service would silently skew every dashboard; a trigger cannot be forgotten.

- INSERT adds each group's count, fatalities and dates (an upsert);
- UPDATE of date, place, status, a type or fatalities subtracts the old rows' groups and adds the
  new ones'; DELETE subtracts. A group left with no events is deleted; a group whose first or
  last date left recomputes them from the events (one index range of the month);
- a change of a place's country code or name recomputes the rows of the countries involved;
- TRUNCATE of events empties the rollup.

SQLite has no such triggers here: the table stays empty and the aggregates read events.
`check_rollups` compares the rollup with the events' own GROUP BY and `--rebuild` rewrites it.
"""

from __future__ import annotations

from django.db import connections

TABLE = "events_monthlyrollup"
KEY = ("country_code", "country_name", "month", "status", "event_type", "sub_event_type", "disorder_type")
VALUES = ("events", "fatalities", "first_date", "last_date")

# The events' own GROUP BY, the definition of the rollup (`{where}` narrows it).
EVENTS_GROUPED = """
    SELECT p.country_code, p.country_name, date_trunc('month', e.event_date)::date AS month,
           e.status, e.event_type, e.sub_event_type, e.disorder_type,
           count(*) AS events, sum(e.fatalities) AS fatalities,
           min(e.event_date) AS first_date, max(e.event_date) AS last_date
    FROM events_event e JOIN places_place p ON p.id = e.place_id
    {where}
    GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

_COLUMNS = ", ".join(KEY + VALUES)
_KEY = ", ".join(KEY)
_KEY_MATCH = " AND ".join(f"r.{name} = x.{name}" for name in KEY)

# A row of changes to apply: +1 per event arriving in a group, -1 per event leaving it.
_DELTA_TYPE = """
CREATE TYPE events_rollup_delta AS (
    country_code text, country_name text, month date, status text, event_type text,
    sub_event_type text, disorder_type text, events bigint, fatalities bigint,
    first_date date, last_date date, lost_first date, lost_last date
)
"""

# `changes` is a set of (place_id, event_date, status, event_type, sub_event_type, disorder_type,
# fatalities, sign) rows; this SELECT groups them into deltas.
_DELTA = """
    SELECT array_agg(g) INTO deltas FROM (
        SELECT ROW(
            p.country_code, p.country_name, date_trunc('month', c.event_date)::date, c.status,
            c.event_type, c.sub_event_type, c.disorder_type, sum(c.sign), sum(c.sign * c.fatalities),
            min(c.event_date) FILTER (WHERE c.sign > 0), max(c.event_date) FILTER (WHERE c.sign > 0),
            min(c.event_date) FILTER (WHERE c.sign < 0), max(c.event_date) FILTER (WHERE c.sign < 0)
        )::events_rollup_delta AS g
        FROM ({changes}) c JOIN places_place p ON p.id = c.place_id
        GROUP BY p.country_code, p.country_name, date_trunc('month', c.event_date), c.status,
                 c.event_type, c.sub_event_type, c.disorder_type
    ) grouped
"""
_CHANGED_COLUMNS = "place_id, event_date, status, event_type, sub_event_type, disorder_type, fatalities"


def _rows(table: str, sign: int, where: str = "") -> str:
    alias = table[0]
    columns = ", ".join(f"{alias}.{name}" for name in _CHANGED_COLUMNS.split(", "))
    return f"SELECT {columns}, {sign} AS sign FROM {table} {alias} {where}"


_MOVED = (
    "JOIN {other} {o} ON {o}.id = {a}.id WHERE "
    "(n.place_id, n.event_date, n.status, n.event_type, n.sub_event_type, n.disorder_type, n.fatalities) "
    "IS DISTINCT FROM "
    "(o.place_id, o.event_date, o.status, o.event_type, o.sub_event_type, o.disorder_type, o.fatalities)"
)

# The (country code, name) pairs a place update left or joined.
_PLACES_MOVED = (
    "SELECT o.country_code, o.country_name FROM old_places o JOIN new_places n ON n.id = o.id "
    "WHERE (o.country_code, o.country_name) IS DISTINCT FROM (n.country_code, n.country_name) "
    "UNION SELECT n.country_code, n.country_name FROM old_places o JOIN new_places n ON n.id = o.id "
    "WHERE (o.country_code, o.country_name) IS DISTINCT FROM (n.country_code, n.country_name)"
)

INSTALL = [
    _DELTA_TYPE,
    # Apply deltas: upsert, drop emptied groups, recompute dates a leaving event held.
    f"""
CREATE FUNCTION events_rollup_apply(deltas events_rollup_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF deltas IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {TABLE} AS r ({_COLUMNS})
    SELECT {_KEY}, events, fatalities, coalesce(first_date, lost_first), coalesce(last_date, lost_last)
    FROM unnest(deltas)
    ORDER BY {_KEY}
    ON CONFLICT ({_KEY}) DO UPDATE SET
        events = r.events + EXCLUDED.events,
        fatalities = r.fatalities + EXCLUDED.fatalities,
        first_date = LEAST(r.first_date, EXCLUDED.first_date),
        last_date = GREATEST(r.last_date, EXCLUDED.last_date);
    DELETE FROM {TABLE} r USING unnest(deltas) x WHERE {_KEY_MATCH} AND r.events <= 0;
    UPDATE {TABLE} r SET first_date = d.first_date, last_date = d.last_date
    FROM unnest(deltas) x, LATERAL (
        SELECT min(e.event_date) AS first_date, max(e.event_date) AS last_date
        FROM events_event e JOIN places_place p ON p.id = e.place_id
        WHERE e.event_date >= x.month AND e.event_date < (x.month + interval '1 month')::date
          AND e.status = x.status AND e.event_type = x.event_type
          AND e.sub_event_type = x.sub_event_type AND e.disorder_type = x.disorder_type
          AND p.country_code = x.country_code AND p.country_name = x.country_name
    ) d
    WHERE {_KEY_MATCH} AND (x.lost_first <= r.first_date OR x.lost_last >= r.last_date);
END $$
""",
    f"""
CREATE FUNCTION events_rollup_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas events_rollup_delta[];
BEGIN
    {_DELTA.format(changes=_rows("new_rows", 1))};
    PERFORM events_rollup_apply(deltas);
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION events_rollup_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas events_rollup_delta[];
BEGIN
    {_DELTA.format(changes=_rows("old_rows", -1))};
    PERFORM events_rollup_apply(deltas);
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION events_rollup_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas events_rollup_delta[];
BEGIN
    {
        _DELTA.format(
            changes=_rows("new_rows", 1, _MOVED.format(other="old_rows", o="o", a="n"))
            + " UNION ALL "
            + _rows("old_rows", -1, _MOVED.format(other="new_rows", o="n", a="o"))
        )
    };
    PERFORM events_rollup_apply(deltas);
    RETURN NULL;
END $$
""",
    f"""
CREATE FUNCTION events_rollup_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE};
    RETURN NULL;
END $$
""",
    # A place whose country code or name changes moves its events to another group: rebuild the
    # rows of every (code, name) involved (rare: a correction of reference data).
    f"""
CREATE FUNCTION events_rollup_on_place_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS ({_PLACES_MOVED}) THEN
        RETURN NULL;
    END IF;
    DELETE FROM {TABLE} WHERE (country_code, country_name) IN ({_PLACES_MOVED});
    INSERT INTO {TABLE} ({_COLUMNS})
    {EVENTS_GROUPED.format(where=f"WHERE (p.country_code, p.country_name) IN ({_PLACES_MOVED})")};
    RETURN NULL;
END $$
""",
    """CREATE TRIGGER events_rollup_insert AFTER INSERT ON events_event
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION events_rollup_on_insert()""",
    """CREATE TRIGGER events_rollup_delete AFTER DELETE ON events_event
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION events_rollup_on_delete()""",
    """CREATE TRIGGER events_rollup_update AFTER UPDATE ON events_event
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION events_rollup_on_update()""",
    """CREATE TRIGGER events_rollup_truncate AFTER TRUNCATE ON events_event
       FOR EACH STATEMENT EXECUTE FUNCTION events_rollup_on_truncate()""",
    """CREATE TRIGGER events_rollup_place_update AFTER UPDATE ON places_place
       REFERENCING OLD TABLE AS old_places NEW TABLE AS new_places
       FOR EACH STATEMENT EXECUTE FUNCTION events_rollup_on_place_update()""",
]

UNINSTALL = [
    "DROP TRIGGER IF EXISTS events_rollup_place_update ON places_place",
    "DROP TRIGGER IF EXISTS events_rollup_truncate ON events_event",
    "DROP TRIGGER IF EXISTS events_rollup_update ON events_event",
    "DROP TRIGGER IF EXISTS events_rollup_delete ON events_event",
    "DROP TRIGGER IF EXISTS events_rollup_insert ON events_event",
    "DROP FUNCTION IF EXISTS events_rollup_on_place_update()",
    "DROP FUNCTION IF EXISTS events_rollup_on_truncate()",
    "DROP FUNCTION IF EXISTS events_rollup_on_update()",
    "DROP FUNCTION IF EXISTS events_rollup_on_delete()",
    "DROP FUNCTION IF EXISTS events_rollup_on_insert()",
    "DROP FUNCTION IF EXISTS events_rollup_apply(events_rollup_delta[])",
    "DROP TYPE IF EXISTS events_rollup_delta",
]


def is_kept(using: str = "default") -> bool:
    """Whether this database keeps the rollup (PostgreSQL, with its triggers installed)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'events_rollup_insert' "
            "AND tgrelid = 'events_event'::regclass)"
        )
        return cursor.fetchone()[0]


def rebuild(using: str = "default") -> int:
    """Rewrite the rollup from the events (in the caller's transaction); returns its rows."""
    with connections[using].cursor() as cursor:
        cursor.execute("LOCK TABLE events_event IN SHARE MODE")  # no write between the two
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} ({_COLUMNS}) {EVENTS_GROUPED.format(where='')}")
        return cursor.rowcount


def differences(using: str = "default", *, limit: int = 20) -> list[dict]:
    """Rows where the rollup and the events' own GROUP BY disagree (at most `limit`): each with
    the key and both sides' values (None where a side has no row). Empty when they are equal."""
    sides = ", ".join(f"e.{name} AS events_{name}, r.{name} AS rollup_{name}" for name in VALUES)
    # FULL JOIN … USING: the key's bare names are the merged columns, whichever side has the row.
    statement = f"""
        SELECT {_KEY}, {sides}
        FROM ({EVENTS_GROUPED.format(where="")}) e
        FULL JOIN {TABLE} r USING ({_KEY})
        WHERE (e.events, e.fatalities, e.first_date, e.last_date)
              IS DISTINCT FROM (r.events, r.fatalities, r.first_date, r.last_date)
        ORDER BY {_KEY}
        LIMIT {int(limit)}
    """
    with connections[using].cursor() as cursor:
        cursor.execute(statement)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
