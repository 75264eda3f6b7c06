"""The export queryset: one SQL query, one flat row per event, streamed in chunks.

Every export (CSV, ACLED CSV, XLSX, GeoJSON, data package) reads `export_rows()`: a
`values_list` over the filtered events joined to their place, with two correlated
aggregates — the event's actors (role, inter code and actor id, in role and position order)
and its sources (in citation order) — joined into strings by the database (`string_agg` on
PostgreSQL, `group_concat` on SQLite). Actor and source names come from one query each,
loaded once. Rows come through `.iterator(chunk_size=…)`, a server-side cursor on
PostgreSQL, so memory does not grow with the number of events, and the number of queries is
three whatever the size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Aggregate,
    BigIntegerField,
    CharField,
    Func,
    OuterRef,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat

from actors.models import Actor
from core.vocab import ActorRole
from events.filters import EventFilter, as_query_dict
from events.models import Citation, Event, EventActor, Source

CHUNK_SIZE = 500
_FIELD_SEP, _PART_SEP = "\x1f", "\x1e"  # between actors; between role, inter and name


class GroupConcat(Aggregate):
    """SQLite's group_concat with a separator (development fallback for string_agg)."""

    function = "GROUP_CONCAT"
    template = "%(function)s(%(expressions)s)"
    output_field = TextField()

    def __init__(self, expression, delimiter: str, **extra) -> None:
        super().__init__(expression, Value(delimiter), **extra)


