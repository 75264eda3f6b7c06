"""The rollups: events and fatalities per country, month, admin1, status and type, kept exact.

Four tables, each one GROUP BY of the events (`Rollup.grouped`), with `events`, `fatalities`,
`first_date` and `last_date` per group; rows at a million events in docs/benchmarks.md:

- `CountryMonthRollup`: country, month of `event_date`, status (country × month dashboards);
- `TypeMonthRollup`: month, status, event type, sub-event type, disorder type;
- `Admin1Rollup`: country, admin1, status and the types, all dates together (the explorer's map);
- `MonthlyRollup`: country, month, status and the types (whatever the coarser ones cannot answer).

The aggregates read the one with fewest rows that holds a request's keys, period and filters
(`events.aggregates.rollup_for`), else the events.

On PostgreSQL they are kept by statement-level triggers with transition tables, in the same
transaction as the write, so every way of writing events keeps them exact: the services, the
importers' COPY and UPDATE … FROM, bulk_create, merges, deletes, publish and retract, and
`seed_demo`. Triggers rather than service code because a bulk path that forgets to call the
service would silently skew every dashboard; a trigger cannot be forgotten. Each statement's
changed rows are grouped once at the finest grain (`events_rollup_delta`), then each rollup adds
them up at its own:

- INSERT adds each group's count, fatalities and dates (an upsert);
- UPDATE: an event that stays in its groups adds only its change of fatalities; one whose date,
  place, status or type changes leaves its old groups and joins new ones; DELETE leaves. A group
  left with no events is deleted; a group whose first or last date left recounts them from the
  events (an index range: the month's dates, or the admin1's places);
- a change of a place's country, its name, path or admin1 label, for a place with events,
  recounts the countries involved;
- TRUNCATE of events empties them.

SQLite has no such triggers here: the tables stay empty and the aggregates read events.
`check_rollups` compares them with the events' own GROUP BY and `--rebuild` rewrites them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections

VALUES = ("events", "fatalities", "first_date", "last_date")

# The columns a rollup may group on, as SQL over an event row `e` and its place `p`. The admin1
# is the place's own id or its ancestor's, read from its path as events.aggregates does (0: none).
EXPRESSIONS = {
    "country_code": "p.country_code",
    "country_name": "p.country_name",
    "admin1_id": (
        "CASE WHEN p.admin1 <> '' THEN split_part(p.path, '/', "
        "(CASE WHEN p.country_name <> '' THEN 1 ELSE 0 END) + 2)::bigint ELSE 0 END"
    ),
    "month": "date_trunc('month', e.event_date)::date",
    "status": "e.status",
    "event_type": "e.event_type",
    "sub_event_type": "e.sub_event_type",
    "disorder_type": "e.disorder_type",
}


@dataclass(frozen=True)
class Rollup:
    """A table of the events' counts grouped by `key` (names of EXPRESSIONS)."""

    name: str
    table: str
    key: tuple[str, ...]
    narrow: str = ""  # a condition over e and x (the group) that lets an index find its events

    def grouped(self, where: str = "") -> str:
        """The events' own GROUP BY, the definition of this rollup (`where` narrows it)."""
        columns = ", ".join(f"{EXPRESSIONS[name]} AS {name}" for name in self.key)
        return f"""
            SELECT {columns}, count(*) AS events, sum(e.fatalities) AS fatalities,
                   min(e.event_date) AS first_date, max(e.event_date) AS last_date
            FROM events_event e JOIN places_place p ON p.id = e.place_id
            {where}
            GROUP BY {", ".join(str(n + 1) for n in range(len(self.key)))}
        """

    @property
    def columns(self) -> str:
        return ", ".join(self.key + VALUES)

    def match(self, left: str, right: str) -> str:
        return " AND ".join(f"{left}.{name} = {right}.{name}" for name in self.key)

    def apply_function(self) -> str:
        """events_rollup_apply_<name>(deltas): add the deltas (at the finest grain) to this table,
        drop the groups left empty, recompute the dates a leaving event held."""
        key = ", ".join(self.key)
        same_group = " AND ".join(f"{EXPRESSIONS[name]} = x.{name}" for name in self.key)
        narrow = f"{self.narrow} AND " if self.narrow else ""
        return f"""
CREATE OR REPLACE FUNCTION events_rollup_apply_{self.name}(deltas events_rollup_delta[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {self.table} AS r ({self.columns})
    SELECT {key}, sum(events), sum(fatalities), coalesce(min(first_date), min(lost_first)),
           coalesce(max(last_date), max(lost_last))
    FROM unnest(deltas) GROUP BY {key}
    HAVING coalesce(min(first_date), min(lost_first)) IS NOT NULL
    ORDER BY {key}
    ON CONFLICT ({key}) DO UPDATE SET
        events = r.events + EXCLUDED.events,
        fatalities = r.fatalities + EXCLUDED.fatalities,
        first_date = LEAST(r.first_date, EXCLUDED.first_date),
        last_date = GREATEST(r.last_date, EXCLUDED.last_date);
    -- Groups whose events all stayed (fatalities changed): no date to propose for an insert,
    -- whose NOT NULL checks come before ON CONFLICT.
    UPDATE {self.table} r SET fatalities = r.fatalities + x.fatalities
    FROM (
        SELECT {key}, sum(fatalities) AS fatalities FROM unnest(deltas) GROUP BY {key}
        HAVING coalesce(min(first_date), min(lost_first)) IS NULL
    ) x
    WHERE {self.match("r", "x")};
    DELETE FROM {self.table} r USING (SELECT DISTINCT {key} FROM unnest(deltas)) x
    WHERE {self.match("r", "x")} AND r.events <= 0;
    UPDATE {self.table} r SET first_date = d.first_date, last_date = d.last_date
    FROM (
        SELECT {key}, min(lost_first) AS lost_first, max(lost_last) AS lost_last
        FROM unnest(deltas) WHERE lost_first IS NOT NULL GROUP BY {key}
    ) x, LATERAL (
        SELECT min(e.event_date) AS first_date, max(e.event_date) AS last_date
        FROM events_event e JOIN places_place p ON p.id = e.place_id
        WHERE {narrow}{same_group}
    ) d
    WHERE {self.match("r", "x")} AND (x.lost_first <= r.first_date OR x.lost_last >= r.last_date);
END $$
"""


