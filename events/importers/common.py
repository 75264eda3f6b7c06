"""What every event importer shares: reading the file, row errors, and the bulk loader.

A format module (acled.py, ucdp.py) turns each CSV record into an `EventRecord` or a list of
`RowError`s. `run_import` drives it: one ImportBatch per run, one transaction per run, records
processed in chunks by `EventLoader`, which resolves places, actors and sources through
in-memory caches (one query per chunk, never per row), compares every record with what is
stored and writes only new and changed events, in bulk, with their history rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import hashlib
import itertools
import math
import re
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from actors.models import Actor
from core.countries import country_by_name
from core.sql import any_of, ids_in
from core.vocab import (
    ActorRole,
    GeoPrecision,
    SourceScale,
    Status,
)
from events import rules
from events.duplicates import import_duplicates_report
from events.exports.columns import ACLED_COORDINATE_DECIMALS, unescape_formula
from events.importers.bulk import allocate_ids, copy_history, copy_rows, update_rows
from events.models import (
    CODED_FIELDS,
    Citation,
    Event,
    EventActor,
    EventIdCounter,
    ImportBatch,
    Source,
    Tombstone,
)
from events.rules import ACTOR1, CITATION, DERIVED_FIELDS, Action, event_derived, is_frozen, missing_parts
from places.models import Place, PlaceKind

csv.field_size_limit(16 * 1024 * 1024)  # ACLED notes can be long; the default 128 KiB is not enough

CHUNK_ROWS = 10_000  # records parsed, resolved and written together (memory stays flat)
IN_CHUNK = 2_000  # values per SQL IN (...) list
SAMPLE_ROWS = 10  # rows of each kind (new, changed, unchanged) a run keeps for its preview
ANALYZE_AFTER = 5_000  # events written by a run before the tables' statistics are refreshed

# Event fields an import sets, in the order records and stored rows are compared: the coded
# fields (the place by its id) and the file's own timestamp.
EVENT_FIELDS: tuple[str, ...] = (
    *("place_id" if name == "place" else name for name in CODED_FIELDS),
    "source_timestamp",
)
MAIN_ROLES = (ActorRole.ACTOR1, ActorRole.ACTOR2)
# The columns that give what a published event needs, in ACLED's files (a format declares its own).
PART_COLUMNS = {ACTOR1: "actor1", CITATION: "source"}
# Columns of the rows an import writes, in the order the loader builds its tuples.
EVENT_INSERT_COLUMNS: tuple[str, ...] = (
    *EVENT_FIELDS,
    *DERIVED_FIELDS,
    "event_id",
    "status",
    "source_hash",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "import_batch_id",
    "version",
)
ACTOR_COLUMNS = ("event_id", "actor_id", "role", "inter", "position")
PLACE_COLUMNS = (
    "id",
    "name",
    "kind",
    "parent_id",
    "country_code",
    "latitude",
    "longitude",
    "geo_precision",
    "path",
    "depth",
    "country_name",
    "admin1",
    "admin2",
    "admin3",
)
# Citation fields a format may fill (EventRecord.citation_fields) and their defaults.
CITATION_EXTRA: dict[str, Any] = {
    "url": "",
    "quote": "",
    "published_on": None,
    "field": "",
    "reported_fatalities": None,
}
CITATION_COLUMNS = ("event_id", "source_id", *CITATION_EXTRA, "import_batch_id")
_CITATION_DEFAULTS = tuple(CITATION_EXTRA.values())
# A citation as an import compares it: (source id, *CITATION_EXTRA values).
CitationKey = tuple

# Where a record's place sits: (ISO3, admin1, admin2, admin3, location); blanks are skipped levels.
PlaceKey = tuple[str, str, str, str, str]
_LEVEL_KINDS = (PlaceKind.ADMIN1, PlaceKind.ADMIN2, PlaceKind.ADMIN3, PlaceKind.LOCALITY)


_PLACE_COLUMNS = (
    "id",
    "kind",
    "country_code",
    "admin1",
    "admin2",
    "admin3",
    "name",
    "path",
    "depth",
    "geo_precision",
    "latitude",
    "longitude",
)


def _deepest(key: PlaceKey) -> int:
    """0 for a country, 1–3 for admin levels, 4 for a location: the last non-blank part."""
    return max((index for index, part in enumerate(key) if index and part), default=0)


def _same_point(stored: tuple | None, given: tuple) -> bool:
    """Whether a file's coordinates are a place's, as far as an ACLED export writes them (it
    rounds to ACLED_COORDINATE_DECIMALS)."""
    if not stored or None in stored or None in given:
        return False
    return all(
        round(a, ACLED_COORDINATE_DECIMALS) == round(b, ACLED_COORDINATE_DECIMALS)
        for a, b in zip(stored, given, strict=True)
    )


def _parent_key(key: PlaceKey) -> PlaceKey:
    """The key of the level above (a blank level in between is skipped)."""
    parts = list(key)
    parts[_deepest(key)] = ""
    return tuple(parts)  # type: ignore[return-value]


class HeaderError(Exception):
    """The file as a whole cannot be read (missing column, not CSV, not UTF-8); nothing imported."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one record: its line in the file, the column, the value and why."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        return f"row {self.row}, column {self.column} = {shown!r}: {self.reason}"


