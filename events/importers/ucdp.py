"""UCDP Georeferenced Event Dataset (GED) CSV, mapped to Chronicle's ACLED-style model.

The mapping (documented in docs/import-export.md):

- event_id = "UCDP" + GED `id` (its own namespace: never collides with ACLED serials);
- date_start → event_date, date_end → end_date (when later); date_prec 1 → day,
  2–3 → week, 4–5 → month;
- type_of_violence 1 (state-based) and 2 (non-state) → Battles / Armed clash;
  3 (one-sided) → Violence against civilians / Attack, actor2 "Civilians (<country>)",
  civilian targeting;
- side_a → actor1, side_b → actor2; inter codes: "Government of …" → 1 State forces,
  one-sided victims → 7 Civilians, otherwise 2 Rebel group (state-based and one-sided) or
  3 Political militia (non-state);
- where_prec 1–2 (a known point): country > adm_1 > adm_2 > where_coordinates is the place, geo
  precision 1 or 2; where_prec 3–7 (an area: ADM2, ADM1, a part of the country, the country,
  international waters or airspace) attach to the admin unit or country itself (UCDP_AREA_LEVELS),
  geo precision 3, never to a locality named after the area;
- best → fatalities; low, high and the deaths by side go into the notes;
- source_office ("Reuters;AFP") → one source and citation each (none: "UCDP GED"), the
  citation quoting source_article.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from core.countries import country_by_name
from core.textcheck import NUL
from core.vocab import ActorRole, EventType, InterCode, SubEventType, TimePrecision
from events.importers.common import (
    EventRecord,
    HeaderError,
    ImportOutcome,
    RowError,
    clean_text,
    parse_coordinate,
    parse_count,
    parse_date,
    row_digest,
    run_import,
    split_names,
)
from events.models import ImportBatch
from events.rules import ACTOR1, CITATION

UCDP_REQUIRED_COLUMNS = (
    "id",
    "date_start",
    "type_of_violence",
    "side_a",
    "side_b",
    "country",
    "latitude",
    "longitude",
    "best",
)
UCDP_SOURCE = "UCDP GED"  # the source cited when a GED row names no source office

# type_of_violence -> (event_type, sub_event_type)
UCDP_VIOLENCE_TYPES = {
    1: (EventType.BATTLES, SubEventType.ARMED_CLASH),
    2: (EventType.BATTLES, SubEventType.ARMED_CLASH),
    3: (EventType.VIOLENCE_AGAINST_CIVILIANS, SubEventType.ATTACK),
}
UCDP_TIME_PRECISION = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3}  # date_prec -> time_precision
UCDP_GEO_PRECISION = {1: 1, 2: 2, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3}  # where_prec -> geo_precision
# where_prec of an event coded at an area's centroid -> the deepest admin level it may sit at (2 adm_2,
# 1 adm_1, 0 the country): 3 only the ADM2 is known, 4 only the ADM1, 5 a part of the country larger
# than an ADM2 (within adm_1 when UCDP gives one), 6 only the country, 7 international waters or
# airspace (filed under the country the row names). A blank level falls back to the one above.
UCDP_AREA_LEVELS = {3: 2, 4: 1, 5: 1, 6: 0, 7: 0}
_BRACKETS = re.compile(r"\s*\(([^()]*)\)\s*$")


def _country(name: str):
    """UCDP writes historical names in brackets: "Yemen (North Yemen)", "DR Congo (Zaire)"."""
    found = country_by_name(name)
    if found is None and (match := _BRACKETS.search(name)):
        found = country_by_name(name[: match.start()]) or country_by_name(match.group(1))
    return found


def _inter(name: str, *, side: str, violence: int) -> int:
    if name.lower().startswith("government of"):
        return InterCode.STATE_FORCES
    if side == "b" and violence == 3:
        return InterCode.CIVILIANS
    return InterCode.POLITICAL_MILITIA if violence == 2 else InterCode.REBEL_GROUP


class UcdpParser:
    """Turns one GED record into an EventRecord, or the list of what is wrong with it."""

    id_column = "id"
    part_columns = {ACTOR1: "side_a", CITATION: "source_office"}
    format = ImportBatch.Format.UCDP

    def __init__(self, columns: list[str]) -> None:
        missing = [name for name in UCDP_REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise HeaderError(
                f"Not a UCDP GED file: required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} missing from the header."
            )
        self.width = len(columns)
        self.col = {}
        for position, name in enumerate(columns):
            self.col.setdefault(name, position)
        self._layout = "\x1d".join(["ucdp", *columns])
        self._today = dt.date.today()

    def identify(self, fields: list[str]) -> tuple[str, int]:
        position = self.col["id"]
        raw = fields[position].strip() if position < len(fields) else ""
        if NUL in raw:
            raw = ""  # not looked up (PostgreSQL refuses NUL); __call__ reports the row
        return (f"UCDP{raw}" if raw else ""), row_digest(self._layout, fields)

    def __call__(self, line: int, fields: list[str]) -> EventRecord | list[RowError]:
        if len(fields) < self.width:
            return [
                RowError(line, "", "", f"the row has {len(fields)} fields where the header has {self.width}")
            ]
        col = self.col
        if NUL in "".join(fields):
            # PostgreSQL text cannot hold NUL; a NUL byte mostly means a binary or corrupt file.
            names = {position: name for name, position in col.items()}
            return [
                RowError(line, names.get(i, ""), value.replace(NUL, "\u2400"), "contains a NUL character")
                for i, value in enumerate(fields)
                if NUL in value
            ]

        def get(name: str) -> str:
            position = col.get(name)
            return fields[position] if position is not None else ""

        errors: list[RowError] = []

        def fail(name: str, reason: str) -> None:
            errors.append(RowError(line, name, get(name), reason))

        raw_id = get("id").strip()
        if not raw_id or not raw_id.replace(".", "", 1).isdigit():
            fail("id", "is required: the GED event id, a number")
        dates = {}
        for name in ("date_start", "date_end"):
            text = get(name).strip()[:10]  # "2015-11-10 00:00:00.000" in some releases
            if not text:
                dates[name] = None
                continue
            try:
                dates[name] = parse_date(text)
            except ValueError as exc:
                fail(name, str(exc))
                dates[name] = None
        if dates["date_start"] is None and not any(e.column == "date_start" for e in errors):
            fail("date_start", "is required")
        elif dates["date_start"] and dates["date_start"] > self._today + dt.timedelta(days=1):
            fail("date_start", "is in the future")
        codes = {}
        for name, table, blank in (
            ("type_of_violence", UCDP_VIOLENCE_TYPES, None),
            ("date_prec", UCDP_TIME_PRECISION, 1),
            ("where_prec", UCDP_GEO_PRECISION, None),
        ):
            text = get(name).strip()
            if not text:
                codes[name] = blank
                if blank is None and name == "type_of_violence":
                    fail(name, "is required")
                continue
            try:
                number = int(float(text))
            except ValueError:
                number = None
            if number not in table:
                fail(name, f"must be one of {', '.join(map(str, table))}")
            codes[name] = number
        counts = {}
        for name in ("best", "low", "high", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"):
            try:
                counts[name] = parse_count(get(name), blank=None)
            except ValueError as exc:
                fail(name, str(exc))
                counts[name] = None
        coordinates = []
        for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
            try:
                coordinates.append(parse_coordinate(get(name), limit=limit))
            except ValueError as exc:
                fail(name, str(exc))
                coordinates.append(None)
        country = _country(clean_text(get("country")))
        if country is None:
            fail("country", "unknown country")
        side_a, side_b = clean_text(get("side_a")), clean_text(get("side_b"))
        for name, value in (("side_a", side_a), ("side_b", side_b)):
            if len(value) > 255:
                fail(name, "longer than 255 characters")
        if not side_a:
            fail("side_a", "is required")
        if errors:
            return errors

        violence = codes["type_of_violence"]
        event_type, sub_event_type = UCDP_VIOLENCE_TYPES[violence]
        if violence == 3:
            side_b = f"Civilians ({country.name})"
        actors = [(ActorRole.ACTOR1, side_a, _inter(side_a, side="a", violence=violence), 0)]
        if side_b:
            actors.append((ActorRole.ACTOR2, side_b, _inter(side_b, side="b", violence=violence), 0))
        start, end = dates["date_start"], dates["date_end"]
        sources = split_names(get("source_office")) or [UCDP_SOURCE]
        admin1, admin2 = (clean_text(get(name))[:200] for name in ("adm_1", "adm_2"))
        area_level = UCDP_AREA_LEVELS.get(codes["where_prec"])
        if area_level is None:
            place_key = (country.iso3, admin1, admin2, "", clean_text(get("where_coordinates"))[:200])
        else:
            admin1 = admin1 if area_level >= 1 else ""
            admin2 = admin2 if area_level >= 2 else ""
            place_key = (country.iso3, admin1, admin2, "", "")
        return EventRecord(
            line=line,
            event_id=f"UCDP{raw_id.split('.')[0]}",
            event_date=start,
            end_date=end if end and end > start else None,
            time_precision=UCDP_TIME_PRECISION.get(codes["date_prec"], TimePrecision.DAY),
            event_type=event_type,
            sub_event_type=sub_event_type,
            legacy_event_type="",
            country_code=country.iso3,
            country_name=country.name,
            place_key=place_key,
            latitude=coordinates[0],
            longitude=coordinates[1],
            geo_precision=UCDP_GEO_PRECISION.get(codes["where_prec"]),
            fatalities=counts["best"] or 0,
            civilian_targeting=violence == 3,
            notes=self._notes(get, counts),
            tags=f"UCDP type_of_violence={violence}",
            actors=tuple(actors),
            sources=tuple((name[:255], "") for name in sources),
            citation_fields={"quote": clean_text(get("source_article"))},
        )

    @staticmethod
    def _notes(get, counts: dict) -> str:
        parts = []
        headline = clean_text(get("source_headline"))
        if headline:
            parts.append(headline.rstrip(".") + ".")
        where = clean_text(get("where_description"))
        if where:
            parts.append(f"Where: {where}.")
        for label, name in (("Conflict", "conflict_name"), ("Dyad", "dyad_name")):
            if value := clean_text(get(name)):
                parts.append(f"{label}: {value}.")
        estimate = f"UCDP fatality estimate: best {counts['best'] or 0}"
        if counts["low"] is not None or counts["high"] is not None:
            estimate += f" (low {counts['low'] or 0}, high {counts['high'] or 0})"
        by_side = [
            f"{label} {counts[name]}"
            for label, name in (
                ("side A", "deaths_a"),
                ("side B", "deaths_b"),
                ("civilians", "deaths_civilians"),
                ("unknown", "deaths_unknown"),
            )
            if counts[name] is not None
        ]
        if by_side:
            estimate += "; deaths " + ", ".join(by_side)
        parts.append(estimate + ".")
        return " ".join(parts)


def import_ucdp_file(
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
    """Import a UCDP GED CSV; see events.importers.common.run_import."""
    return run_import(
        path=path,
        make_parser=UcdpParser,
        default_format=ImportBatch.Format.UCDP,
        user=user,
        dry_run=dry_run,
        strict=strict,
        batch_size=batch_size,
        progress=progress,
        file_name=file_name,
        as_person=as_person,
    )