MONTHLY = Rollup(
    "monthly",
    "events_monthlyrollup",
    ("country_code", "country_name", "month", "status", "event_type", "sub_event_type", "disorder_type"),
    narrow="e.event_date >= x.month AND e.event_date < (x.month + interval '1 month')::date",
)
ADMIN1 = Rollup(
    "admin1",
    "events_admin1rollup",
    ("country_code", "country_name", "admin1_id", "status", "event_type", "sub_event_type", "disorder_type"),
    # The division's places by their path (its index's range), then their events by place.
    narrow=(
        "p.country_code = x.country_code AND (x.admin1_id = 0 OR e.place_id IN ("
        "SELECT d.id FROM places_place a JOIN places_place d "
        "ON d.path ~>=~ a.path AND d.path ~<~ (a.path || '~') WHERE a.id = x.admin1_id))"
    ),
)
COUNTRY_MONTH = Rollup(
    "country_month",
    "events_countrymonthrollup",
    ("country_code", "country_name", "month", "status"),
    narrow=MONTHLY.narrow,
)
TYPE_MONTH = Rollup(
    "type_month",
    "events_typemonthrollup",
    ("month", "status", "event_type", "sub_event_type", "disorder_type"),
    narrow=MONTHLY.narrow,
)
ROLLUPS = (MONTHLY, COUNTRY_MONTH, TYPE_MONTH, ADMIN1)
# Kept for the callers that speak of "the" rollup.
TABLE, KEY = MONTHLY.table, MONTHLY.key

# A row of changes at the finest grain of every rollup: +1 per event arriving, -1 per event leaving.
_FINEST = (
    "country_code",
    "country_name",
    "admin1_id",
    "month",
    "status",
    "event_type",
    "sub_event_type",
    "disorder_type",
)
_DELTA_TYPE = """
CREATE TYPE events_rollup_delta AS (
    country_code text, country_name text, admin1_id bigint, month date, status text, event_type text,
    sub_event_type text, disorder_type text, events bigint, fatalities bigint,
    first_date date, last_date date, lost_first date, lost_last date
)
"""

