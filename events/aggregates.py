"""Counts of events and fatalities by place, type, actor or source, per day, week, month or year.

`aggregate()` answers the aggregates API, its CSV/XLSX exports and `export_events --format
aggregate`; `aggregate_rows()` groups any event queryset (the XLSX report's summary sheets use it).
Each request is one GROUP BY statement over the filtered events, wrapped in a SELECT that adds the
readable names (and coordinates) of the grouped ids::

    SELECT g.*, a1.name AS admin1, … FROM (
        SELECT <keys>, <period>, count(*), sum(fatalities), min(event_date), max(event_date)
        FROM (<the API filters' own SELECT>) f [JOIN the actors' or sources' links]
        GROUP BY <keys>, <period>) g
    LEFT JOIN places_place a1 ON a1.id = g.admin1_id …

On PostgreSQL a request whose keys, period and filters a rollup holds (events/rollups.py) reads
that rollup instead of the events, in the same statement shape: its rows stand for `f`, each
adding its own events, fatalities and dates (`rollup_for`; the tests prove both equal). When
each rollup row is one group (`rows_are_groups`: one status, the rollup's own keys), the rows are
read as they are, in an index's order where one gives the answer's.

Admin levels come from each event's place: its materialised path ("/<country>/<admin1>/…/")
holds the ids of its ancestors, and its denormalised labels (country_name, admin1, admin2) say
which of them exist, so the admin1 of a place is the path's second id when the place is in a
country and its first otherwise — no recursion, no join per event. Periods start on the period's
first day; `week` is ACLED's week (Saturday to Friday, as in ACLED's aggregated data), `isoweek`
ISO's (Monday to Sunday).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django import forms
from django.db import connections
from django.db.models import F, QuerySet

from core.api.exceptions import ParameterError
from core.api.filters import StrictBooleanField
from core.vocab import Status
from events import rollups
from events.filters import EventFilter, as_query_dict
from events.models import Admin1Rollup, CountryMonthRollup, Event, MonthlyRollup, TypeMonthRollup

MAX_ROWS = 50_000  # rows of one answer, padding included
MAX_PLACES = 5_000  # places of one `by=place` answer (a map's points)

# Grouping keys in the order their columns appear (a request's own order does not matter).
KEYS = (
    "country",
    "admin1",
    "admin2",
    "place",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor",
    "source",
)
# Keys a key brings with it: an admin1 name means little without its country.
IMPLIED = {
    "admin1": ("country",),
    "admin2": ("country", "admin1"),
    "place": ("country",),
    "sub_event_type": ("event_type",),
}
GEOGRAPHIC = ("place", "admin2", "admin1", "country")  # finest first: whose coordinates a row has

PERIODS = ("day", "week", "isoweek", "month", "year")
AGGREGATE_PARAMETERS = ("by", "period", "fill")  # besides the event filters
PERIOD_HELP = {
    "day": "the day",
    "week": "ACLED's week, Saturday to Friday (the date is the Saturday)",
    "isoweek": "the ISO week, Monday to Sunday (the date is the Monday)",
    "month": "the calendar month (the date is the 1st)",
    "year": "the calendar year (the date is 1 January)",
}


@dataclass(frozen=True)
class OutputColumn:
    """A column of an aggregate row: name, type (string, integer, number, date) and meaning."""

    name: str
    type: str
    description: str

    @property
    def is_text(self) -> bool:
        return self.type == "string"


# The columns each key adds to a row, declared once (JSON, CSV, XLSX and the OpenAPI schema).
KEY_COLUMNS: dict[str, tuple[OutputColumn, ...]] = {
    "country": (
        OutputColumn("country_code", "string", "ISO 3166-1 alpha-3 code of the country."),
        OutputColumn("country", "string", "Country."),
    ),
    "admin1": (
        OutputColumn("admin1_id", "integer", "Place id of the first-level division (null: none)."),
        OutputColumn("admin1", "string", "First-level administrative division."),
    ),
    "admin2": (
        OutputColumn("admin2_id", "integer", "Place id of the second-level division (null: none)."),
        OutputColumn("admin2", "string", "Second-level administrative division."),
    ),
    "place": (
        OutputColumn("place_id", "integer", "Place id of the events' place."),
        OutputColumn("place", "string", "The events' place (its lowest level)."),
    ),
    "disorder_type": (OutputColumn("disorder_type", "string", "Disorder type."),),
    "event_type": (OutputColumn("event_type", "string", "ACLED event type."),),
    "sub_event_type": (OutputColumn("sub_event_type", "string", "ACLED sub-event type."),),
    "actor": (
        OutputColumn("actor_id", "integer", "Actor id."),
        OutputColumn("actor", "string", "Actor (in any role of the event)."),
    ),
    "source": (
        OutputColumn("source_id", "integer", "Source id."),
        OutputColumn("source", "string", "Source cited by the event."),
    ),
}
COORDINATE_COLUMNS = (
    OutputColumn(
        "latitude", "number", "Latitude of the row's finest place (place, admin2, admin1 or country)."
    ),
    OutputColumn("longitude", "number", "Longitude of the row's finest place."),
)
PERIOD_COLUMN = OutputColumn("period", "date", "First day of the period.")
COUNT_COLUMNS = (
    OutputColumn("events", "integer", "Events."),
    OutputColumn("fatalities", "integer", "Sum of their fatalities."),
    OutputColumn("first_date", "date", "Earliest event date (null in a padded row)."),
    OutputColumn("last_date", "date", "Latest event date (null in a padded row)."),
)
ALL_COLUMNS = (
    *(column for columns in KEY_COLUMNS.values() for column in columns),
    *COORDINATE_COLUMNS,
    PERIOD_COLUMN,
    *COUNT_COLUMNS,
)


@dataclass(frozen=True)
class AggregateSpec:
    """What to group by (`keys`: KEYS order, implied ones added), per which period, padded or not."""

    by: tuple[str, ...] = ()  # as asked
    period: str | None = None
    fill: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        wanted = set(self.by)
        for key in self.by:
            wanted.update(IMPLIED.get(key, ()))
        return tuple(key for key in KEYS if key in wanted)

    @property
    def geographic(self) -> str | None:
        return next((key for key in GEOGRAPHIC if key in self.keys), None)

    @property
    def key_columns(self) -> tuple[OutputColumn, ...]:
        columns = [column for key in self.keys for column in KEY_COLUMNS[key]]
        if self.geographic:
            columns += COORDINATE_COLUMNS
        return tuple(columns)

    @property
    def columns(self) -> tuple[OutputColumn, ...]:
        period = (PERIOD_COLUMN,) if self.period else ()
        return (*self.key_columns, *period, *COUNT_COLUMNS)


@dataclass
class AggregateResult:
    """The rows of an aggregate and what produced them."""

    spec: AggregateSpec
    rows: list[dict]
    statuses: list[str] = field(default_factory=list)
    start: dt.date | None = None  # the padded range, when filled
    end: dt.date | None = None

    @property
    def columns(self) -> tuple[OutputColumn, ...]:
        return self.spec.columns


# ---------------------------------------------------------------------------------------------
# Parameters


def _values(params: Mapping, name: str) -> list[str]:
    raw = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    return [
        item.strip() for value in raw if value is not None for item in str(value).split(",") if item.strip()
    ]


def parse_spec(params: Mapping) -> AggregateSpec:
    """`by`, `period` and `fill` from request parameters; ParameterError (a 400) names a bad one."""
    errors: dict[str, str] = {}
    by = list(dict.fromkeys(_values(params, "by")))
    unknown = [value for value in by if value not in KEYS]
    if unknown:
        errors["by"] = f"Unknown value {', '.join(map(repr, unknown))}; allowed: {', '.join(KEYS)}."
    periods = _values(params, "period")
    period = periods[0] if periods else None
    if len(periods) > 1:
        errors["period"] = f"Give one period; allowed: {', '.join(PERIODS)}."
    elif period is not None and period not in PERIODS:
        errors["period"] = f"Unknown value {period!r}; allowed: {', '.join(PERIODS)}."
    fill = False
    raw_fill = params.get("fill")
    if raw_fill not in (None, ""):
        try:
            fill = bool(StrictBooleanField().clean(raw_fill))
        except forms.ValidationError:
            errors["fill"] = "Enter 1 (pad the periods with zeros) or 0."
        if fill and not period and "period" not in errors:
            errors["fill"] = f"fill pads periods: give a period as well ({', '.join(PERIODS)})."
    if errors:
        raise ParameterError(errors)
    return AggregateSpec(by=tuple(by), period=period, fill=fill)


# ---------------------------------------------------------------------------------------------
# Periods (Python): the padding, and the reference the SQL is tested against


def period_start(day: dt.date, period: str) -> dt.date:
    """The first day of the period holding `day`."""
    if period == "week":
        return day - dt.timedelta(days=(day.weekday() - calendar.SATURDAY) % 7)
    if period == "isoweek":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day


def next_period(start: dt.date, period: str) -> dt.date:
    if period in ("week", "isoweek"):
        return start + dt.timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if period == "year":
        return start.replace(year=start.year + 1)
    return start + dt.timedelta(days=1)


def period_starts(period: str, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The starts of the periods from the one holding `first` to the one holding `last`."""
    current, end = period_start(first, period), period_start(last, period)
    while current <= end:
        yield current
        try:
            current = next_period(current, period)
        except (OverflowError, ValueError):  # past 9999-12-31
            return


