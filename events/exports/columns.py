"""The shapes exports write, declared once: Chronicle's columns and ACLED's.

`CHRONICLE_COLUMNS` is the flat CSV, the XLSX Events sheet, the GeoJSON properties and the data
package schema (types, descriptions and enum constraints from core.vocab). `acled_values`
renders a row in ACLED's current column order (events.acled.ACLED_COLUMNS).

Each column also says how PostgreSQL computes it (`Column.sql`, `ACLED_SQL`): on PostgreSQL the
CSV exports are written by the database itself (events/exports/copy.py), with the same values
as the Python rendering below, which SQLite uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from core.countries import COUNTRIES
from core.vocab import (
    DisorderType,
    EventType,
    GeoPrecision,
    InterCode,
    Status,
    SubEventType,
    TimePrecision,
)
from events.acled import ACLED_CIVILIAN_TARGETING, ACLED_COLUMNS
from events.exports.query import ExportRow

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ACLED_COORDINATE_DECIMALS = 4  # ACLED writes "36.2000"
ISO_UTC = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'  # to_char() pattern of "2024-05-01T12:00:00Z" (sessions are UTC)


def escape_formula(text: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text and text[0] in FORMULA_PREFIXES else text


def unescape_formula(text: str) -> str:
    """What escape_formula wrote, read back: the apostrophe before a formula prefix goes."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES else text


@dataclass(frozen=True)
class Column:
    """One exported column: name, Frictionless type, description, how to read it from a row."""

    name: str
    type: str  # Frictionless Table Schema type: string, integer, number, boolean, date, datetime
    description: str
    get: Callable[[ExportRow], Any]
    enum: tuple = ()
    required: bool = False
    minimum: int | None = None
    width: int = 14  # XLSX column width (characters)
    extra: dict = field(default_factory=dict)
    # The value in SQL over the export query's tables (events/exports/copy.py: e the event,
    # p its place, a1/a2 and ea1/ea2 its actors 1 and 2, aa1/aa2 the associates, src the sources);
    # each writer renders it by `type` (CSV: ISO text; XLSX: Excel serial numbers).
    sql: str = ""

    @property
    def is_text(self) -> bool:
        return self.type == "string"


def _column(
    name: str, type_: str, description: str, *, attribute: str | None = None, sql: str = "", **kwargs
) -> Column:
    return Column(name, type_, description, attrgetter(attribute or name), sql=sql or f"e.{name}", **kwargs)


