"""seed_demo's service: write the invented world and N events in bulk, in one transaction."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from actors.models import Actor, ActorRelation
from events import rollups
from events.demo.maker import EventMaker
from events.demo.world import DEMO_NOW, World, next_id
from events.importers.bulk import copy_history
from events.models import Citation, Event, EventActor, EventIdCounter, ImportBatch, Source, Tombstone
from places.models import Place


@dataclass
class DemoSummary:
    """What one seed_demo run wrote, and how long it took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    analyze_seconds: float = 0.0
    write_seconds: dict[str, float] = field(default_factory=dict)
    indexes_rebuilt: bool = False
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def events_per_second(self) -> float:
        return self.counts.get("events", 0) / self.seconds if self.seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Table:
    """Rows for one model, as tuples in the order of `attnames`; other columns get defaults."""

    def __init__(self, model: type[models.Model], attnames: Sequence[str], *, prep: bool) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.generated}
        self.fields = [fields[name] for name in attnames]
        extra = [f for name, f in fields.items() if name not in attnames]
        for f in extra:
            if f.get_default() is None and not f.null:
                raise ValueError(f"seed_demo does not know how to fill {model.__name__}.{f.name}")
        self.columns = [f.column for f in self.fields + extra]
        self.tail = tuple(f.get_default() for f in extra)
        # SQLite (and small tables everywhere) go through the fields' own conversions.
        self.prep = prep or connection.vendor != "postgresql"
        self.extra_fields = extra
        self.rows_written = 0
        self.seconds = 0.0

    def convert(self, row: tuple) -> tuple:
        values = row + self.tail
        if not self.prep:
            return values
        all_fields = self.fields + self.extra_fields
        return tuple(f.get_db_prep_save(v, connection) for f, v in zip(all_fields, values, strict=True))

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if connection.vendor == "postgresql":
            with (
                connection.connection.cursor() as raw,
                raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(self.convert(row))
        else:
            placeholders = ", ".join(["%s"] * len(self.columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                    [self.convert(row) for row in rows],
                )
        self.rows_written += len(rows)
        self.seconds += time.perf_counter() - started


PLACE_COLUMNS = (
    "id", "name", "kind", "parent_id", "country_code", "latitude", "longitude", "geo_precision",
    "geonames_id", "path", "depth", "country_name", "admin1", "admin2", "admin3",
)  # fmt: skip
ACTOR_COLUMNS = (
    "id", "name", "kind", "country", "aliases", "parent_id", "description", "active_from", "active_to",
    "created_at", "updated_at",
)  # fmt: skip
RELATION_COLUMNS = ("id", "subject_id", "object_id", "kind", "start_date", "end_date", "citation_id")
SOURCE_COLUMNS = ("id", "name", "kind", "scale", "url", "country")
BATCH_COLUMNS = (
    "id", "created_by_id", "started_at", "finished_at", "file_name", "sha256", "format", "state", "errors",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "event_id", "event_date", "time_precision", "end_date", "period_start", "period_end",
    "event_type", "sub_event_type", "legacy_event_type", "disorder_type", "interaction", "place_id",
    "geo_precision", "fatalities", "civilian_targeting", "notes", "tags", "source_scale", "status",
    "retracted_at", "retraction_reason", "created_at", "updated_at", "import_batch_id", "version",
    "source_timestamp",
)  # fmt: skip
EVENT_ACTOR_COLUMNS = ("id", "event_id", "actor_id", "role", "inter", "position")
CITATION_COLUMNS = (
    "id", "event_id", "source_id", "url", "quote", "published_on", "accessed_on", "archive_url", "field",
    "reported_fatalities",
)  # fmt: skip
TOMBSTONE_COLUMNS = ("id", "event_id", "removed_at", "reason", "deleted")

# Every table seed_demo writes, and their history tables: what --clear empties.
DEMO_MODELS = (
    Citation,
    EventActor,
    Tombstone,
    Event,
    EventIdCounter,
    ActorRelation,
    Actor,
    Source,
    Place,
    ImportBatch,
)

_SERIAL = re.compile(r"^([A-Z]{3})(\d+)$")


def demo_clear() -> None:
    """Empty every table seed_demo writes (and their history); users and groups stay."""
    tables = []
    for model in DEMO_MODELS:
        tables.append(model._meta.db_table)
        history = getattr(model, "history", None)
        if history is not None:
            tables.append(history.model._meta.db_table)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _existing_serials() -> dict[str, int]:
    """The highest serial per prefix among stored ids and counters, so new ids never collide."""
    serials = dict(EventIdCounter.objects.values_list("prefix", "last"))
    if Event.objects.exists():
        for event_id in Event.objects.values_list("event_id", flat=True).iterator(chunk_size=20_000):
            match = _SERIAL.match(event_id)
            if match:
                prefix, serial = match.group(1), int(match.group(2))
                if serial > serials.get(prefix, 0):
                    serials[prefix] = serial
    return serials


@contextmanager
def _indexes_rebuilt_after(models_: Sequence[type[models.Model]]) -> Iterator[None]:
    """Drop these tables' non-unique indexes and foreign keys, and recreate them afterwards.

    PostgreSQL's advice for populating a database: building an index or validating a
    foreign key once over the loaded rows is much faster than maintaining it row by row.
    Everything happens inside the caller's transaction, so a failed run restores them.
    """
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def demo_seed(
    *,
    events: int,
    seed: int = 1,
    batch_size: int = 10_000,
    clear: bool = False,
    rebuild_indexes: bool | None = None,
    progress: Callable[[int], None] | None = None,
    history: bool = False,
) -> DemoSummary:
    """Write `events` synthetic events with their actors, places, sources and citations.

    `history`: give every row without history a creation row (one INSERT … SELECT per table, at
    DEMO_NOW), as the seed's load_seed does; off by default, since benchmarks do not read it.

    `rebuild_indexes` (PostgreSQL): drop the event tables' secondary indexes and foreign keys
    during the load and rebuild them after, and rebuild the rollups after rather than keep them
    batch by batch; by default only when the load at least doubles the events table.
    """
    if events < 0:
        raise ValueError("events must be 0 or more")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.perf_counter()
    postgres = connection.vendor == "postgresql"
    summary = DemoSummary()
    rng = random.Random(seed)
    with transaction.atomic():
        if clear:
            demo_clear()
        if postgres:
            # Check foreign keys at the end of each statement, not all at commit: a smaller
            # queue of pending checks, and no pending ones when the bulk load drops keys.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        mark = time.perf_counter()
        world = World(rng)
        world.build()
        for model, columns, rows, name in (
            (Place, PLACE_COLUMNS, world.place_rows, "places"),
            (Actor, ACTOR_COLUMNS, world.actor_rows, "actors"),
            (ActorRelation, RELATION_COLUMNS, world.relation_rows, "actor relations"),
            (Source, SOURCE_COLUMNS, world.source_rows, "sources"),
            (ImportBatch, BATCH_COLUMNS, world.batch_rows, "import batches"),
        ):
            # JSON needs Django's adapter; the other rows hold plain values psycopg writes as they are.
            Table(model, columns, prep=model is ImportBatch).write(rows)
            summary.counts[name] = len(rows)
        summary.phase_seconds["reference data"] = time.perf_counter() - mark

        maker = EventMaker(
            rng,
            world,
            first_ids={
                "event": next_id(Event),
                "eventactor": next_id(EventActor),
                "citation": next_id(Citation),
                "tombstone": next_id(Tombstone),
            },
            serials=_existing_serials(),
        )
        if rebuild_indexes is None:
            rebuild_indexes = events >= max(Event.objects.count(), 20_000)
        bulk = postgres and rebuild_indexes
        with rollups.rebuilt_after() if bulk else nullcontext():
            with _indexes_rebuilt_after([Event, EventActor, Citation]) if bulk else nullcontext():
                mark = time.perf_counter()
                _write_events(maker, events=events, batch_size=batch_size, summary=summary, progress=progress)
                summary.phase_seconds["events (generate and write)"] = time.perf_counter() - mark
                mark = time.perf_counter()
            if bulk:
                summary.phase_seconds["indexes and foreign keys rebuilt"] = time.perf_counter() - mark
                mark = time.perf_counter()
        if bulk:
            summary.phase_seconds["rollups rebuilt"] = time.perf_counter() - mark
        summary.indexes_rebuilt = bool(bulk)
        mark = time.perf_counter()
        _finish(maker.serials, [row[0] for row in world.batch_rows])
        summary.phase_seconds["counters, batch counts, sequences"] = time.perf_counter() - mark
        if history:
            mark = time.perf_counter()
            _creation_rows()
            summary.phase_seconds["history creation rows"] = time.perf_counter() - mark
    summary.seconds = time.perf_counter() - started
    if postgres:
        analyzed = time.perf_counter()
        # VACUUM also sets the visibility map (index-only scans); it cannot run in a transaction.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        tables = [model._meta.db_table for model in DEMO_MODELS]
        if rollups.is_kept():
            # The rollups were rewritten too (by their trigger or rebuilt): their dead rows and
            # missing statistics would otherwise slow the aggregates read from them.
            tables += [rollup.table for rollup in rollups.ROLLUPS]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
        summary.analyze_seconds = time.perf_counter() - analyzed
    return summary


def _make_batch(maker: EventMaker, n: int) -> tuple[list, list, list, list]:
    """n events and their event actors, citations and tombstones, as rows."""
    events, event_actors, citations, tombstones = [], [], [], []
    for _ in range(n):
        event, actors, cites, tombstone = maker.make()
        events.append(event)
        event_actors += actors
        citations += cites
        if tombstone:
            tombstones.append(tombstone)
    return events, event_actors, citations, tombstones


def _write_events(maker: EventMaker, *, events: int, batch_size: int, summary: DemoSummary, progress) -> None:
    tables = {
        "events": Table(Event, EVENT_COLUMNS, prep=False),
        "event actors": Table(EventActor, EVENT_ACTOR_COLUMNS, prep=False),
        "citations": Table(Citation, CITATION_COLUMNS, prep=False),
        "tombstones": Table(Tombstone, TOMBSTONE_COLUMNS, prep=False),
    }
    for start in range(0, events, batch_size):
        n = min(batch_size, events - start)
        for table, rows in zip(tables.values(), _make_batch(maker, n), strict=True):
            table.write(rows)
        if progress:
            progress(n)
    for name, table in tables.items():
        summary.counts[name] = table.rows_written
        summary.write_seconds[name] = table.seconds


def _creation_rows() -> None:
    """A creation row for every row of the demo tables that has no history (one date for all, so
    an event's actors and citations belong to its first version)."""
    quote = connection.ops.quote_name
    for model in DEMO_MODELS:
        history = getattr(model, "history", None)
        if history is None:
            continue
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        logged = quote(history.model._meta.db_table)
        where = f"NOT EXISTS (SELECT 1 FROM {logged} h WHERE h.{pk} = {table}.{pk})"
        copy_history(
            model, where=where, params=[], history_type="+", user_id=None, when=DEMO_NOW, reason="Demo data"
        )


def _finish(serials: dict[str, int], batch_ids: list[int]) -> None:
    """Advance the id counters, count each import batch's events, reset the sequences."""
    # Counters move past every serial handed out, so event_create never reuses one.
    EventIdCounter.objects.bulk_create(
        [EventIdCounter(prefix=prefix, last=last) for prefix, last in sorted(serials.items())],
        update_conflicts=True,
        unique_fields=["prefix"],
        update_fields=["last"],
    )
    created = Event.objects.filter(import_batch=OuterRef("pk")).order_by().values("import_batch")
    created = Subquery(created.annotate(n=Count("pk")).values("n"))
    ImportBatch.objects.filter(pk__in=batch_ids).update(
        created=Coalesce(created, 0), rows=Coalesce(created, 0)
    )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(DEMO_MODELS)):
            cursor.execute(sql)