@dataclass(slots=True)
class EventRecord:
    """One event as read from a file, before names are resolved to rows."""

    line: int
    event_id: str
    event_date: dt.date
    event_type: str
    sub_event_type: str
    legacy_event_type: str
    country_code: str
    country_name: str
    place_key: PlaceKey
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    fatalities: int
    time_precision: int = 1
    end_date: dt.date | None = None
    civilian_targeting: bool = False
    notes: str = ""
    tags: str = ""
    source_scale: str = ""
    source_timestamp: int | None = None
    source_hash: int | None = None  # digest of the raw row (row_digest)
    # (role, actor name, inter code or None, position)
    actors: tuple[tuple[str, str, int | None, int], ...] = ()
    # (source name, source scale for a new source or "")
    sources: tuple[tuple[str, str], ...] = ()
    # Extra fields for the citations this record creates (quote, url, published_on, …).
    citation_fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportOutcome:
    """What a run did, for the command's summary and the tests."""

    batch: ImportBatch
    errors: list[RowError]
    elapsed: float
    new_actors: int = 0
    new_places: int = 0
    new_sources: int = 0
    left_alone: int = 0  # rows of retracted or deleted events, not applied
    # The first SAMPLE_ROWS rows of each kind ("new", "changed", "unchanged"): (file line, event id).
    samples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.batch.rows / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        b = self.batch
        verb = {"dry_run": "Dry run", "failed": "Failed", "committed": "Imported"}.get(b.state, b.state)
        text = (
            f"{verb}: {b.rows} rows from {b.file_name} — {b.created} created, {b.updated} updated, "
            f"{b.unchanged} unchanged, {b.skipped} skipped with errors; {self.new_actors} new actors, "
            f"{self.new_places} new places, {self.new_sources} new sources "
            f"({self.elapsed:.1f} s, {self.rows_per_second:,.0f} rows/s; batch #{b.pk})."
        )
        if self.left_alone:
            text += f" {self.left_alone} rows of retracted or deleted events were left alone."
        if b.duplicates:
            text += f" {len(b.duplicates)} rows may duplicate other events (listed in batch #{b.pk})."
        if b.state == ImportBatch.State.DRY_RUN:
            text += " Nothing was written."
        elif b.state == ImportBatch.State.FAILED:
            text += " Nothing was written (--strict and rows failed)."
        return text


# ---------------------------------------------------------------------------------------------
# Reading


def file_sha256_and_lines(path: Path) -> tuple[str, int]:
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


def read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The lower-cased header and an iterator of (line number where the record starts, fields).

    UTF-8 with or without BOM, LF or CRLF, quoted multi-line fields; a leading unnamed index
    column (pandas' `to_csv`) is dropped; blank lines are skipped.
    """
    handle = path.open("r", encoding="utf-8-sig", newline="")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise HeaderError("The file is empty: no header row.") from None
    except UnicodeDecodeError as exc:
        handle.close()
        raise HeaderError(f"The file is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    except csv.Error as exc:
        handle.close()
        raise HeaderError(f"The header row is not valid CSV: {exc}.") from None
    columns = [name.strip().lower() for name in header]
    drop_first = bool(columns) and (columns[0] == "" or columns[0].startswith("unnamed: 0"))
    if drop_first:
        columns = columns[1:]

    def records() -> Iterator[tuple[int, list[str]]]:
        start = reader.line_num + 1
        try:
            with handle:
                for row in reader:
                    if row:
                        yield start, row[1:] if drop_first else row
                    start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            reason = f"The file is not UTF-8 text after line {reader.line_num} ({exc.reason})."
            raise HeaderError(reason) from None
        except csv.Error as exc:
            raise HeaderError(f"Line {start}: not valid CSV ({exc}).") from None

    return columns, records()


# ---------------------------------------------------------------------------------------------
# Field parsers shared by the formats; each raises ValueError with the reason.

_DATE_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y", "%Y/%m/%d")


def parse_date(text: str, _cache: dict[str, dt.date] = {}) -> dt.date:  # noqa: B006 - a deliberate memo
    """YYYY-MM-DD, "02 July 2016", "02-July-2016" (older ACLED files), "02-Jul-16"."""
    try:
        return _cache[text]
    except KeyError:
        pass
    value = text.strip()
    parsed = None
    if len(value) == 10 and value[4] == "-":
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        for fmt in _DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(value, fmt).date()
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError("not a date (expected YYYY-MM-DD or “02 July 2016”)")
    if parsed.year < 1900:
        raise ValueError("a date before 1900")
    if len(_cache) < 100_000:
        _cache[text] = parsed
    return parsed


MAX_COUNT = 2**31 - 1  # counts are 32-bit integer columns


def parse_count(text: str, *, blank: int | None = 0) -> int | None:
    """A whole number ≥ 0 ("3", "3.0") that fits the database column; blank gives `blank`."""
    value = text.strip()
    if not value:
        return blank
    try:
        number = int(value)
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            raise ValueError("not a whole number") from None
        if not as_float.is_integer():
            raise ValueError("not a whole number") from None
        number = int(as_float)
    if number < 0:
        raise ValueError("cannot be negative")
    if number > MAX_COUNT:
        raise ValueError(f"too large (at most {MAX_COUNT:,})")
    return number


def parse_coordinate(text: str, *, limit: float) -> float:
    value = text.strip()
    if not value:
        raise ValueError("is required")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValueError(f"must be between -{limit:g} and {limit:g}")
    return number


def parse_code(text: str, *, allowed: Iterable[int], blank: int | None) -> int | None:
    value = text.strip()
    if not value:
        return blank
    try:
        number = int(float(value))
    except ValueError:
        raise ValueError("not a number") from None
    if number not in allowed:
        raise ValueError(f"must be one of {', '.join(map(str, allowed))}")
    return number


def clean_text(text: str) -> str:
    """Trim, unify line ends, and undo the export's formula escape (a leading ' before = + - @)."""
    value = text.strip()
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unescape_formula(value)


def split_names(text: str) -> list[str]:
    """ "A; B" → ["A", "B"], dropping blanks and repeats (order kept)."""
    names: list[str] = []
    for part in text.split(";"):
        name = clean_text(part)
        if name and name not in names:
            names.append(name)
    return names


def source_scales(names: list[str], scale: str) -> list[str]:
    """Each source's own scale, when the row's source_scale says it (one source, or "A-B" for two)."""
    valid = _SOURCE_SCALES
    if len(names) == 1:
        return [scale if scale in valid else ""]
    parts = scale.split("-")
    if len(parts) == len(names) and all(part in valid for part in parts):
        return parts
    return [""] * len(names)


_SOURCE_SCALES = frozenset(SourceScale.values)
_COUNTRY_SUFFIX = re.compile(r"\(([^()]+)\)\s*$")


def actor_country(name: str) -> str:
    """ACLED names many actors "Protesters (Syria)"; the bracket gives the actor's country."""
    match = _COUNTRY_SUFFIX.search(name)
    if match and (country := country_by_name(match.group(1))):
        return country.iso3
    return ""