def _period_count(period: str, first: dt.date, last: dt.date) -> int:
    first, last = period_start(first, period), period_start(last, period)
    if period in ("week", "isoweek"):
        return (last - first).days // 7 + 1
    if period == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    if period == "year":
        return last.year - first.year + 1
    return (last - first).days + 1


# ---------------------------------------------------------------------------------------------
# The monthly rollup (events/rollups.py): which requests it answers

# The filters the rollups answer, and the column each filters on (the others, dates included,
# need the events: the date filters take an event's whole period, not its month).
ROLLUP_FILTERS = {
    "status": "status",
    "country": "country_code",
    "event_type": "event_type",
    "sub_event_type": "sub_event_type",
    "disorder_type": "disorder_type",
}
_TYPES = frozenset({"event_type", "sub_event_type", "disorder_type"})
_MONTHS = (None, "month", "year")
# (rollup, the keys and filters it holds, the periods it answers), fewest rows first: the first
# that answers a request serves it.
ROLLUPS = (
    (CountryMonthRollup, frozenset({"country", "status"}), _MONTHS),
    (TypeMonthRollup, _TYPES | {"status"}, _MONTHS),
    (Admin1Rollup, _TYPES | {"country", "admin1", "status"}, (None,)),
    (MonthlyRollup, _TYPES | {"country", "status"}, _MONTHS),
)
NOT_FILTERS = frozenset({*AGGREGATE_PARAMETERS, "format"})
# The rollups' columns for the events' columns the statement reads.
ROLLUP_COLUMNS = {
    "event_date": "month",
    "place__country_code": "country_code",
    "place__country_name": "country_name",
}


