"""Events as ACLED rows: ACLED's column names and value formats, one dict per event.

Shared by the ACLED-compatible API (events/acled_api) and, when it wants it, the ACLED CSV
export. Values are the strings ACLED writes: `event_date` as YYYY-MM-DD, numbers as digits,
coordinates with four decimals, `timestamp` as Unix seconds of the last change, a missing inter
code as "0", blanks as "". Formula escaping, if any, is the caller's business.

Queries do not grow with the rows: one query streams the events with their place; for each
chunk of `chunk_size` events, one query fetches their actors and one their sources. Columns that
are not asked for are not fetched at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from events.acled import (
    ACLED_ACTOR_SEPARATOR,
    ACLED_CIVILIAN_TARGETING,
    ACLED_COLUMNS,
    ACLED_SOURCE_SEPARATOR,
)
from events.models import Citation, EventActor
from events.vocab import ActorRole
from places.countries import country_by_iso3

ACTOR_COLUMNS = frozenset({"actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2"})
SOURCE_COLUMNS = frozenset({"source"})

# The event and place columns an ACLED row is made of (one query, no per-row lookups).
_EVENT_VALUES = (
    "id",
    "event_id",
    "event_date",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "interaction",
    "civilian_targeting",
    "geo_precision",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "updated_at",
    "place__name",
    "place__country_code",
    "place__country_name",
    "place__admin1",
    "place__admin2",
    "place__admin3",
    "place__latitude",
    "place__longitude",
)


def acled_rows(
    queryset: QuerySet, *, columns: Iterable[str] = ACLED_COLUMNS, chunk_size: int = 2000
) -> Iterator[dict[str, str]]:
    """Each event of `queryset` (ordered and sliced as given) as {ACLED column: text}.

    `columns` chooses and orders the keys (a subset of ACLED_COLUMNS). The queryset's database
    is kept for the actor and source queries, so a replica read stays on the replica.
    """
    columns = tuple(columns)
    wanted = frozenset(columns)
    db = queryset.db
    events = queryset.values(*_EVENT_VALUES).iterator(chunk_size=chunk_size)
    while chunk := list(islice(events, chunk_size)):
        ids = [event["id"] for event in chunk]
        actors = _actors_by_event(ids, db) if wanted & ACTOR_COLUMNS else {}
        sources = _sources_by_event(ids, db) if wanted & SOURCE_COLUMNS else {}
        for event in chunk:
            row = _acled_row(event, actors.get(event["id"], {}), sources.get(event["id"], ""))
            yield {column: row[column] for column in columns}


def _actors_by_event(ids: list[int], db: str) -> dict[int, dict[str, list[tuple[str, int | None]]]]:
    """{event id: {role: [(actor name, inter code), …] in ACLED's order}} for a chunk of events."""
    found: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    rows = (
        EventActor.objects.using(db)
        .filter(event_id__in=ids)
        .order_by("event_id", "role", "position", "id")
        .values_list("event_id", "role", Coalesce("inter", "actor__kind"), "actor__name")
    )
    for event_id, role, inter, name in rows:
        found[event_id][role].append((name, inter))
    return found


def _sources_by_event(ids: list[int], db: str) -> dict[int, str]:
    """{event id: "Source A; Source B"}: each cited source once, in the order first cited."""
    names: dict[int, dict[str, None]] = defaultdict(dict)
    rows = (
        Citation.objects.using(db)
        .filter(event_id__in=ids)
        .order_by("event_id", "id")
        .values_list("event_id", "source__name")
    )
    for event_id, name in rows:
        names[event_id][name] = None
    return {event_id: ACLED_SOURCE_SEPARATOR.join(ordered) for event_id, ordered in names.items()}


def _text(value) -> str:
    return "" if value is None else str(value)


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _acled_row(event: dict, actors: dict[str, list], source: str) -> dict[str, str]:
    def named(role: str) -> str:
        return ACLED_ACTOR_SEPARATOR.join(name for name, _ in actors.get(role, ()))

    def inter(role: str) -> str:
        found = actors.get(role)
        return str(found[0][1] or 0) if found else "0"

    code = event["place__country_code"]
    country = country_by_iso3(code) if code else None
    return {
        "event_id_cnty": event["event_id"],
        "event_date": event["event_date"].isoformat(),
        "year": str(event["event_date"].year),
        "time_precision": str(event["time_precision"]),
        "disorder_type": event["disorder_type"],
        "event_type": event["event_type"],
        "sub_event_type": event["sub_event_type"],
        "actor1": named(ActorRole.ACTOR1),
        "assoc_actor_1": named(ActorRole.ASSOC_ACTOR_1),
        "inter1": inter(ActorRole.ACTOR1),
        "actor2": named(ActorRole.ACTOR2),
        "assoc_actor_2": named(ActorRole.ASSOC_ACTOR_2),
        "inter2": inter(ActorRole.ACTOR2),
        "interaction": _text(event["interaction"]),
        "civilian_targeting": ACLED_CIVILIAN_TARGETING if event["civilian_targeting"] else "",
        "iso": str(country.numeric) if country else "",
        "region": country.region if country else "",
        "country": event["place__country_name"] or (country.name if country else ""),
        "admin1": event["place__admin1"],
        "admin2": event["place__admin2"],
        "admin3": event["place__admin3"],
        "location": event["place__name"],
        "latitude": _coordinate(event["place__latitude"]),
        "longitude": _coordinate(event["place__longitude"]),
        "geo_precision": _text(event["geo_precision"]),
        "source": source,
        "source_scale": event["source_scale"],
        "notes": event["notes"],
        "fatalities": str(event["fatalities"]),
        "tags": event["tags"],
        "timestamp": str(int(event["updated_at"].timestamp())),
    }