def in_chunks(values: Iterable, size: int | None = None) -> Iterator[list]:
    """Values in lists small enough for one IN (...) (SQLite); PostgreSQL takes one array."""
    size = size or (CHUNK_ROWS * 5 if connection.vendor == "postgresql" else IN_CHUNK)
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---------------------------------------------------------------------------------------------
# The loader


class EventLoader:
    """Resolves records to places/actors/sources and writes new and changed events in bulk."""

    def __init__(
        self,
        *,
        batch: ImportBatch,
        user,
        batch_size: int,
        change_reason: str,
        id_column: str = "event_id",
        as_person: bool = False,
        part_columns: dict[str, str] | None = None,
    ) -> None:
        self.batch = batch
        self.id_column = id_column  # the file's event id column, for row errors
        # The file's columns for the parts a published event needs (rules.REQUIRED_PARTS).
        self.part_columns = part_columns or PART_COLUMNS
        self.user = user
        # A person's import (the admin's) follows the person's rules (events.rules.import_*): a
        # curator's new events are drafts and its rows that would change a published event are
        # refused. A command's run is a system write, as every command's is.
        self.as_person = as_person
        self.publishes = not as_person or rules.import_publishes(user)
        self.samples: dict[str, list[tuple[int, str]]] = {"new": [], "changed": [], "unchanged": []}
        self.batch_size = batch_size
        self.change_reason = change_reason
        self.now = timezone.now()
        self.places: dict[PlaceKey, tuple[int, str, int, int]] = {}  # key -> (id, path, depth, geo_precision)
        self.country_names: dict[str, str] = {}  # ISO3 -> name of its country place
        self.coordinates: dict[int, tuple[float | None, float | None]] = {}  # loaded places
        self.actors: dict[str, tuple[int, int]] = {}  # name -> (id, kind)
        self.sources: dict[str, int] = {}
        self.created = self.updated = self.unchanged = self.left_alone = 0
        self.new_actors = self.new_places = self.new_sources = 0
        self.max_serials: dict[str, int] = {}
        # History rows of the events just created, written by send_history (see there).
        self._history_due: list[tuple[type, str, list[int]]] = []
        self._pipeline = None  # psycopg pipeline still running them (PostgreSQL)
        self._text_deferred = False  # whether this run's GIN entries wait in pending lists

    def sample(self, kind: str, line: int, event_id: str) -> None:
        """Keep the first SAMPLE_ROWS rows of each kind for the admin's preview."""
        kept = self.samples[kind]
        if len(kept) < SAMPLE_ROWS:
            kept.append((line, event_id))

    # -- entry point ---------------------------------------------------------------------------

    def load(self, records: list[EventRecord], errors: list[RowError]) -> None:
        self.flush_history()
        records = self._resolve_actors(records, errors)
        self._resolve_sources(records)
        self._resolve_places(records)
        self._write_events(records, errors)

    # -- actors --------------------------------------------------------------------------------

    def _resolve_actors(self, records: list[EventRecord], errors: list[RowError]) -> list[EventRecord]:
        names = {name for record in records for _, name, _, _ in record.actors}
        missing = [name for name in names if name not in self.actors]
        for chunk in in_chunks(missing):
            for pk, name, kind in Actor.objects.filter(name__in=any_of(chunk)).values_list(
                "id", "name", "kind"
            ):
                self.actors[name] = (pk, kind)
        # A new actor takes the first inter code the file gives it (an associate, its side's).
        kinds: dict[str, int] = {}
        for record in records:
            side = {role: inter for role, _, inter, _ in record.actors if role in MAIN_ROLES}
            for role, name, inter, _ in record.actors:
                if name in self.actors or name in kinds:
                    continue
                side_inter = side.get(
                    ActorRole.ACTOR1 if role == ActorRole.ASSOC_ACTOR_1 else ActorRole.ACTOR2
                )
                kind = inter if role in MAIN_ROLES else side_inter
                if kind:
                    kinds[name] = kind
        kept = []
        for record in records:
            unknown = [
                (role, name)
                for role, name, _, _ in record.actors
                if name not in self.actors and name not in kinds
            ]
            if not unknown:
                kept.append(record)
                continue
            for role, name in unknown:
                column = "inter1" if role in (ActorRole.ACTOR1, ActorRole.ASSOC_ACTOR_1) else "inter2"
                errors.append(
                    RowError(
                        record.line,
                        column,
                        "",
                        f"the inter code is blank and {name!r} is a new actor; give its inter code (1–8)",
                    )
                )
        new = [Actor(name=name, kind=kind, country=actor_country(name)) for name, kind in kinds.items()]
        if new:
            Actor.objects.bulk_create(new, batch_size=self.batch_size)
            self._history(Actor, new)
            for actor in new:
                self.actors[actor.name] = (actor.pk, actor.kind)
            self.new_actors += len(new)
        return kept

    # -- sources -------------------------------------------------------------------------------

    def _resolve_sources(self, records: list[EventRecord]) -> None:
        scales: dict[str, str] = {}
        for record in records:
            for name, scale in record.sources:
                if name not in self.sources and not scales.get(name):
                    scales[name] = scale
        for chunk in in_chunks(list(scales)):
            self.sources.update(Source.objects.filter(name__in=any_of(chunk)).values_list("name", "id"))
        new = [Source(name=name, scale=scale) for name, scale in scales.items() if name not in self.sources]
        if new:
            Source.objects.bulk_create(new, batch_size=self.batch_size)
            self._history(Source, new)
            self.sources.update((source.name, source.pk) for source in new)
            self.new_sources += len(new)

    # -- places --------------------------------------------------------------------------------

    @staticmethod
    def _place_key(kind: str, code: str, admin1: str, admin2: str, admin3: str, name: str) -> PlaceKey:
        if kind == PlaceKind.COUNTRY:
            return (code, "", "", "", "")
        if kind in (PlaceKind.LOCALITY, PlaceKind.SITE):
            return (code, admin1, admin2, admin3, name)
        return (code, admin1, admin2, admin3, "")

    def _resolve_places(self, records: list[EventRecord]) -> None:
        wanted: dict[PlaceKey, EventRecord] = {}
        for record in records:
            if record.place_key not in self.places and record.place_key not in wanted:
                wanted[record.place_key] = record
        if not wanted:
            return
        # Every level above each wanted place, keyed the same way.
        needed: dict[PlaceKey, EventRecord] = {}
        for key, record in wanted.items():
            code, a1, a2, a3, loc = key
            levels = [(code, "", "", "", "")]
            if a1:
                levels.append((code, a1, "", "", ""))
            if a2:
                levels.append((code, a1, a2, "", ""))
            if a3:
                levels.append((code, a1, a2, a3, ""))
            if loc:
                levels.append(key)
            for level in levels:
                if level not in self.places:
                    needed.setdefault(level, record)
        for key, record in wanted.items():
            if key in needed:
                needed[key] = record  # a place is made from a record coded at it (its coordinates)
        self._load_places(needed)
        self._locate_areas(wanted)
        for key, record in wanted.items():
            # An event coded at an admin area or a country comes back from an export as a location
            # named like its area: the area itself when it sits at the same coordinates.
            parent = _parent_key(key)
            level = _deepest(parent)
            same_area = (
                key[4]
                and key not in self.places
                and parent in self.places
                and (parent[level] if level else self.country_names.get(parent[0])) == key[4]
                and _same_point(
                    self.coordinates.get(self.places[parent][0]), (record.latitude, record.longitude)
                )
            )
            if same_area:
                self.places[key] = self.places[parent]
                needed.pop(key, None)
        missing = [key for key in needed if key not in self.places]
        if missing:
            self._create_places(missing, needed)

    def _locate_areas(self, wanted: dict[PlaceKey, EventRecord]) -> None:
        """Give an existing admin unit or country without coordinates those of an event coded at it
        (UCDP codes such events at the area's centroid), so that maps and exports can place it."""
        located = []
        for key, record in wanted.items():
            if key[4] or key not in self.places or record.latitude is None or record.longitude is None:
                continue
            pk = self.places[key][0]
            if self.coordinates.get(pk) == (None, None):
                place = Place(pk=pk, latitude=record.latitude, longitude=record.longitude)
                located.append(place)
                self.coordinates[pk] = (record.latitude, record.longitude)
        if not located:
            return
        Place.objects.bulk_update(located, ["latitude", "longitude"], batch_size=self.batch_size)
        # History rows of the whole places, as they now are.
        self._copy_history(Place, "id", [place.pk for place in located], history_type="~")

    def _load_places(self, needed: dict[PlaceKey, EventRecord]) -> None:
        codes = sorted({key[0] for key in needed})
        names = {name for key in needed for name in key[1:] if name}
        rows = list(
            Place.objects.filter(kind=PlaceKind.COUNTRY, parent__isnull=True, country_code__in=codes)
            .order_by("id")
            .values_list(*_PLACE_COLUMNS)
        )
        for chunk in in_chunks(sorted(names)):
            rows += (
                Place.objects.filter(country_code__in=codes, name__in=any_of(chunk))
                .exclude(kind=PlaceKind.COUNTRY)
                .order_by("id")
                .values_list(*_PLACE_COLUMNS)
            )
        # A locality wins over a site of the same name and labels; then the oldest place.
        rows.sort(key=lambda row: (row[1] == PlaceKind.SITE, row[0]))
        for pk, kind, code, a1, a2, a3, name, path, depth, geo_precision, latitude, longitude in rows:
            key = self._place_key(kind, code, a1, a2, a3, name)
            if key not in self.places:
                self.places[key] = (pk, path, depth, geo_precision)
                self.coordinates[pk] = (latitude, longitude)
                if kind == PlaceKind.COUNTRY:
                    self.country_names[code] = name

    def _create_places(self, missing: list[PlaceKey], needed: dict[PlaceKey, EventRecord]) -> None:
        """Create missing places, parents first, in one COPY: their ids are taken up front so that
        each row carries its path ("/<country id>/…/<own id>/"), depth and labels, as save() sets."""
        missing = sorted(missing, key=_deepest)
        rows = []
        for pk, key in zip(allocate_ids(Place, len(missing)), missing, strict=True):
            record = needed[key]
            level = _deepest(key)
            code, a1, a2, a3, _ = key
            latitude = longitude = None
            geo_precision = GeoPrecision.EXACT
            if level == 0:
                name = record.country_name or code
                kind, parent_id, path, depth = PlaceKind.COUNTRY, None, f"/{pk}/", 0
                self.country_names[code] = name
            else:
                name, kind = key[level], _LEVEL_KINDS[level - 1]
                parent_id, parent_path, parent_depth, _ = self.places[_parent_key(key)]
                path, depth = f"{parent_path}{pk}/", parent_depth + 1
            if record.place_key == key:
                # The place an event is coded at (a locality, or an area at its centroid).
                latitude, longitude = record.latitude, record.longitude
                geo_precision = record.geo_precision or GeoPrecision.EXACT
            labels = (self.country_names.get(code, name), a1, a2, a3)
            rows.append(
                (pk, name, kind, parent_id, code, latitude, longitude, geo_precision, path, depth, *labels)
            )
            self.places[key] = (pk, path, depth, geo_precision)
            self.coordinates[pk] = (latitude, longitude)
        copy_rows(Place, PLACE_COLUMNS, rows)
        self._copy_history(Place, "id", [row[0] for row in rows])
        self.new_places += len(rows)

    # -- events --------------------------------------------------------------------------------

    def _desired(self, record: EventRecord) -> tuple[tuple, frozenset, frozenset, list[CitationKey]]:
        place_id, _, _, place_precision = self.places[record.place_key]
        values = (
            record.event_date,
            record.end_date,
            record.time_precision,
            record.event_type,
            record.sub_event_type,
            record.legacy_event_type,
            place_id,
            record.geo_precision or place_precision,
            record.fatalities,
            record.civilian_targeting,
            record.notes,
            record.tags,
            record.source_scale,
            record.source_timestamp,
        )
        main, assoc = set(), set()
        for role, name, inter, position in record.actors:
            actor_id, kind = self.actors[name]
            if role in MAIN_ROLES:
                main.add((role, position, actor_id, inter or kind))
            else:
                assoc.add((role, position, actor_id))
        tail = _citation_tail(record)
        cited = [(self.sources[name], *tail) for name, _ in record.sources]
        return values, frozenset(main), frozenset(assoc), cited

    def stored_digests(self, event_ids: list[str]) -> dict[str, int]:
        """event_id -> source_hash of stored events among these ids."""
        self.sync()
        found: dict[str, int] = {}
        for chunk in in_chunks(event_ids):
            found.update(
                Event.objects.filter(event_id__in=any_of(chunk), source_hash__isnull=False).values_list(
                    "event_id", "source_hash"
                )
            )
        return found

    def _stored(self, event_ids: list[str]) -> dict[str, dict[str, Any]]:
        stored: dict[str, dict[str, Any]] = {}
        for chunk in in_chunks(event_ids):
            for pk, event_id, status, batch_id, *values in Event.objects.filter(
                event_id__in=any_of(chunk)
            ).values_list("pk", "event_id", "status", "import_batch_id", *EVENT_FIELDS):
                stored[event_id] = {
                    "pk": pk,
                    "status": status,
                    "imported": batch_id is not None,
                    "values": tuple(values),
                    "main": set(),
                    "assoc": set(),
                    "cited": {},  # the citations imports made: CitationKey -> [pk, …]
                }
        by_pk = {entry["pk"]: entry for entry in stored.values()}
        for chunk in in_chunks(list(by_pk)):
            for event_pk, role, position, actor_id, inter in EventActor.objects.filter(
                event_id__in=any_of(chunk)
            ).values_list("event_id", "role", "position", "actor_id", "inter"):
                entry = by_pk[event_pk]
                if role in MAIN_ROLES:
                    entry["main"].add((role, position, actor_id, inter))
                else:
                    entry["assoc"].add((role, position, actor_id))
            # Only the citations imports made: a curator's own are neither compared nor replaced.
            for pk, event_pk, *key in Citation.objects.filter(
                event_id__in=any_of(chunk), import_batch__isnull=False
            ).values_list("pk", "event_id", "source_id", *CITATION_EXTRA):
                by_pk[event_pk]["cited"].setdefault(tuple(key), []).append(pk)
        return stored

    def _write_events(self, records: list[EventRecord], errors: list[RowError]) -> None:
        if not records:
            return
        event_ids = [record.event_id for record in records]
        stored = self._stored(event_ids)
        tombstoned: set[str] = set()
        unseen = [event_id for event_id in event_ids if event_id not in stored]
        for chunk in in_chunks(unseen):
            tombstoned.update(
                Tombstone.objects.filter(event_id__in=any_of(chunk)).values_list("event_id", flat=True)
            )
        new: list[tuple[EventRecord, tuple]] = []
        changed: list[tuple[EventRecord, tuple, dict]] = []
        for record in records:
            desired = self._desired(record)
            entry = stored.get(record.event_id)
            if entry is None:
                if record.event_id in tombstoned:
                    self.unchanged += 1
                    self.left_alone += 1
                    self.sample("unchanged", record.line, record.event_id)
                elif not (self.publishes and self._incomplete(record, desired, errors)):
                    new.append((record, desired))
                    self.sample("new", record.line, record.event_id)
                continue
            values, main, assoc, cited = desired
            stored_ts = entry["values"][-1]
            if is_frozen(entry["status"]):
                self.unchanged += 1
                self.left_alone += 1
                self.sample("unchanged", record.line, record.event_id)
            elif (
                values == entry["values"]
                and main == entry["main"]
                and assoc == entry["assoc"]
                and _same_citations(cited, entry["cited"])
            ) or (
                record.source_timestamp is not None
                and stored_ts is not None
                and record.source_timestamp < stored_ts
            ):
                # Same content, or an older copy of an event already updated upstream.
                self.unchanged += 1
                self.sample("unchanged", record.line, record.event_id)
            elif not entry["imported"]:
                # A file's id can collide with an event coded here (ids share one namespace: a
                # curated SYR12 and ACLED's SYR12 are different events); curated work is never
                # overwritten by a file.
                reason = (
                    "this id belongs to an event curated in Chronicle, not imported; an import "
                    "does not overwrite it (give the row another id, or edit the event instead)"
                )
                errors.append(RowError(record.line, self.id_column, record.event_id, reason))
            elif refused := self._refusal(record.event_id, entry["status"]):
                reason = f"{refused} This row was not imported."
                errors.append(RowError(record.line, self.id_column, record.event_id, reason))
            elif entry["status"] == Status.PUBLISHED and self._incomplete(record, desired, errors):
                pass  # a published event keeps what it has rather than lose actor 1 or its sources
            else:
                changed.append((record, desired, entry))
                self.sample("changed", record.line, record.event_id)
        if new:
            self._create_events(new)
        if changed:
            self._update_events(changed)

    def _refusal(self, event_id: str, status: str) -> str | None:
        """Why the importing person may not change this stored event (None for a command's run)."""
        if not self.as_person:
            return None
        return rules.import_change_refusal(self.user, event_id=event_id, status=status)

    def _incomplete(self, record: EventRecord, desired: tuple, errors: list[RowError]) -> bool:
        """Whether the row lacks what a published event needs (rules.missing_parts: actor 1, a
        citation), each missing part a row error naming its column; read from the row, no query."""
        _, main, _, cited = desired
        missing = missing_parts(Action.PUBLISH, actor_roles=[role for role, *_ in main], citations=len(cited))
        for part in missing:
            reason = f"is required: this import publishes the event, and a published event needs {part}"
            errors.append(RowError(record.line, self.part_columns[part], "", reason))
        return bool(missing)

    @staticmethod
    def _derived(values: tuple, main: frozenset) -> tuple:
        """The DERIVED_FIELDS of a record's values, by the event rules (no query)."""
        event_date, end_date, time_precision, event_type, sub_event_type = values[:5]
        inters = {role: inter for role, _, _, inter in main}
        return event_derived(
            event_type,
            sub_event_type,
            event_date,
            time_precision,
            end_date,
            inters.get(ActorRole.ACTOR1),
            inters.get(ActorRole.ACTOR2),
        )

    def _actor_rows(self, event_pk: int, record: EventRecord) -> list[tuple]:
        """(event_id, actor_id, role, inter, position) for each of the record's actors."""
        rows = []
        for role, name, inter, position in record.actors:
            actor_id, kind = self.actors[name]
            rows.append((event_pk, actor_id, role, (inter or kind) if role in MAIN_ROLES else kind, position))
        return rows

    def _citation_rows(self, event_pk: int, cited: Iterable[CitationKey]) -> list[tuple]:
        """(event_id, source_id, *CITATION_EXTRA, import_batch_id) for each citation."""
        return [(event_pk, *key, self.batch.pk) for key in cited]

    def _copy_history(self, model, column: str, pks: list[int], history_type: str = "+") -> None:
        for chunk in in_chunks(pks):
            where, params = ids_in(column, chunk)
            copy_history(
                model,
                where=where,
                params=params,
                history_type=history_type,
                user_id=self.user.pk if self.user else None,
                when=self.now,
                reason=self.change_reason,
            )

    def _add_actors_and_citations(self, actor_rows: list[tuple], citation_rows: list[tuple]) -> None:
        copy_rows(EventActor, ACTOR_COLUMNS, actor_rows)
        copy_rows(Citation, CITATION_COLUMNS, citation_rows)

    def _defer_text_indexes(self) -> None:
        """Before the run's first event write: see _defer_text_indexes (a run that writes no event
        sends no statement for it)."""
        if not self._text_deferred:
            _defer_text_indexes()
            self._text_deferred = True

    def merge_text_indexes(self) -> None:
        if self._text_deferred:
            _merge_text_indexes()

    def _create_events(self, new: list[tuple[EventRecord, tuple]]) -> None:
        self._defer_text_indexes()
        user_id = self.user.pk if self.user else None
        constant = (self.now, self.now, user_id, user_id, self.batch.pk, 1)
        # Primary keys taken up front: the event actors and citations need them, and reading them
        # back by event_id would cost a query over every new id.
        new_pks = allocate_ids(Event, len(new))
        rows = []
        for pk, (record, desired) in zip(new_pks, new, strict=True):
            values, main, _, cited = desired
            derived = self._derived(values, main)
            # ACLED and UCDP data are published data, unless the importing person may not publish
            # (self.publishes); a published row lacking actor 1 or a source was refused (_incomplete).
            status = Status.PUBLISHED if self.publishes else Status.DRAFT
            rows.append((pk, *values, *derived, record.event_id, status, record.source_hash, *constant))
        copy_rows(Event, ("id", *EVENT_INSERT_COLUMNS), rows)
        actor_rows, citation_rows = [], []
        for pk, (record, desired) in zip(new_pks, new, strict=True):
            actor_rows += self._actor_rows(pk, record)
            citation_rows += self._citation_rows(pk, desired[3])
            self._note_serial(record.event_id)
        self._add_actors_and_citations(actor_rows, citation_rows)
        self._history_due += [
            (Event, "id", new_pks),
            (EventActor, "event_id", new_pks),
            (Citation, "event_id", new_pks),
        ]
        self.created += len(rows)

    def _update_events(self, changed: list[tuple[EventRecord, tuple, dict]]) -> None:
        self._defer_text_indexes()
        user_id = self.user.pk if self.user else None
        rows, actor_rows, citation_rows = [], [], []
        stale_actor_events: list[int] = []
        stale_citations: list[int] = []
        for record, desired, entry in changed:
            pk = entry["pk"]
            values, main, assoc, cited = desired
            derived = self._derived(values, main)
            rows.append((pk, *values, *derived, user_id, self.batch.pk, record.source_hash, self.now))
            if main != entry["main"] or assoc != entry["assoc"]:
                stale_actor_events.append(pk)
                actor_rows += self._actor_rows(pk, record)
            # The imported citations the row no longer gives (a source dropped, its quote changed)
            # go, and the ones it now gives come; a curator's own citations are not in entry["cited"].
            stored_cited = entry["cited"]
            wanted = set(cited)
            for key, pks in stored_cited.items():
                stale_citations += pks if key not in wanted else pks[1:]
            citation_rows += self._citation_rows(pk, [key for key in cited if key not in stored_cited])
        columns = (
            *EVENT_FIELDS,
            *DERIVED_FIELDS,
            "updated_by_id",
            "import_batch_id",
            "source_hash",
            "updated_at",
        )
        update_rows(Event, columns, rows, increment=("version",))
        self._copy_history(Event, "id", [row[0] for row in rows], history_type="~")
        for chunk in in_chunks(stale_actor_events):
            EventActor.objects.filter(event_id__in=chunk).delete()
        for chunk in in_chunks(stale_citations):
            Citation.objects.filter(pk__in=chunk).delete()
        for model, names, added in (
            (EventActor, ACTOR_COLUMNS, actor_rows),
            (Citation, CITATION_COLUMNS, citation_rows),
        ):
            ids = allocate_ids(model, len(added))
            copy_rows(model, ("id", *names), [(pk, *row) for pk, row in zip(ids, added, strict=True)])
            self._copy_history(model, "id", ids)
        self.updated += len(rows)

    # -- history of created events ---------------------------------------------------------------

    def send_history(self) -> None:
        """Write the history rows of the events created so far (INSERT … SELECT, see copy_history).

        On PostgreSQL the statements go out in a pipeline and this returns at once: the server
        writes them (a third of its work in a run) while Python reads and parses the next chunk;
        the loader's next query (sync) waits for them and raises their error, if any.
        """
        due, self._history_due = self._history_due, []
        if not due:
            return
        if connection.vendor == "postgresql" and self._pipeline is None:
            connection.ensure_connection()
            self._pipeline = connection.connection.pipeline()
            self._pipeline.__enter__()
        for model, column, pks in due:
            self._copy_history(model, column, pks)

    def sync(self) -> None:
        """Wait for the history statements sent (any not sent yet stay due)."""
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(None, None, None)

    def flush_history(self) -> None:
        """Send the history rows still due, and wait for them."""
        self.send_history()
        self.sync()

    def abandon(self, exc: BaseException) -> None:
        """Leave a pipeline after `exc` (the run is failing: the transaction is rolled back)."""
        pipeline, self._pipeline = self._pipeline, None
        self._history_due = []
        if pipeline is not None:
            pipeline.__exit__(type(exc), exc, exc.__traceback__)

    # -- helpers -------------------------------------------------------------------------------

    def _history(self, model, objs: list, *, update: bool = False) -> None:
        model.history.bulk_history_create(
            objs,
            batch_size=self.batch_size,
            update=update,
            default_user=self.user,
            default_change_reason=self.change_reason,
            default_date=self.now,
        )

    _SERIAL = re.compile(r"^([A-Z]{3})(\d{1,18})$")

    def _note_serial(self, event_id: str) -> None:
        match = self._SERIAL.match(event_id)
        if match:
            prefix, serial = match.group(1), int(match.group(2))
            if serial > self.max_serials.get(prefix, 0):
                self.max_serials[prefix] = serial

    def advance_counters(self) -> None:
        """Keep EventIdCounter ahead of the imported ACLED serials (SYR12345 → SYR ≥ 12345)."""
        self.flush_history()
        if not self.max_serials:
            return
        counters = EventIdCounter.objects.in_bulk(list(self.max_serials))
        missing = [
            EventIdCounter(prefix=prefix, last=serial)
            for prefix, serial in self.max_serials.items()
            if prefix not in counters
        ]
        behind = []
        for prefix, counter in counters.items():
            if counter.last < self.max_serials[prefix]:
                counter.last = self.max_serials[prefix]
                behind.append(counter)
        EventIdCounter.objects.bulk_create(missing)
        EventIdCounter.objects.bulk_update(behind, ["last"])