def rollup_for(spec: AggregateSpec, params: Mapping, *, using: str = "default") -> type | None:
    """The rollup that answers `spec` with these parameters (its keys and period, only the filters
    it holds, on a database that keeps it: PostgreSQL), the one with fewer rows first; or None."""
    sent = {name for name in params if name not in NOT_FILTERS and any(_values(params, name))}
    # PostgreSQL keeps them from their migration on (no query asks whether the triggers exist).
    if not sent <= ROLLUP_FILTERS.keys() or connections[using].vendor != "postgresql":
        return None
    for model, holds, periods in ROLLUPS:
        if set(spec.keys) <= holds and sent <= holds and spec.period in periods:
            return model
    return None


# The rollup columns a request's keys and period stand for (the others are named alike).
_GRAIN = {"country": "country_code", "admin1": "admin1_id"}


def rows_are_groups(model: type, spec: AggregateSpec, statuses: list[str]) -> bool:
    """Whether each row of rollup `model` of these statuses is one group of `spec`'s answer: one
    status counted, and the request's keys and period are the rollup's own. The statement then
    reads the rows as they are, in an index's order, instead of grouping them again (country ×
    month over everything: 25,000 groups). A country code under two names is two rows of one group
    (a place given the code outside its country); `aggregate_rows` merges them."""
    if len(statuses) != 1 or spec.period not in (None, "month"):
        return False
    rollup = next(rollup for rollup in rollups.ROLLUPS if rollup.table == model._meta.db_table)
    grain = set(rollup.key) - {"status", "country_name"}
    asked = {_GRAIN.get(key, key) for key in spec.keys} | ({"month"} if spec.period else set())
    return asked == grain


