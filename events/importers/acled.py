"""ACLED CSV, current (2019+) and legacy (pre-2019) vintages, read into EventRecords.

The header decides the vintage (events.acled.is_legacy_header). Each record is checked field
by field; every problem is reported with its line, column, value and reason. Derived columns
(year, disorder_type, interaction, region) are recomputed by Chronicle, not read.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from core.countries import Country, country_by_acled_numeric, country_by_code, country_by_name
from core.textcheck import NUL, name_problem
from core.vocab import (
    EVENT_TAXONOMY,
    ActorRole,
    EventType,
    GeoPrecision,
    SubEventType,
    TimePrecision,
    legacy_event_type_map,
    parse_inter,
)
from events.acled import (
    ACLED_CIVILIAN_TARGETING,
    ACLED_COLUMN_ALIASES,
    ACLED_REQUIRED_COLUMNS,
    is_legacy_header,
)
from events.importers.common import (
    PART_COLUMNS,
    EventRecord,
    HeaderError,
    ImportOutcome,
    RowError,
    clean_text,
    parse_code,
    parse_coordinate,
    parse_count,
    parse_date,
    row_digest,
    run_import,
    source_scales,
    split_names,
)
from events.models import ImportBatch

_EVENT_TYPES = {value.lower(): value for value in EventType.values}
_SUB_EVENT_TYPES = {value.lower(): value for value in SubEventType.values}
_TRUE = {"civilian targeting", "1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}
_TIME_PRECISIONS = tuple(TimePrecision.values)
_GEO_PRECISIONS = tuple(GeoPrecision.values)
MAX_NAME = 255  # actors and sources
MAX_PLACE_NAME = 200
MAX_TIMESTAMP = 2**63 - 1  # source_timestamp is a 64-bit column
# A file names the same few thousand actors and sources over and over: check each name once.
_name_problem = functools.lru_cache(maxsize=65_536)(name_problem)


_EVENT_ID = re.compile(r"\S{1,30}")
_MEMO_LIMIT = 200_000  # entries per memo before it is cleared (huge files stay bounded)

Problems = tuple[tuple[str, str], ...]  # (column, reason)
_MISSING = object()
_MEMOS = ("date", "time_precision", "geo_precision", "count", "inter", "type", "place", "coordinates")
_MEMOS += ("actors", "sources", "targeting")
# The columns a record reads, in the order AcledParser.__call__ unpacks their positions.
_INDEXED = (
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
    "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "civilian_targeting", "iso", "iso3",
    "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip


class AcledParser:
    """Turns one ACLED record into an EventRecord, or the list of what is wrong with it.

    Files repeat a few thousand actors, places, sources, dates and codes across many rows, so
    each part is parsed once and memoised; a row then costs a handful of dictionary lookups.
    """

    id_column = "event_id_cnty"
    part_columns = PART_COLUMNS  # actor1, source

    def __init__(self, columns: list[str]) -> None:
        names = [ACLED_COLUMN_ALIASES.get(name, name) for name in columns]
        missing = [name for name in ACLED_REQUIRED_COLUMNS if name not in names]
        if missing:
            raise HeaderError(
                f"Not an ACLED file: required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} missing from the header."
            )
        self.legacy = is_legacy_header(columns)
        self.format = ImportBatch.Format.ACLED_LEGACY if self.legacy else ImportBatch.Format.ACLED
        self.width = len(names)
        self._names = names
        # Absent optional columns read the blank padded onto the end of every row.
        self.col: dict[str, int] = {}
        for position, name in enumerate(names):
            self.col.setdefault(name, position)
        self._memos: dict[str, dict] = {name: {} for name in _MEMOS}
        self._indices = tuple(self.col.get(name, self.width) for name in _INDEXED)
        self._today = dt.date.today()
        self._layout = "\x1d".join(["acled", *names])

    def identify(self, fields: list[str]) -> tuple[str, int]:
        position = self._indices[0]
        event_id = fields[position].strip() if position < len(fields) else ""
        if NUL in event_id:
            event_id = ""  # not looked up (PostgreSQL refuses NUL); __call__ reports the row
        return event_id, row_digest(self._layout, fields)

    def _memo(self, name: str, key, compute):
        memo = self._memos.setdefault(name, {})
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        value = memo[key] = compute(*key) if isinstance(key, tuple) else compute(key)
        return value

    def __call__(self, line: int, fields: list[str]) -> EventRecord | list[RowError]:
        width = self.width
        if len(fields) != width:
            if len(fields) < width or any(fields[width:]):
                reason = f"the row has {len(fields)} fields where the header has {width}"
                return [RowError(line, "", "", reason)]
            del fields[width:]
        if NUL in "".join(fields):
            # PostgreSQL text cannot hold NUL; a NUL byte mostly means a binary or corrupt file.
            return [
                RowError(line, self._names[i], value.replace(NUL, "\u2400"), "contains a NUL character")
                for i, value in enumerate(fields)
                if NUL in value
            ]
        fields.append("")
        (
            i_id, i_date, i_tp, i_type, i_sub, i_actor1, i_assoc1, i_inter1, i_actor2, i_assoc2, i_inter2,
            i_targeting, i_iso, i_iso3, i_country, i_admin1, i_admin2, i_admin3, i_location, i_lat, i_lon,
            i_gp, i_source, i_scale, i_notes, i_fatalities, i_tags, i_timestamp,
        ) = self._indices  # fmt: skip
        memos = self._memos
        problems: list[tuple[str, str]] = []

        event_id = fields[i_id].strip()
        if not _EVENT_ID.fullmatch(event_id):
            problems.append(("event_id_cnty", "is required: at most 30 characters without spaces"))
        key = fields[i_date]
        event_date = memos["date"].get(key) or self._memo("date", key, self._date)
        if event_date.__class__ is str:
            problems.append(("event_date", event_date))
        key = fields[i_tp]
        time_precision = memos["time_precision"].get(key) or self._memo(
            "time_precision", key, self._time_precision
        )
        if time_precision.__class__ is str:
            problems.append(("time_precision", time_precision))
        key = fields[i_gp]
        geo_precision = memos["geo_precision"].get(key, _MISSING)
        if geo_precision is _MISSING:
            geo_precision = self._memo("geo_precision", key, self._geo_precision)
        if geo_precision.__class__ is str:
            problems.append(("geo_precision", geo_precision))
        key = fields[i_fatalities]
        fatalities = memos["count"].get(key, _MISSING)
        if fatalities is _MISSING:
            fatalities = self._memo("count", key, _count)
        if fatalities.__class__ is str:
            problems.append(("fatalities", fatalities))
        inters = memos["inter"]
        key = fields[i_inter1]
        inter1 = inters.get(key, _MISSING)
        if inter1 is _MISSING:
            inter1 = self._memo("inter", key, _inter)
        if inter1.__class__ is str:
            problems.append(("inter1", inter1))
            inter1 = None
        key = fields[i_inter2]
        inter2 = inters.get(key, _MISSING)
        if inter2 is _MISSING:
            inter2 = self._memo("inter", key, _inter)
        if inter2.__class__ is str:
            problems.append(("inter2", inter2))
            inter2 = None
        key = (fields[i_type], fields[i_sub], inter1)
        kind = memos["type"].get(key) or self._memo("type", key, self._event_type)
        key = (
            fields[i_iso3],
            fields[i_iso],
            fields[i_country],
            fields[i_admin1],
            fields[i_admin2],
            fields[i_admin3],
            fields[i_location],
        )
        place = memos["place"].get(key) or self._memo("place", key, self._place)
        key = (fields[i_lat], fields[i_lon])
        coordinates = memos["coordinates"].get(key) or self._memo("coordinates", key, _coordinates)
        key = (fields[i_actor1], fields[i_assoc1], inter1, fields[i_actor2], fields[i_assoc2], inter2)
        actors = memos["actors"].get(key) or self._memo("actors", key, _actors)
        key = (fields[i_source], fields[i_scale])
        sources = memos["sources"].get(key) or self._memo("sources", key, _sources)
        for part in (kind, place, coordinates, actors, sources):
            if part[1]:
                problems.extend(part[1])
        tags = fields[i_tags]
        if tags:
            tags = clean_text(tags)
            if len(tags) > 500:
                problems.append(("tags", "longer than 500 characters"))
        key = fields[i_targeting]
        civilian_targeting = memos["targeting"].get(key)
        if civilian_targeting is None:
            civilian_targeting = self._memo("targeting", key, _targeting)
        if civilian_targeting.__class__ is str:
            problems.append(("civilian_targeting", civilian_targeting))
        timestamp = fields[i_timestamp]
        if timestamp:
            try:
                timestamp = int(timestamp)
            except ValueError:
                timestamp = _count(timestamp)
            if timestamp.__class__ is str or not 0 <= timestamp <= MAX_TIMESTAMP:
                problems.append(("timestamp", "not a whole number ≥ 0 (expected Unix seconds)"))
        else:
            timestamp = None
        if problems:
            col = self.col
            return [RowError(line, column, fields[col.get(column, width)], why) for column, why in problems]
        (event_type, sub_event_type, legacy_event_type), _ = kind
        (country_code, country_name, place_key), _ = place
        (latitude, longitude), _ = coordinates
        (source_scale, source_list), _ = sources
        notes = fields[i_notes]
        return EventRecord(
            line=line,
            event_id=event_id,
            event_date=event_date,
            time_precision=time_precision,
            event_type=event_type,
            sub_event_type=sub_event_type,
            legacy_event_type=legacy_event_type,
            country_code=country_code,
            country_name=country_name,
            place_key=place_key,
            latitude=latitude,
            longitude=longitude,
            geo_precision=geo_precision,
            fatalities=fatalities,
            civilian_targeting=civilian_targeting,
            notes=clean_text(notes) if notes else "",
            tags=tags,
            source_scale=source_scale,
            source_timestamp=timestamp,
            actors=actors[0],
            sources=source_list,
        )

    # -- the parts, each computed once per distinct value --------------------------------------

    def _date(self, text: str) -> dt.date | str:
        if not text.strip():
            return "is required"
        try:
            value = parse_date(text)
        except ValueError as exc:
            return str(exc)
        if value > self._today + dt.timedelta(days=1):
            return "is in the future"
        return value

    @staticmethod
    def _time_precision(text: str) -> int | str:
        try:
            return parse_code(text, allowed=_TIME_PRECISIONS, blank=TimePrecision.DAY)
        except ValueError as exc:
            return str(exc)

    @staticmethod
    def _geo_precision(text: str) -> int | None | str:
        try:
            return parse_code(text, allowed=_GEO_PRECISIONS, blank=None)
        except ValueError as exc:
            return str(exc)

    def _event_type(self, event_type: str, sub_event_type: str, inter1: int | None):
        """((event_type, sub_event_type, legacy_event_type), problems)."""
        given, sub = clean_text(event_type), clean_text(sub_event_type)
        if not given:
            return ("", "", ""), (("event_type", "is required"),)
        current = _EVENT_TYPES.get(given.lower())
        if self.legacy or current is None:
            try:
                mapped, mapped_sub = legacy_event_type_map(given, inter1)
            except ValueError:
                if current is None:
                    return ("", "", ""), (("event_type", "not an ACLED event type (current or pre-2019)"),)
            else:
                return (mapped, mapped_sub, "" if mapped_sub else given), ()
        if not sub:
            # No sub-type: kept as coded, the type given standing in as the legacy type.
            return (current, "", given), ()
        sub_value = _SUB_EVENT_TYPES.get(sub.lower())
        if sub_value is None or sub_value not in EVENT_TAXONOMY[current]:
            return ("", "", ""), (("sub_event_type", f"not a sub-event type of “{current}”"),)
        return (current, sub_value, ""), ()

    @staticmethod
    def _place(iso3: str, iso: str, name: str, admin1: str, admin2: str, admin3: str, location: str):
        """((ISO3, country name, place key), problems): the country by iso3, iso number or name."""
        found, problem = _country(iso3, iso, name)
        problems = [problem] if problem else []
        levels = []
        for column, text in (
            ("admin1", admin1),
            ("admin2", admin2),
            ("admin3", admin3),
            ("location", location),
        ):
            value = clean_text(text)
            if len(value) > MAX_PLACE_NAME:
                problems.append((column, f"longer than {MAX_PLACE_NAME} characters"))
            levels.append(value)
        if problems:
            return ("", "", ("", "", "", "", "")), tuple(problems)
        return (found.iso3, clean_text(name) or found.name, (found.iso3, *levels)), ()


def _country(iso3: str, iso: str, name: str) -> tuple[Country | None, tuple[str, str] | None]:
    """The country a row names: by `iso3` (ISO alpha-3 or a known older code), else by the numeric
    `iso`, else by the `country` name; or the (column, reason) saying what each one failed."""
    iso3, iso, name = iso3.strip(), iso.strip(), clean_text(name)
    failed = []
    if iso3:
        if found := country_by_code(iso3):
            return found, None
        failed.append(f"iso3 {iso3!r} is neither an ISO 3166-1 alpha-3 code nor a known older code")
    if iso:
        if found := country_by_acled_numeric(iso):
            return found, None
        failed.append(f"iso {iso!r} is not an ISO 3166-1 numeric code")
    if name:
        if found := country_by_name(name):
            return found, None
        failed.append("the name is not a country name Chronicle knows (ACLED's, ISO's or a common one)")
    if not failed:
        return None, ("country", "is required (or its iso3 or iso code)")
    column = "country" if name else "iso" if iso else "iso3"
    return None, (column, "unknown country: " + "; ".join(failed))


def _count(text: str) -> int | str:
    try:
        return parse_count(text)
    except ValueError as exc:
        return str(exc)


def _inter(text: str) -> int | None | str:
    try:
        return parse_inter(text)
    except ValueError as exc:
        return str(exc)


def _targeting(text: str) -> bool | str:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return f"expected “{ACLED_CIVILIAN_TARGETING}” or blank"


def _coordinates(latitude: str, longitude: str):
    values, problems = [], []
    for column, text, limit in (("latitude", latitude, 90.0), ("longitude", longitude, 180.0)):
        try:
            values.append(parse_coordinate(text, limit=limit))
        except ValueError as exc:
            problems.append((column, str(exc)))
            values.append(None)
    return tuple(values), tuple(problems)


def _actors(actor1: str, assoc1: str, inter1: int | None, actor2: str, assoc2: str, inter2: int | None):
    """(((role, name, inter, position), …), problems)."""
    actors, problems = [], []
    for role, assoc_role, name_text, name_column, assoc_text, assoc_column, inter in (
        (ActorRole.ACTOR1, ActorRole.ASSOC_ACTOR_1, actor1, "actor1", assoc1, "assoc_actor_1", inter1),
        (ActorRole.ACTOR2, ActorRole.ASSOC_ACTOR_2, actor2, "actor2", assoc2, "assoc_actor_2", inter2),
    ):
        name = clean_text(name_text)
        if len(name) > MAX_NAME:
            problems.append((name_column, f"longer than {MAX_NAME} characters"))
        elif problem := _name_problem(name):
            problems.append((name_column, problem))
        elif name:
            actors.append((role, name, inter, 0))
        for position, assoc in enumerate(split_names(assoc_text)):
            if len(assoc) > MAX_NAME:
                problems.append((assoc_column, f"{assoc[:40]!r}… is longer than {MAX_NAME} characters"))
            elif problem := _name_problem(assoc):
                problems.append((assoc_column, f"{assoc!r}: {problem}"))
            else:
                actors.append((assoc_role, assoc, None, position))
    return tuple(actors), tuple(problems)


def _sources(source: str, scale: str):
    """((source_scale, ((name, scale of a new source), …)), problems)."""
    names = split_names(source)
    scale = clean_text(scale)
    problems = []
    for name in names:
        if len(name) > MAX_NAME:
            problems.append(("source", f"{name[:40]!r}… is longer than {MAX_NAME} characters"))
        elif problem := _name_problem(name):
            problems.append(("source", f"{name!r}: {problem}"))
    if len(scale) > 60:
        problems.append(("source_scale", "longer than 60 characters"))
    return (scale, tuple(zip(names, source_scales(names, scale), strict=True))), tuple(problems)


def import_acled_file(
    path: Path | str,
    *,
    user=None,
    dry_run: bool = False,
    strict: bool = False,
    batch_size: int = 1000,
    progress: bool | None = None,
    file_name: str | None = None,
    as_person: bool = False,
) -> ImportOutcome:
    """Import an ACLED CSV (either vintage); see events.importers.common.run_import."""
    return run_import(
        path=path,
        make_parser=AcledParser,
        default_format=ImportBatch.Format.ACLED,
        user=user,
        dry_run=dry_run,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
        file_name=file_name,
        as_person=as_person,
    )