# ---------------------------------------------------------------------------------------------
# The run


class RecordParser(Protocol):
    """Reads one format: made from the header, turns (line, fields) into a record or errors."""

    format: str  # ImportBatch.Format value
    id_column: str  # the column holding the event id, for duplicate-id errors
    part_columns: dict[str, str]  # rules.ACTOR1 / rules.CITATION -> the column that gives it

    def identify(self, fields: list[str]) -> tuple[str, int]:
        """The row's event id and digest, cheaply, before any parsing (see row_digest)."""
        ...

    def __call__(self, line: int, fields: list[str]) -> EventRecord | list[RowError]: ...


def _citation_tail(record: EventRecord) -> tuple:
    """The CITATION_EXTRA values of the citations a record makes (one per source)."""
    extra = record.citation_fields
    if not extra:
        return _CITATION_DEFAULTS
    return tuple(extra.get(name, default) for name, default in CITATION_EXTRA.items())


def _same_citations(cited: list[CitationKey], stored: dict[CitationKey, list[int]]) -> bool:
    """Whether the citations a record makes are those an import made before, one each."""
    return len(cited) == len(stored) and all(len(stored.get(key, ())) == 1 for key in cited)


def row_digest(layout: str, fields: list[str]) -> int:
    """A stable 64-bit digest of a raw row under a given column layout (signed, for a bigint)."""
    text = layout + "\x1e" + "\x1f".join(fields)
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _cyclic_gc_paused(function):
    """Run `function` with Python's cyclic garbage collector paused (restored as it was after).

    An import allocates millions of small tuples and keeps hundreds of thousands alive in its
    caches and chunks; the collector's repeated passes over them cost a 100,000-row import about
    3 s of its 8 s of Python. The importers make no reference cycles that need it: reference
    counting frees what they drop, and the collector runs again once the run is over.
    """

    @functools.wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