def rollup_queryset(model: type, cleaned: Mapping, statuses: list[str]) -> QuerySet:
    """The rows of rollup `model` of these statuses that the event filters in `cleaned` select."""
    # No status at all (an anonymous caller asking for drafts) selects nothing; `status__in=[]`
    # would not compile to SQL, and no row has an empty status.
    rows = model.objects.filter(status__in=statuses or [""])
    for name, column in ROLLUP_FILTERS.items():
        if name != "status" and cleaned.get(name):  # rollup_for chose a rollup that holds it
            rows = rows.filter(**{f"{column}__in": list(cleaned[name])})
    return rows


# ---------------------------------------------------------------------------------------------
# SQL


def _period_sql(period: str, column: str, vendor: str) -> str:
    """The first day of the period holding the date `column`."""
    if vendor == "postgresql":
        if period == "week":  # Saturday + 2 days is Monday: ISO weeks shifted by two days
            return f"(date_trunc('week', ({column} + 2)::timestamp)::date - 2)"
        if period == "isoweek":
            return f"date_trunc('week', {column}::timestamp)::date"
        if period in ("month", "year"):
            return f"date_trunc('{period}', {column}::timestamp)::date"
        return column
    # SQLite: strftime('%w') is 0 on Sunday … 6 on Saturday.
    if period in ("week", "isoweek"):
        shift = 1 if period == "week" else 6
        return (
            f"date({column}, '-' || ((CAST(strftime('%%w', {column}) AS INTEGER) + {shift}) %% 7) || ' days')"
        )
    if period == "month":
        return f"strftime('%%Y-%%m-01', {column})"
    if period == "year":
        return f"strftime('%%Y-01-01', {column})"
    return column


def _path_id_sql(depth: str, vendor: str) -> str:
    """The id at `depth` (an SQL integer, 0 for the root) in the place path f.agg_path."""
    if vendor == "postgresql":
        return f"split_part(f.agg_path, '/', {depth} + 2)::bigint"

    # SQLite has no split_part: peel one "<id>/" off the path per level, for the depths places have.
    def rest(level: int) -> str:
        text = "substr(f.agg_path, 2)"
        for _ in range(level):
            text = f"substr({text}, instr({text}, '/') + 1)"
        return text

    cases = " ".join(
        f"WHEN {level} THEN CAST(substr({rest(level)}, 1, instr({rest(level)}, '/') - 1) AS INTEGER)"
        for level in range(3)
    )
    return f"CASE {depth} {cases} END"


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def _admin_id_sql(level: str, vendor: str) -> str:
    """The id of the event's admin1 or admin2 ancestor (or own id), NULL when it has none: its
    depth is the number of levels above it that the place's labels show to exist."""
    above = [_flag("f.agg_country_name <> ''")]
    if level == "admin2":
        above.append(_flag("f.agg_admin1 <> ''"))
    depth = " + ".join(above)
    return f"CASE WHEN f.agg_{level} <> '' THEN {_path_id_sql(depth, vendor)} END"