CHRONICLE_COLUMNS: tuple[Column, ...] = (
    _column("event_id", "string", "Stable public id: ISO alpha-3 + serial (ACLED's event_id_cnty).",
            required=True, width=12),
    _column("event_date", "date", "The day the event happened (or the middle of its week/month).",
            required=True, width=11),
    _column("end_date", "date", "Last day, for events lasting several days.", width=11),
    _column("time_precision", "integer", "How precisely the date is known: 1 day, 2 week, 3 month.",
            enum=tuple(TimePrecision.values), width=8),
    _column("event_type", "string", "ACLED event type.", enum=tuple(EventType.values), required=True,
            width=24),
    _column("sub_event_type", "string", "ACLED sub-event type (blank only for legacy types).",
            enum=("", *SubEventType.values), width=28),
    _column("legacy_event_type", "string", "The pre-2019 ACLED event type, when no sub-type follows.",
            width=18),
    _column("disorder_type", "string", "Derived from the event and sub-event type as ACLED's codebook does.",
            enum=tuple(DisorderType.values), width=20),
    _column("actor1", "string", "Actor 1.", width=30, sql="a1.name"),
    _column("assoc_actor_1", "string", "Actors associated with actor 1, separated by '; '.", width=24,
            sql="aa1.names"),
    _column("inter1", "integer", "Actor 1's inter code in this event (1–8).", enum=tuple(InterCode.values),
            width=7, sql="ea1.inter"),
    _column("actor2", "string", "Actor 2.", width=30, sql="a2.name"),
    _column("assoc_actor_2", "string", "Actors associated with actor 2, separated by '; '.", width=24,
            sql="aa2.names"),
    _column("inter2", "integer", "Actor 2's inter code in this event (1–8).", enum=tuple(InterCode.values),
            width=7, sql="ea2.inter"),
    _column("interaction", "integer", "Both inter codes, lower first (a lone actor: inter×10).", width=10),
    _column("civilian_targeting", "boolean", "Civilians were the main or only target.", width=10),
    _column("country_code", "string", "ISO 3166-1 alpha-3 code of the country.", width=8,
            sql="p.country_code"),
    _column("country", "string", "Country.", width=16, sql="p.country_name"),
    _column("admin1", "string", "First-level administrative division.", width=16, sql="p.admin1"),
    _column("admin2", "string", "Second-level administrative division.", width=16, sql="p.admin2"),
    _column("admin3", "string", "Third-level administrative division.", width=16, sql="p.admin3"),
    _column("location", "string", "The event's place (its lowest level).", width=18, sql="p.name"),
    _column("latitude", "number", "WGS84 latitude of the place.", width=10, sql="p.latitude"),
    _column("longitude", "number", "WGS84 longitude of the place.", width=10, sql="p.longitude"),
    _column("geo_precision", "integer", "1 exact place, 2 near it / part of a region, 3 region centroid.",
            enum=tuple(GeoPrecision.values), width=8),
    _column("fatalities", "integer", "Reported fatalities, as coded.", required=True, minimum=0, width=10),
    _column("sources", "string", "The sources cited, separated by '; ' (one citation each).", width=30,
            sql="src.names"),
    _column("source_scale", "string", "ACLED source scale.", width=14),
    _column("notes", "string", "Description of the event.", width=60),
    _column("tags", "string", "ACLED tags.", width=14),
    _column("status", "string", "Workflow status.", enum=tuple(Status.values), width=10),
    _column("created_at", "datetime", "When the event was first recorded (UTC).", width=19),
    _column("updated_at", "datetime", "When the event last changed (UTC).", width=19),
)  # fmt: skip
CHRONICLE_COLUMN_NAMES = tuple(column.name for column in CHRONICLE_COLUMNS)

# The XLSX report's Events sheet: what an analyst reads, not every bookkeeping column (each
# column of 100,000 rows costs the constant-memory writer about a second).
XLSX_COLUMN_NAMES = (
    "event_id",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "disorder_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "sources",
    "source_scale",
    "notes",
    "status",
    "updated_at",
)
XLSX_COLUMNS = tuple(column for column in CHRONICLE_COLUMNS if column.name in XLSX_COLUMN_NAMES)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def chronicle_values(row: ExportRow, *, escape: bool) -> list:
    """A row of Chronicle's CSV: dates ISO, booleans true/false, text escaped when asked."""
    values = []
    for column in CHRONICLE_COLUMNS:
        value = column.get(row)
        if column.is_text and escape and value:
            value = escape_formula(value)
        values.append(_csv_value(value))
    return values


# ACLED's free-text columns: formula-escaped unless asked not to.
ACLED_ESCAPED_COLUMNS = frozenset(
    {
        "actor1",
        "assoc_actor_1",
        "actor2",
        "assoc_actor_2",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "source",
        "source_scale",
        "notes",
        "tags",
    }
)
# The text columns of either shape that an empty value leaves blank (not "" as COPY writes it).
ACLED_TEXT_COLUMNS = ACLED_ESCAPED_COLUMNS | {
    "event_id_cnty",
    "disorder_type",
    "event_type",
    "sub_event_type",
}