# `changes` is a set of event rows (the columns below) with a sign; this groups them into deltas.
_DELTA = f"""
    SELECT array_agg(g) INTO deltas FROM (
        SELECT ROW(
            {", ".join(EXPRESSIONS[name] for name in _FINEST)},
            sum(e.count), sum(e.fatalities),
            min(e.event_date) FILTER (WHERE e.arrives), max(e.event_date) FILTER (WHERE e.arrives),
            min(e.event_date) FILTER (WHERE e.leaves), max(e.event_date) FILTER (WHERE e.leaves)
        )::events_rollup_delta AS g
        FROM ({{changes}}) e JOIN places_place p ON p.id = e.place_id
        GROUP BY {", ".join(EXPRESSIONS[name] for name in _FINEST)}
    ) grouped
"""
# The columns that place an event in a group; `changes` rows carry them for the group an event
# arrives in or leaves, with `count` (+1, -1, or 0 for an event that stays), signed `fatalities`,
# and whether its date `arrives` in the group or `leaves` it.
_GROUP_COLUMNS = ("place_id", "event_date", "status", "event_type", "sub_event_type", "disorder_type")


def _row(alias: str, count: str, fatalities: str, arrives: str, leaves: str) -> str:
    columns = ", ".join(f"{alias}.{name}" for name in _GROUP_COLUMNS)
    return (
        f"SELECT {columns}, {count} AS count, {fatalities} AS fatalities, "
        f"{arrives} AS arrives, {leaves} AS leaves"
    )


def _tuple(alias: str, names) -> str:
    return "(" + ", ".join(f"{alias}.{name}" for name in names) + ")"


_SAME_GROUP = f"{_tuple('n', _GROUP_COLUMNS)} IS NOT DISTINCT FROM {_tuple('o', _GROUP_COLUMNS)}"
_COUNTED = (*_GROUP_COLUMNS, "fatalities")
_PAIRS = (
    "FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE "
    f"{_tuple('n', _COUNTED)} IS DISTINCT FROM {_tuple('o', _COUNTED)}"
)
_INSERTED = _row("n", "1", "n.fatalities", "true", "false") + " FROM new_rows n"
_DELETED = _row("o", "-1", "-o.fatalities", "false", "true") + " FROM old_rows o"
# An updated event that stays in its group changes only the fatalities (no date arrives or
# leaves, so no first or last date is recomputed); one that moves leaves a group and joins one.
_UPDATED = (
    _row("n", f"CASE WHEN {_SAME_GROUP} THEN 0 ELSE 1 END", f"n.fatalities - CASE WHEN {_SAME_GROUP} "
         "THEN o.fatalities ELSE 0 END", f"NOT ({_SAME_GROUP})", "false")
    + f" {_PAIRS} UNION ALL "
    + _row("o", "-1", "-o.fatalities", "false", "true")
    + f" {_PAIRS} AND NOT ({_SAME_GROUP})"
)  # fmt: skip

# The (country code, name) pairs of the places an update changed in a way that moves their events
# between groups (country, its name, the path or the admin1 label, which decide the admin1).
_PLACE_COLUMNS = "{t}.country_code, {t}.country_name, {t}.path, {t}.admin1"
_PLACES_MOVED = " UNION ".join(
    f"SELECT {side}.country_code, {side}.country_name FROM old_places o JOIN new_places n ON n.id = o.id "
    f"WHERE ({_PLACE_COLUMNS.format(t='o')}) IS DISTINCT FROM ({_PLACE_COLUMNS.format(t='n')}) "
    # Only places with events of their own: a new place gets its path by an update (an import
    # makes hundreds), and a moved place's descendants are updated row by row, each its own call.
    "AND EXISTS (SELECT 1 FROM events_event e WHERE e.place_id = o.id)"
    for side in ("o", "n")
)


def _trigger_function(name: str, changes: str) -> str:
    applies = "\n    ".join(f"PERFORM events_rollup_apply_{rollup.name}(deltas);" for rollup in ROLLUPS)
    return f"""
CREATE OR REPLACE FUNCTION events_rollup_on_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas events_rollup_delta[];
BEGIN
    {_DELTA.format(changes=changes)};
    IF deltas IS NOT NULL THEN
        {applies}
    END IF;
    RETURN NULL;
END $$
"""


_RECOUNT_COUNTRIES = "\n    ".join(
    f"DELETE FROM {rollup.table} WHERE (country_code, country_name) IN ({_PLACES_MOVED});\n    "
    f"INSERT INTO {rollup.table} ({rollup.columns}) "
    f"{rollup.grouped(f'WHERE (p.country_code, p.country_name) IN ({_PLACES_MOVED})')};"
    for rollup in ROLLUPS
    if "country_code" in rollup.key  # the others do not know where events happened
)