def _joined(queryset: QuerySet, expression, *, delimiter: str, ordering: tuple[str, ...]) -> Subquery:
    """A correlated subquery joining `expression` over `queryset`'s rows into one string."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import StringAgg

        aggregate = StringAgg(expression, delimiter=delimiter, order_by=ordering)
    else:
        aggregate = GroupConcat(expression, delimiter)
    return Subquery(
        queryset.order_by().values("event_id").annotate(joined=aggregate).values("joined"),
        output_field=TextField(),
    )


class UnixSeconds(Func):
    """A timestamp as whole Unix seconds, computed by the database (ACLED's `timestamp`)."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="floor(EXTRACT(EPOCH FROM %(expressions)s))::bigint", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        seconds = Func(Value("%s"), *self.get_source_expressions(), function="strftime")
        return Cast(seconds, BigIntegerField()).as_sql(compiler, connection)


class IsoUtc(Func):
    """A timestamp as ISO 8601 text in UTC ("2024-05-01T12:00:00Z"), formatted by the database."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        text = Func(*self.get_source_expressions(), Value('YYYY-MM-DD"T"HH24:MI:SS"Z"'), function="to_char")
        return compiler.compile(text)

    def as_sqlite(self, compiler, connection, **extra):
        text = Func(Value("%Y-%m-%dT%H:%M:%SZ"), *self.get_source_expressions(), function="strftime")
        return compiler.compile(text)


def _actors_column() -> Subquery:
    parts = Concat(
        "role",
        Value(_PART_SEP),
        Coalesce(Cast("inter", CharField()), Value("")),
        Value(_PART_SEP),
        Cast("actor_id", CharField()),
        output_field=TextField(),
    )
    return _joined(
        EventActor.objects.filter(event=OuterRef("pk")),
        parts,
        delimiter=_FIELD_SEP,
        ordering=("role", "position", "id"),
    )


def _sources_column() -> Subquery:
    return _joined(
        Citation.objects.filter(event=OuterRef("pk")),
        Cast("source_id", CharField()),
        delimiter=_FIELD_SEP,
        ordering=("id",),
    )


# The columns of a raw export row, in order (what values_list returns).
ROW_FIELDS: tuple[str, ...] = (
    "event_id",
    "event_date",
    "end_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "legacy_event_type",
    "disorder_type",
    "interaction",
    "civilian_targeting",
    "geo_precision",
    "fatalities",
    "notes",
    "tags",
    "source_scale",
    "status",
    "export_created",
    "export_updated",
    "export_timestamp",
    "place__name",
    "place__country_code",
    "place__country_name",
    "place__admin1",
    "place__admin2",
    "place__admin3",
    "place__latitude",
    "place__longitude",
    "export_actors",
    "export_sources",
)


@dataclass(slots=True)
class ExportRow:
    """One event, flattened the way every export needs it."""

    event_id: str
    event_date: object
    end_date: object
    time_precision: int
    event_type: str
    sub_event_type: str
    legacy_event_type: str
    disorder_type: str
    interaction: int | None
    civilian_targeting: bool
    geo_precision: int | None
    fatalities: int
    notes: str
    tags: str
    source_scale: str
    status: str
    created_at: str  # ISO 8601, UTC ("2024-05-01T12:00:00Z")
    updated_at: str
    timestamp: int  # updated_at in Unix seconds
    location: str
    country_code: str
    country: str
    admin1: str
    admin2: str
    admin3: str
    latitude: float | None
    longitude: float | None
    actor1: str
    assoc_actor_1: str
    inter1: int | None
    actor2: str
    assoc_actor_2: str
    inter2: int | None
    sources: str


class _Names:
    """Actor and source names by id, loaded once per export (the aggregates carry only ids, so
    the per-event subqueries touch nothing but the event_id indexes)."""

    def __init__(self) -> None:
        # Keyed by the id as text, the way the aggregates carry it.
        self.actors = {str(pk): name for pk, name in Actor.objects.values_list("id", "name")}
        self.sources = {str(pk): name for pk, name in Source.objects.values_list("id", "name")}

    def split_actors(self, joined: str | None) -> tuple[str, str, int | None, str, str, int | None]:
        """(actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2) from the joined string."""
        actor1 = actor2 = ""
        inter1 = inter2 = None
        assoc1: list[str] = []
        assoc2: list[str] = []
        if joined:
            actors = self.actors
            for part in joined.split(_FIELD_SEP):
                role, inter, actor_id = part.split(_PART_SEP)
                name = actors[actor_id]
                if role == _ACTOR1:
                    actor1, inter1 = name, _INTERS.get(inter)
                elif role == _ACTOR2:
                    actor2, inter2 = name, _INTERS.get(inter)
                elif role == _ASSOC1:
                    assoc1.append(name)
                else:
                    assoc2.append(name)
        return actor1, "; ".join(assoc1), inter1, actor2, "; ".join(assoc2), inter2

    def join_sources(self, joined: str | None) -> str:
        if not joined:
            return ""
        sources = self.sources
        if _FIELD_SEP not in joined:
            return sources[joined]
        names = list(dict.fromkeys(sources[source_id] for source_id in joined.split(_FIELD_SEP)))
        return "; ".join(names)  # two citations of one source name it once


_INTERS = {str(code): code for code in range(1, 9)}
_ACTOR1, _ACTOR2, _ASSOC1 = str(ActorRole.ACTOR1), str(ActorRole.ACTOR2), str(ActorRole.ASSOC_ACTOR_1)


def export_values(queryset: QuerySet) -> QuerySet:
    """The values_list behind every export (one query; see the module docstring)."""
    return queryset.annotate(
        export_actors=_actors_column(),
        export_sources=_sources_column(),
        export_created=IsoUtc("created_at"),
        export_updated=IsoUtc("updated_at"),
        export_timestamp=UnixSeconds("updated_at"),
    ).values_list(*ROW_FIELDS)


# Set by a command to report progress (called with the number of rows read since last time).
export_progress: ContextVar[Callable[[int], None] | None] = ContextVar("export_progress", default=None)


def export_rows(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[ExportRow]:
    """Stream the events of `queryset` as ExportRows, in its order, in one query."""
    progress = export_progress.get()
    rows = export_values(queryset).iterator(chunk_size=chunk_size)
    names = None
    count = 0
    for values in rows:
        if names is None:
            names = _Names()  # after the first row: an empty export costs one query
        *head, actors, sources = values
        yield ExportRow(*head, *names.split_actors(actors), names.join_sources(sources))
        count += 1
        if progress and count == chunk_size:
            progress(count)
            count = 0
    if progress and count:
        progress(count)


def export_queryset(
    *,
    user=None,
    params: Mapping | None = None,
    include_unpublished: bool = False,
    queryset: QuerySet | None = None,
) -> QuerySet:
    """The events an export covers: what `user` may see (published ones for anyone else, all
    with `include_unpublished`), narrowed by the API's filters (EventFilter; a bad parameter
    raises ParameterError naming it)."""

    base = queryset if queryset is not None else Event.objects.all()
    if not include_unpublished:
        base = base.visible_to(user)
    if params:
        base = EventFilter(as_query_dict(params), queryset=base).qs
    return base