@dataclass
class _Sql:
    """The pieces of the statement, filled in per key."""

    source: dict[str, str] = field(default_factory=dict)  # alias -> model path, the events' columns
    group: list[tuple[str, str]] = field(default_factory=list)  # (alias, SQL over f) grouped on
    aggregates: list[tuple[str, str]] = field(default_factory=list)  # (alias, aggregate over f)
    links: list[str] = field(default_factory=list)  # joins of link tables (actors, sources)
    outer: list[tuple[str, str]] = field(default_factory=list)  # (alias, SQL over g and lookups)
    lookups: list[str] = field(default_factory=list)  # joins adding names to the groups
    order: list[str] = field(default_factory=list)


# The first link of each (event, actor) and (event, source) pair: an actor in two roles, or a
# source cited twice, counts the event once.
_FIRST_LINK = (
    "NOT EXISTS (SELECT 1 FROM {table} o WHERE o.event_id = {alias}.event_id "
    "AND o.{column} = {alias}.{column} AND o.id < {alias}.id)"
)


def _build_sql(spec: AggregateSpec, vendor: str, *, rolled: bool = False, direct: bool = False) -> _Sql:
    """The statement's pieces over events, or over the monthly rollup when `rolled` (its `month`
    stands for the date, and each row adds its own events, fatalities and dates); `direct`: each
    rollup row is a group (`rows_are_groups`), so its values are read as they are."""
    sql = _Sql(source={"agg_date": "event_date", "agg_fatalities": "fatalities"})
    keys = spec.keys
    if any(key in keys for key in ("country", "admin1", "admin2", "place")):
        sql.source.update(agg_country_code="place__country_code", agg_country_name="place__country_name")
        sql.group.append(("country_code", "f.agg_country_code"))
        sql.aggregates.append(("country", "f.agg_country_name" if direct else "MIN(f.agg_country_name)"))
        sql.outer += [("country_code", "g.country_code"), ("country", "g.country")]
        sql.order += ["g.country", "g.country_code"]
    for level in ("admin1", "admin2"):
        if level in keys and rolled:  # the admin1 rollup's own column (0: in no admin1)
            sql.source["agg_admin1_id"] = "admin1_id"
            sql.group.append((f"{level}_id", "NULLIF(f.agg_admin1_id, 0)"))
        elif level in keys:
            sql.source.update(agg_path="place__path", agg_admin1="place__admin1")
            if level == "admin2":
                sql.source["agg_admin2"] = "place__admin2"
            sql.group.append((f"{level}_id", _admin_id_sql(level, vendor)))
        if level in keys:
            sql.lookups.append(f"LEFT JOIN places_place {level} ON {level}.id = g.{level}_id")
            sql.outer += [(f"{level}_id", f"g.{level}_id"), (level, f"COALESCE({level}.name, '')")]
            sql.order += [f"COALESCE({level}.name, '')", f"g.{level}_id"]
    if "place" in keys:
        sql.source["agg_place"] = "place_id"
        sql.group.append(("place_id", "f.agg_place"))
        sql.lookups.append("LEFT JOIN places_place place ON place.id = g.place_id")
        sql.outer += [("place_id", "g.place_id"), ("place", "place.name")]
        sql.order += ["place.name", "g.place_id"]
    for name in ("disorder_type", "event_type", "sub_event_type"):
        if name in keys:
            sql.source[f"agg_{name}"] = name
            sql.group.append((name, f"f.agg_{name}"))
            sql.outer.append((name, f"g.{name}"))
            sql.order.append(f"g.{name}")
    for key, table, column, names in (
        ("actor", "events_eventactor", "actor_id", "actors_actor"),
        ("source", "events_citation", "source_id", "events_source"),
    ):
        if key in keys:
            sql.source["agg_id"] = "pk"
            link = f"{key}_link"
            first = _FIRST_LINK.format(table=table, alias=link, column=column)
            sql.links.append(f"JOIN {table} {link} ON {link}.event_id = f.agg_id AND {first}")
            sql.group.append((f"{key}_id", f"{link}.{column}"))
            sql.lookups.append(f"LEFT JOIN {names} {key} ON {key}.id = g.{key}_id")
            sql.outer += [(f"{key}_id", f"g.{key}_id"), (key, f"{key}.name")]
            sql.order += [f"{key}.name", f"g.{key}_id"]
    geographic = spec.geographic
    if geographic == "country" and vendor == "postgresql":
        # The country's own place: the first of the places of that code. LATERAL: a nested loop,
        # memoized per country, keeps the rows' order, where a join to the grouped places was
        # hashed and the answer sorted afterwards (docs/benchmarks.md, "Aggregates").
        sql.lookups.append(
            "LEFT JOIN LATERAL (SELECT latitude, longitude FROM places_place WHERE kind = 'country' "
            "AND country_code = g.country_code ORDER BY id LIMIT 1) country_place ON true"
        )
        geographic = "country_place"
    elif geographic == "country":
        sql.lookups.append(
            "LEFT JOIN (SELECT country_code, MIN(id) AS id FROM places_place WHERE kind = 'country' "
            "GROUP BY country_code) country_id ON country_id.country_code = g.country_code "
            "LEFT JOIN places_place country_place ON country_place.id = country_id.id"
        )
        geographic = "country_place"
    if geographic:
        sql.outer += [("latitude", f"{geographic}.latitude"), ("longitude", f"{geographic}.longitude")]
    if spec.period:
        # A rollup's month is its period's first day already: grouping on the column itself
        # spares PostgreSQL a date_trunc per row (country × month: 25,000 of them).
        period = "f.agg_date" if rolled and spec.period == "month" else None
        sql.group.append(("period", period or _period_sql(spec.period, "f.agg_date", vendor)))
        sql.outer.append(("period", "g.period"))
        sql.order.append("g.period")
    if rolled:
        if not spec.period:
            del sql.source["agg_date"]  # the admin1 rollup has no month
        sql.source.update(agg_events="events", agg_first_date="first_date", agg_last_date="last_date")
    if direct:
        sql.aggregates += [
            (name, f"f.agg_{name}") for name in ("events", "fatalities", "first_date", "last_date")
        ]
    elif rolled:
        sql.aggregates += [
            ("events", "CAST(COALESCE(SUM(f.agg_events), 0) AS BIGINT)"),
            ("fatalities", "CAST(COALESCE(SUM(f.agg_fatalities), 0) AS BIGINT)"),
            ("first_date", "MIN(f.agg_first_date)"),
            ("last_date", "MAX(f.agg_last_date)"),
        ]
    else:
        sql.aggregates += [
            ("events", "COUNT(*)"),
            ("fatalities", "COALESCE(SUM(f.agg_fatalities), 0)"),
            ("first_date", "MIN(f.agg_date)"),
            ("last_date", "MAX(f.agg_date)"),
        ]
    sql.outer += [(name, f"g.{name}") for name in ("events", "fatalities", "first_date", "last_date")]
    return sql