INSTALL = [
    _DELTA_TYPE,
    *(rollup.apply_function() for rollup in ROLLUPS),
    _trigger_function("insert", _INSERTED),
    _trigger_function("delete", _DELETED),
    _trigger_function("update", _UPDATED),
    f"""
CREATE OR REPLACE FUNCTION events_rollup_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {" ".join(f"DELETE FROM {rollup.table};" for rollup in ROLLUPS)}
    RETURN NULL;
END $$
""",
    # A place whose country, path or admin1 changes moves its events (and its descendants' events,
    # each updated by its own statement) to other groups: recount the countries involved. Rare
    # (a correction of reference data), and a country's events are an index range.
    f"""
CREATE OR REPLACE FUNCTION events_rollup_on_place_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS ({_PLACES_MOVED}) THEN
        RETURN NULL;
    END IF;
    {_RECOUNT_COUNTRIES}
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
    *(f"DROP FUNCTION IF EXISTS events_rollup_apply_{r.name}(events_rollup_delta[])" for r in ROLLUPS),
    "DROP TYPE IF EXISTS events_rollup_delta",
]


def is_kept(using: str = "default") -> bool:
    """Whether this database keeps the rollups (PostgreSQL, with their triggers installed)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'events_rollup_insert' "
            "AND tgrelid = 'events_event'::regclass)"
        )
        return cursor.fetchone()[0]


def rebuild(using: str = "default") -> dict[str, int]:
    """Rewrite every rollup from the events (in the caller's transaction); returns their rows."""
    counts = {}
    with connections[using].cursor() as cursor:
        cursor.execute("LOCK TABLE events_event IN SHARE MODE")  # no write while they are rewritten
        for rollup in ROLLUPS:
            cursor.execute(f"DELETE FROM {rollup.table}")
            cursor.execute(f"INSERT INTO {rollup.table} ({rollup.columns}) {rollup.grouped()}")
            counts[rollup.table] = cursor.rowcount
    return counts


@contextmanager
def rebuilt_after(using: str = "default") -> Iterator[bool]:
    """For bulk loads of events, in the caller's transaction: the INSERT trigger is off inside the
    block and every rollup is rebuilt from the events after it. Yields whether they are kept.

    The trigger rewrites the rollup rows each statement touches, and within the load's one
    transaction none of their old versions can be vacuumed: every batch costs more than the one
    before. One GROUP BY at the end is far cheaper (docs/benchmarks.md, "At three million
    events") — the indexes-after-loading advice, applied to the rollups. Only for loads that
    write most of the table: a small one is cheaper through the trigger than a rebuild of all.
    """
    kept = is_kept(using)
    if not kept:
        yield False
        return
    with connections[using].cursor() as cursor:
        cursor.execute("ALTER TABLE events_event DISABLE TRIGGER events_rollup_insert")
    yield True
    with connections[using].cursor() as cursor:
        cursor.execute("ALTER TABLE events_event ENABLE TRIGGER events_rollup_insert")
    rebuild(using)


def differences(using: str = "default", *, limit: int = 20) -> list[dict]:
    """Rows where a rollup and the events' own GROUP BY disagree (at most `limit` per rollup): each
    with the table, the key and both sides' values (None where a side has no row). Empty when
    every rollup is exact."""
    sides = ", ".join(f"e.{name} AS events_{name}, r.{name} AS rollup_{name}" for name in VALUES)
    found = []
    for rollup in ROLLUPS:
        key = ", ".join(rollup.key)
        # FULL JOIN … USING: the key's bare names are the merged columns, whichever side has the row.
        statement = f"""
            SELECT '{rollup.table}' AS rollup, {key}, {sides}
            FROM ({rollup.grouped()}) e
            FULL JOIN {rollup.table} r USING ({key})
            WHERE (e.events, e.fatalities, e.first_date, e.last_date)
                  IS DISTINCT FROM (r.events, r.fatalities, r.first_date, r.last_date)
            ORDER BY {key}
            LIMIT {int(limit)}
        """
        with connections[using].cursor() as cursor:
            cursor.execute(statement)
            columns = [column.name for column in cursor.description]
            found += [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return found