# ACLED_COLUMNS in SQL (events/exports/copy.py; c is the country's ISO numeric code and region),
# with the conventions of acled_values below.
ACLED_SQL: dict[str, str] = {
    "event_id_cnty": "e.event_id",
    "event_date": "e.event_date",
    "year": "extract(year FROM e.event_date)::int",
    "time_precision": "e.time_precision",
    "disorder_type": "e.disorder_type",
    "event_type": "e.event_type",
    "sub_event_type": "e.sub_event_type",
    "actor1": "a1.name",
    "assoc_actor_1": "aa1.names",
    "inter1": "coalesce(ea1.inter, 0)",
    "actor2": "a2.name",
    "assoc_actor_2": "aa2.names",
    "inter2": "coalesce(ea2.inter, 0)",
    "interaction": "coalesce(e.interaction, 0)",
    "civilian_targeting": f"CASE WHEN e.civilian_targeting THEN '{ACLED_CIVILIAN_TARGETING}' END",
    "iso": "c.iso",
    "region": "c.region",
    "country": "p.country_name",
    "admin1": "p.admin1",
    "admin2": "p.admin2",
    "admin3": "p.admin3",
    "location": "p.name",
    "latitude": f"round(p.latitude::numeric, {ACLED_COORDINATE_DECIMALS})",
    "longitude": f"round(p.longitude::numeric, {ACLED_COORDINATE_DECIMALS})",
    "geo_precision": "e.geo_precision",
    "source": "src.names",
    "source_scale": "e.source_scale",
    "notes": "e.notes",
    "fatalities": "e.fatalities",
    "tags": "e.tags",
    "timestamp": "floor(extract(epoch FROM e.updated_at))::bigint",
}
assert tuple(ACLED_SQL) == ACLED_COLUMNS

_ACLED_INDEX = {name: position for position, name in enumerate(ACLED_COLUMNS)}
_ACLED_TEXT_POSITIONS = tuple(_ACLED_INDEX[name] for name in ACLED_COLUMNS if name in ACLED_ESCAPED_COLUMNS)


def acled_values(row: ExportRow, *, escape: bool) -> list:
    """A row in ACLED's current column order and value conventions (inter codes as numbers, 0 for
    no actor; coordinates with four decimals; `timestamp` = updated_at in Unix seconds; region and
    iso from the country)."""
    country = COUNTRIES.get(row.country_code)
    values = [
        row.event_id,
        row.event_date.isoformat(),
        row.event_date.year,
        row.time_precision,
        row.disorder_type,
        row.event_type,
        row.sub_event_type,
        row.actor1,
        row.assoc_actor_1,
        row.inter1 or 0,
        row.actor2,
        row.assoc_actor_2,
        row.inter2 or 0,
        row.interaction if row.interaction is not None else 0,
        ACLED_CIVILIAN_TARGETING if row.civilian_targeting else "",
        country.numeric if country else "",
        country.region if country else "",
        row.country,
        row.admin1,
        row.admin2,
        row.admin3,
        row.location,
        "" if row.latitude is None else f"{row.latitude:.{ACLED_COORDINATE_DECIMALS}f}",
        "" if row.longitude is None else f"{row.longitude:.{ACLED_COORDINATE_DECIMALS}f}",
        row.geo_precision or "",
        row.sources,
        row.source_scale,
        row.notes,
        row.fatalities,
        row.tags,
        row.timestamp,
    ]
    if escape:
        for position in _ACLED_TEXT_POSITIONS:
            value = values[position]
            if value and value[0] in FORMULA_PREFIXES:
                values[position] = "'" + value
    return values


# The monadic CSV (ACLED's `export_type=monadic`, what acledR's `monadic = TRUE` asks for): ACLED's
# columns without the second actor's; each event is one row per side (actor 1 with its associates
# and inter code, then actor 2 with its own in the same columns), one row if it has one actor.
_SECOND_SIDE = ("actor2", "assoc_actor_2", "inter2")
MONADIC_COLUMNS = tuple(name for name in ACLED_COLUMNS if name not in _SECOND_SIDE)
_MONADIC_POSITIONS = tuple(_ACLED_INDEX[name] for name in MONADIC_COLUMNS)
_SIDE_SWAP = tuple(
    (MONADIC_COLUMNS.index(first), _ACLED_INDEX[second])
    for first, second in zip(("actor1", "assoc_actor_1", "inter1"), _SECOND_SIDE, strict=True)
)


def monadic_values(row: ExportRow, *, escape: bool) -> list[list]:
    """The monadic rows of an event: ACLED's values (acled_values), once per actor side."""
    values = acled_values(row, escape=escape)
    first = [values[position] for position in _MONADIC_POSITIONS]
    rows = [first] if row.actor1 or not row.actor2 else []
    if row.actor2:
        second = list(first)
        for target, source in _SIDE_SWAP:
            second[target] = values[source]
        rows.append(second)
    return rows