class _Rollback(Exception):
    """Raised inside the run's transaction to undo it (dry run, or --strict with errors)."""


@_cyclic_gc_paused
def run_import(
    *,
    path: Path | str,
    make_parser: Callable[[list[str]], RecordParser],
    default_format: str,
    user=None,
    dry_run: bool = False,
    strict: bool = False,
    batch_size: int = 1000,
    progress: bool | None = None,
    file_name: str | None = None,
    as_person: bool = False,
) -> ImportOutcome:
    """Import one file in one transaction and record the run as an ImportBatch.

    `make_parser(columns)` checks the header (raising HeaderError). A dry run, and a --strict
    run with row errors, roll the transaction back: only the ImportBatch remains. `as_person`
    (the admin's import) holds each row to the rules of `user` (EventLoader); a command's run
    is a system write.
    """
    clock = _Clock()
    path = Path(path)
    sha256, lines = file_sha256_and_lines(path)
    batch = ImportBatch(
        created_by=user, file_name=file_name or path.name, sha256=sha256, format=default_format, errors=[]
    )
    try:
        columns, records = read_csv(path)
        parse = make_parser(columns)
    except HeaderError as exc:
        _finish(batch, ImportBatch.State.FAILED, 0, 0, [RowError(1, "", "", str(exc))], None)
        raise
    batch.format = parse.format
    errors: list[RowError] = []
    loader: EventLoader | None = None
    rows = 0
    bar = tqdm(
        total=max(lines - 1, 0),
        unit=" rows",
        disable=None if progress is None else not progress,
        leave=False,
    )
    try:
        with bar, transaction.atomic():
            # The batch row commits with the events or not at all: a run killed mid-way leaves nothing.
            batch.save()
            loader = EventLoader(
                batch=batch,
                user=user,
                batch_size=batch_size,
                change_reason=import_change_reason(batch),
                id_column=parse.id_column,
                as_person=as_person,
                part_columns=getattr(parse, "part_columns", None),
            )
            _lock_imports()
            seen: dict[str, int] = {}
            try:
                # Each chunk is read and its stored digests looked up before the history rows of
                # the chunk before it are sent: the server writes them while this parses.
                raw = _read_chunk(records)
                identities = [parse.identify(fields) for _, fields in raw]
                stored = loader.stored_digests([event_id for event_id, _ in identities if event_id])
                while raw:
                    loader.send_history()
                    _load_chunk(raw, identities, stored, parse, loader, seen, errors)
                    rows += len(raw)
                    bar.update(len(raw))
                    raw = _read_chunk(records)
                    identities = [parse.identify(fields) for _, fields in raw]
                    stored = loader.stored_digests([event_id for event_id, _ in identities if event_id])
                loader.advance_counters()
                loader.merge_text_indexes()
                # Likely duplicates are reported per row, never refused (events/duplicates.py); on
                # tables the planner still thinks small its plan would scan them once per row.
                if loader.created + loader.updated >= ANALYZE_AFTER:
                    _analyze()
                batch.duplicates = import_duplicates_report(batch_id=batch.pk, lines=seen)
            except BaseException as exc:
                loader.abandon(exc)
                raise
            if dry_run or (strict and errors):
                raise _Rollback
            _finish(
                batch, ImportBatch.State.COMMITTED, rows, len({error.row for error in errors}), errors, loader
            )
    except _Rollback:
        pass
    except HeaderError as exc:
        _finish(batch, ImportBatch.State.FAILED, rows, 0, [*errors, RowError(0, "", "", str(exc))], None)
        raise
    except Exception as exc:
        _finish(batch, ImportBatch.State.FAILED, rows, 0, [*errors, RowError(0, "", "", repr(exc))], None)
        raise
    if dry_run:
        state = ImportBatch.State.DRY_RUN
    elif strict and errors:
        state = ImportBatch.State.FAILED
    else:
        state = ImportBatch.State.COMMITTED
    if state != ImportBatch.State.COMMITTED:
        # Rolled back: the batch row is written again, alone, to record the run.
        _finish(batch, state, rows, len({error.row for error in errors}), errors, loader)
    # No ANALYZE after the commit: the one before the likely-duplicate report counted this run's
    # rows (its own transaction's) and its statistics committed with them.
    return ImportOutcome(
        batch=batch,
        errors=errors,
        elapsed=clock.elapsed(),
        new_actors=loader.new_actors,
        new_places=loader.new_places,
        new_sources=loader.new_sources,
        left_alone=loader.left_alone,
        samples=loader.samples,
    )