def _statement(
    queryset: QuerySet, spec: AggregateSpec, limit: int | None, *, direct: bool = False
) -> tuple[str, list, list[str]]:
    """(SQL, parameters, column aliases) of the one statement answering `spec` over `queryset`
    (`direct`: a rollup whose rows are the groups, read without grouping them again)."""
    vendor = connections[queryset.db].vendor
    rolled = queryset.model in {model for model, _, _ in ROLLUPS}
    sql = _build_sql(spec, vendor, rolled=rolled, direct=direct)
    columns = ROLLUP_COLUMNS if rolled else {}
    values = {alias: F(columns.get(path, path)) for alias, path in sql.source.items()}
    source, params = queryset.order_by().values(**values).query.sql_with_params()
    group_select = [f"{expression} AS {alias}" for alias, expression in sql.group]
    grouped = (
        f"SELECT {', '.join(group_select + [f'{e} AS {a}' for a, e in sql.aggregates])} "
        f"FROM ({source}) f {' '.join(sql.links)}"
    )
    if sql.group and not direct:
        grouped += f" GROUP BY {', '.join(expression for _, expression in sql.group)}"
    statement = (
        f"SELECT {', '.join(f'{e} AS {a}' for a, e in sql.outer)} FROM ({grouped}) g {' '.join(sql.lookups)}"
    )
    if sql.order:
        statement += f" ORDER BY {', '.join(sql.order)}"
    if limit is not None:
        statement += f" LIMIT {int(limit)}"
    return statement, list(params), [alias for alias, _ in sql.outer]


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    return dt.date.fromisoformat(str(value)[:10])