def import_change_reason(batch: ImportBatch) -> str:
    """The history rows' change reason, "Imported from <file> (import batch <id>)"; a long file name
    is shortened so the reason fits its column (the batch id is always kept whole)."""
    room = Event.history.model._meta.get_field("history_change_reason").max_length
    suffix = f" (import batch {batch.pk})"
    name = batch.file_name
    room -= len("Imported from ") + len(suffix)
    if len(name) > room:
        name = name[: room - 1] + "…"
    return f"Imported from {name}{suffix}"


def _read_chunk(records: Iterator[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The next CHUNK_ROWS records (line, fields) of the file; empty at its end."""
    return list(itertools.islice(records, CHUNK_ROWS))


def _load_chunk(
    raw: list[tuple[int, list[str]]],
    identities: list[tuple[str, int]],
    stored: dict[str, int],
    parse: RecordParser,
    loader: EventLoader,
    seen: dict[str, int],
    errors: list[RowError],
) -> None:
    """Parse and load one chunk of raw rows; rows identical to the ones last imported (`stored`,
    event id -> digest) are skipped unparsed (their digest is stored on the event)."""
    records: list[EventRecord] = []
    for (line, fields), (event_id, digest) in zip(raw, identities, strict=True):
        if event_id:
            first = seen.setdefault(event_id, line)
            if first != line:
                reason = f"the same event id is already on row {first}"
                errors.append(RowError(line, parse.id_column, event_id, reason))
                continue
            if stored.get(event_id) == digest:
                loader.unchanged += 1
                loader.sample("unchanged", line, event_id)
                continue
        result = parse(line, fields)
        if isinstance(result, EventRecord):
            result.source_hash = digest
            records.append(result)
        else:
            errors.extend(result)
    loader.load(records, errors)


def _finish(batch, state, rows, skipped, errors, loader) -> None:
    batch.state = state
    batch.rows = rows
    batch.skipped = skipped
    if loader is not None:
        batch.created, batch.updated, batch.unchanged = loader.created, loader.updated, loader.unchanged
    batch.errors = [error.as_dict() for error in sorted(errors, key=lambda e: (e.row, e.column))]
    batch.finished_at = timezone.now()
    batch.save()


# The event columns queries filter, join and sort on; ANALYZE of the notes (and of the
# full-text index expression over them) would cost more than the rest put together.
_ANALYZED_EVENT_COLUMNS = (
    "id",
    "event_id",
    "event_date",
    "period_start",
    "period_end",
    "status",
    "place_id",
    "event_type",
    "sub_event_type",
    "disorder_type",
    "interaction",
    "fatalities",
    "civilian_targeting",
    "updated_at",
)


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load: on tables it saw nearly empty, its
    old estimates pick nested loops that make the next export or list page crawl."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    events = f"{quote(Event._meta.db_table)} ({', '.join(map(quote, _ANALYZED_EVENT_COLUMNS))})"
    others = [quote(model._meta.db_table) for model in (EventActor, Citation, Place, Actor, Source)]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {events}, {', '.join(others)}")


# The size this run's full-text and trigram (GIN) index entries may reach before PostgreSQL
# merges them into the indexes (gin_pending_list_limit; the server's default is 4 MB).
GIN_PENDING_LIMIT = "256MB"


def _defer_text_indexes() -> None:
    """Let this run's GIN index entries gather in their pending lists: merged in one pass at the end
    (_merge_text_indexes) rather than every 4 MB, as the server's default would have it. A GIN
    index merges a large sorted batch far faster than many small ones; at a million events this
    is a third of the time of writing the events (docs/benchmarks.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_LIMIT}'")


def _merge_text_indexes() -> None:
    """Merge the GIN pending lists before the run commits: a search reads a pending list entry by
    entry, so none is left behind for readers (or for autovacuum to find much later)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i
                   JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
                  WHERE i.indrelid = %s::regclass AND am.amname = 'gin'""",
                [Event._meta.db_table],
            )


def _lock_imports() -> None:
    """Two imports at once would race to create the same actors and places: run them in turn."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(b"chronicle-import")])


class _Clock:
    def __init__(self) -> None:
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start