def _merge_country_names(records: list[tuple], aliases: list[str]) -> list[tuple]:
    """Rows read directly from a rollup, one group per row except where a country code has two
    names: those rows are merged into the first, which holds the smaller name (the rows come
    sorted by name), as the grouped statement's MIN(name) does."""
    if "country" not in aliases:  # the type-month rollup: no names
        return records
    code, name, events = aliases.index("country_code"), aliases.index("country"), aliases.index("events")
    pairs = {(record[code], record[name]) for record in records}  # a few per country: cheap to test
    if len(pairs) == len({pair[0] for pair in pairs}):
        return records
    merged: dict[tuple, list] = {}
    for record in records:
        group = record[:name] + record[name + 1 : events]  # every key but the name
        row = merged.get(group)
        if row is None:
            merged[group] = list(record)
            continue
        row[events] += record[events]
        row[events + 1] += record[events + 1]  # fatalities
        row[events + 2] = min(row[events + 2], record[events + 2])  # first_date
        row[events + 3] = max(row[events + 3], record[events + 3])  # last_date
    return [tuple(row) for row in merged.values()]


def aggregate_rows(
    queryset: QuerySet, spec: AggregateSpec, *, max_rows: int | None = MAX_ROWS, direct: bool = False
) -> list[dict]:
    """The groups of `queryset`'s events as dicts (one statement; no padding), sorted by their keys'
    names and the period. More than `max_rows` groups raise ParameterError naming `by`. `direct`:
    `queryset` holds rollup rows that are the groups themselves (`rows_are_groups`)."""
    statement, params, aliases = _statement(
        queryset, spec, None if max_rows is None else max_rows + 1, direct=direct
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(statement, params)
        records = cursor.fetchall()
    if direct:
        if max_rows is not None and len(records) > max_rows:
            # Rows, not groups, reached the limit: let the groups decide (rare, and refused anyway
            # unless a country has two names).
            return aggregate_rows(queryset, spec, max_rows=max_rows)
        records = _merge_country_names(records, aliases)
    if max_rows is not None and len(records) > max_rows:
        raise ParameterError(
            {
                "by": f"More than {max_rows:,} rows; narrow the filters, group by fewer keys or "
                "choose a longer period."
            }
        )
    rows = [dict(zip(aliases, record, strict=True)) for record in records]
    # psycopg returns dates already; SQLite returns text. Skipping the conversion on PostgreSQL
    # saves a third of the Python time of a 25,000-row answer (country × month at 1M events).
    if connections[queryset.db].vendor != "postgresql":
        dates = [name for name in ("period", "first_date", "last_date") if name in aliases]
        for row in rows:
            for name in dates:
                row[name] = _as_date(row[name])
    if "place" in spec.keys:
        places = {row["place_id"] for row in rows}
        if len(places) > MAX_PLACES:
            raise ParameterError(
                {
                    "by": f"{len(places):,} places; a map takes at most {MAX_PLACES:,} a request: "
                    "narrow the filters (country, place, dates) or group by admin1 or admin2."
                }
            )
    return rows


# ---------------------------------------------------------------------------------------------
# Padding


def filter_bounds(cleaned: Mapping) -> tuple[dt.date | None, dt.date | None]:
    """The date range the filters ask for (date_after, date_before, year), either end open."""
    first, last = cleaned.get("date_after"), cleaned.get("date_before")
    year = cleaned.get("year")
    if year:
        first = max(filter(None, [first, dt.date(year, 1, 1)]))
        last = min(filter(None, [last, dt.date(year, 12, 31)]))
    return first, last


ZERO = {"events": 0, "fatalities": 0, "first_date": None, "last_date": None}


def pad(
    rows: list[dict],
    spec: AggregateSpec,
    *,
    first: dt.date | None,
    last: dt.date | None,
    max_rows: int = MAX_ROWS,
) -> tuple[list[dict], dt.date | None, dt.date | None]:
    """Every period from `first` to `last` (or the data's first and last, whichever is wider) for
    each key combination present, zeros where it had no events. Returns the rows and the range."""
    key_names = [column.name for column in spec.key_columns]
    data_first = min((row["first_date"] for row in rows), default=None)
    data_last = max((row["last_date"] for row in rows), default=None)
    first = min(filter(None, [first, data_first]), default=None)
    last = max(filter(None, [last, data_last]), default=None)
    if first is None or last is None or first > last:
        return rows, first, last
    combos: dict[tuple, dict] = {}
    found: dict[tuple, dict] = {}
    for row in rows:
        combo = tuple(row[name] for name in key_names)
        combos.setdefault(combo, {name: row[name] for name in key_names})
        found[(*combo, row["period"])] = row
    if not key_names:
        combos.setdefault((), {})  # the one combination there is, with events or not
    periods = _period_count(spec.period, first, last)
    if len(combos) * periods > max_rows:
        raise ParameterError(
            {
                "fill": f"Padding gives {len(combos) * periods:,} rows ({len(combos):,} key combinations × "
                f"{periods:,} periods), over the {max_rows:,} allowed; narrow the dates or choose a "
                "longer period."
            }
        )
    starts = list(period_starts(spec.period, first, last))
    padded = []
    for combo, keys in combos.items():
        for start in starts:
            row = found.get((*combo, start))
            if row is None:
                row = {
                    **keys,
                    "period": start,
                    "events": 0,
                    "fatalities": 0,
                    "first_date": None,
                    "last_date": None,
                }
            padded.append(row)
    return padded, period_start(first, spec.period), last


# ---------------------------------------------------------------------------------------------
# The request


def statuses_included(
    *, user, params: Mapping, published_by_default: bool, include_unpublished: bool = False
) -> list[str]:
    """The statuses a request covers: what the `status` filter asks (without it: only published
    ones when `published_by_default`, else all), within what `user` may see
    (Event.objects.visible_to decides; `include_unpublished`: everything, for commands)."""
    sees_everything = include_unpublished or not Event.objects.visible_to(user).query.where
    wanted = {value.lower() for value in _values(params, "status")}
    statuses = [value for value, label in Status.choices if value in wanted or label.lower() in wanted]
    if not statuses:
        statuses = [Status.PUBLISHED] if published_by_default else list(Status.values)
    if not sees_everything:
        statuses = [status for status in statuses if status == Status.PUBLISHED]
    return [str(status) for status in statuses]


def aggregate(
    *, user, params: Mapping | None, spec: AggregateSpec | None = None, include_unpublished: bool = False
) -> AggregateResult:
    """The aggregate a request asks for: `by`/`period`/`fill` (or `spec`) and the event filters of
    the list endpoint in `params`, over the events `user` may see: published ones unless the
    `status` filter asks for others (`include_unpublished`: every status unless `status` narrows
    it, for commands)."""

    params = as_query_dict(params)
    spec = spec or parse_spec(params)
    if include_unpublished:
        events = Event.objects.all()
    else:
        events = Event.objects.visible_to(user)
        if not params.get("status"):
            events = events.published()
    filterset = EventFilter(params, queryset=events)
    source = filterset.qs  # raises ParameterError naming a bad filter
    statuses = statuses_included(
        user=user,
        params=params,
        published_by_default=not include_unpublished,
        include_unpublished=include_unpublished,
    )
    rollup = rollup_for(spec, params, using=source.db)
    if rollup:
        source = rollup_queryset(rollup, filterset.form.cleaned_data, statuses)
    rows = aggregate_rows(source, spec, direct=bool(rollup) and rows_are_groups(rollup, spec, statuses))
    result = AggregateResult(spec=spec, rows=rows, statuses=statuses)
    if spec.fill:
        first, last = filter_bounds(filterset.form.cleaned_data)
        result.rows, result.start, result.end = pad(rows, spec, first=first, last=last)
    return result
