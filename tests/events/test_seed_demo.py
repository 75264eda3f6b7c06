"""seed_demo: synthetic data that is deterministic, consistent with the models, and safe to extend."""

import copy
import datetime as dt
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum

from actors.models import Actor
from core.vocab import ActorRole, EventType, InterCode, Status, SubEventType, interaction_for, is_valid_pair
from events import rollups
from events.demo import demo_clear, demo_seed
from events.models import (
    Citation,
    CountryMonthRollup,
    Event,
    EventActor,
    EventIdCounter,
    ImportBatch,
    Source,
    Tombstone,
)
from events.services import event_create
from places.models import Place, PlaceKind

pytestmark = pytest.mark.slow  # seeds thousands of events

N = 300
SEED = 7
SERIAL = re.compile(r"^([A-Z]{3})(\d+)$")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One seeded database for the module (the reference data alone is ~25,000 places)."""
    with django_db_blocker.unblock():
        call_command("seed_demo", events=N, seed=SEED, clear=True, verbosity=0)
    yield
    with django_db_blocker.unblock():
        demo_clear()


@pytest.fixture
def demo(seeded, db):
    """The seeded data, inside a test transaction that is rolled back afterwards."""


def snapshot() -> dict[str, list[dict]]:
    return {
        "events": list(Event.objects.order_by("pk").values()),
        "event_actors": list(EventActor.objects.order_by("pk").values()),
        "citations": list(Citation.objects.order_by("pk").values()),
        "places": list(Place.objects.order_by("pk").values()),
        "actors": list(Actor.objects.order_by("pk").values()),
        "sources": list(Source.objects.order_by("pk").values()),
    }


def test_the_same_seed_writes_identical_rows(demo):
    first = snapshot()
    call_command("seed_demo", events=N, seed=SEED, clear=True, verbosity=0)
    second = snapshot()
    assert len(first["events"]) == N
    for table in first:
        assert first[table] == second[table], table


def test_another_seed_writes_other_rows(demo):
    first = snapshot()
    call_command("seed_demo", events=N, seed=SEED + 1, clear=True, verbosity=0)
    assert snapshot()["events"] != first["events"]


def test_batch_size_does_not_change_the_rows(demo):
    first = snapshot()
    call_command("seed_demo", events=N, seed=SEED, batch_size=7, clear=True, verbosity=0)
    assert snapshot() == first


def test_every_event_has_a_valid_pair_and_one_to_three_citations(demo):
    events = Event.objects.annotate(n=Count("citations"))
    assert events.count() == N
    for event in events:
        assert is_valid_pair(event.event_type, event.sub_event_type), event
        assert 1 <= event.n <= 3, event


def test_stored_derived_fields_equal_what_the_model_computes(demo):
    events = Event.objects.select_related("place").prefetch_related("event_actors__actor")
    for event in events:
        fresh = copy.copy(event)
        fresh.disorder_type, fresh.period_start, fresh.period_end = "", None, None
        fresh.derive()
        assert (fresh.disorder_type, fresh.period_start, fresh.period_end) == (
            event.disorder_type,
            event.period_start,
            event.period_end,
        )
        assert event.geo_precision is not None
        inters = {ea.role: ea.inter for ea in event.event_actors.all()}
        assert all(ea.inter in InterCode.values for ea in event.event_actors.all())
        assert event.interaction == interaction_for(
            inters.get(ActorRole.ACTOR1), inters.get(ActorRole.ACTOR2)
        )
        assert event.event_id.startswith(event.place.country_code)


def test_actors_fit_the_event_type(demo):
    for event in Event.objects.prefetch_related("event_actors__actor"):
        roles = {ea.role: ea for ea in event.event_actors.all()}
        actor1 = roles[ActorRole.ACTOR1]
        if event.sub_event_type == SubEventType.PEACEFUL_PROTEST:
            assert actor1.actor.name.startswith("Protesters (")
            assert ActorRole.ACTOR2 not in roles and event.interaction == 60
        if event.event_type == EventType.VIOLENCE_AGAINST_CIVILIANS:
            assert roles[ActorRole.ACTOR2].actor.name.startswith("Civilians (")
            assert event.civilian_targeting
        if event.event_type == EventType.RIOTS:
            assert actor1.inter == InterCode.RIOTERS


def test_reference_data_is_large_and_covers_every_inter_code(demo):
    assert Actor.objects.count() > 2000
    assert set(Actor.objects.values_list("kind", flat=True)) == set(InterCode.values)
    assert Place.objects.countries().count() >= 60
    assert Source.objects.count() > 200
    assert Actor.objects.filter(name__regex=r"^Military Forces of .+ \(\d{4}-(\d{4})?\)$").exists()


def test_event_types_dates_and_fatalities_look_like_acled(demo):
    types = Counter(Event.objects.values_list("event_type", flat=True))
    assert types.most_common(1)[0][0] == EventType.PROTESTS
    assert set(types) == set(EventType.values)
    dates = Event.objects.values_list("event_date", flat=True)
    assert min(dates) >= dt.date(1997, 1, 1) and max(dates) <= dt.date(2026, 12, 31)
    assert max(dates).year - min(dates).year >= 20
    fatalities = list(Event.objects.values_list("fatalities", flat=True))
    assert fatalities.count(0) > N / 2 and max(fatalities) > 0
    lengths = [len(notes) for notes in Event.objects.values_list("notes", flat=True)]
    assert min(lengths) >= 150 and max(lengths) <= 450


def test_statuses_are_mostly_published_and_retractions_leave_tombstones(demo):
    statuses = Counter(Event.objects.values_list("status", flat=True))
    assert statuses[Status.PUBLISHED] > 0.85 * N
    retracted = set(Event.objects.filter(status=Status.RETRACTED).values_list("event_id", flat=True))
    assert set(Tombstone.objects.values_list("event_id", flat=True)) == retracted


def test_bulk_imports_share_their_timestamp(demo):
    shared = Event.objects.values("updated_at").annotate(n=Count("pk")).filter(n__gt=1)
    assert shared.exists()
    for batch in ImportBatch.objects.annotate(n=Count("events")):
        assert batch.created == batch.n


def test_place_paths_follow_their_parents(demo):
    places = {place.pk: place for place in Place.objects.all()}
    for place in places.values():
        parent = places.get(place.parent_id)
        assert place.path == (parent.path if parent else "/") + f"{place.pk}/"
        assert place.depth == (parent.depth + 1 if parent else 0)
        derived = copy.copy(place)
        derived.parent = parent
        derived._derive_from_parent()
        labels = ("country_code", "depth", "country_name", "admin1", "admin2", "admin3")
        assert [getattr(derived, f) for f in labels] == [getattr(place, f) for f in labels]


def test_a_country_subtree_is_exactly_the_places_with_its_code(demo):
    for country in Place.objects.countries():
        subtree = set(Place.objects.subtree(country).values_list("pk", flat=True))
        same_code = set(Place.objects.filter(country_code=country.country_code).values_list("pk", flat=True))
        assert subtree == same_code
        assert (
            Event.objects.in_place(country).count()
            == Event.objects.filter(place__country_code=country.country_code).count()
        )


def test_id_counters_are_ahead_of_every_serial(demo):
    counters = dict(EventIdCounter.objects.values_list("prefix", "last"))
    for event_id in Event.objects.values_list("event_id", flat=True):
        prefix, serial = SERIAL.match(event_id).groups()
        assert counters[prefix] >= int(serial), event_id


def test_event_create_after_seed_demo_gets_a_new_unused_id(demo):
    place = Place.objects.get(kind=PlaceKind.COUNTRY, country_code="SYR")
    taken = set(Event.objects.values_list("event_id", flat=True))
    last = EventIdCounter.objects.get(prefix="SYR").last
    event = event_create(
        event_date=dt.date(2026, 11, 20),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=place,
    )
    assert event.event_id == f"SYR{last + 1}"
    assert event.event_id not in taken


def test_seeding_again_without_clear_appends_with_fresh_ids(demo):
    call_command("seed_demo", events=50, seed=SEED + 5, verbosity=0)
    event_ids = list(Event.objects.values_list("event_id", flat=True))
    assert len(event_ids) == N + 50 == len(set(event_ids))
    assert Place.objects.filter(kind=PlaceKind.COUNTRY, country_code="SYR").count() == 1
    test_id_counters_are_ahead_of_every_serial(demo)
    test_place_paths_follow_their_parents(demo)


def test_with_history_every_demo_row_gets_one_creation_row(demo):
    assert not Event.history.exists()  # by default none: benchmarks do not read them
    call_command("seed_demo", events=20, seed=SEED + 6, history=True, verbosity=0)
    for model in (Event, EventActor, Citation, Place, Actor, Source):
        assert model.history.filter(history_type="+").count() == model.objects.count(), model
    event = Event.objects.order_by("-pk").first()
    [version] = event.history.all()
    assert version.history_change_reason == "Demo data" and version.history_redaction is False


def test_new_rows_after_seeding_get_ids_past_the_seeded_ones(demo):
    source = Source.objects.create(name="A new source")
    assert source.pk > max(Source.objects.exclude(pk=source.pk).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "-1"], "argument --events: must be at least 0, not -1"),
        (["--events", "ten"], "argument --events: must be a whole number, not 'ten'"),
        (["--events", "5", "--batch-size", "0"], "argument --batch-size: must be at least 1, not 0"),
    ],
)
def test_bad_arguments_are_refused_naming_the_option(db, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("seed_demo", *args, verbosity=0)


@pytest.mark.postgres
def test_a_bulk_load_drops_and_restores_the_same_indexes_and_foreign_keys(demo):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN "
                "('events_event', 'events_eventactor', 'events_citation') ORDER BY 1"
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN "
                "('events_event'::regclass, 'events_eventactor'::regclass, 'events_citation'::regclass) "
                "ORDER BY 1"
            )
            return indexes, cursor.fetchall()

    before = schema()
    summary = demo_seed(events=40, seed=SEED, rebuild_indexes=True)
    assert summary.indexes_rebuilt
    assert schema() == before
    assert any("gin" in definition for (definition,) in before[0])
    assert Event.objects.count() == N + 40


@pytest.mark.postgres
def test_a_bulk_load_rebuilds_the_rollups_once_instead_of_keeping_them_batch_by_batch(demo):
    def insert_trigger() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = 'events_rollup_insert' "
                "AND tgrelid = 'events_event'::regclass"
            )
            return cursor.fetchone()[0]

    during = []
    summary = demo_seed(
        events=40,
        seed=SEED,
        batch_size=10,
        rebuild_indexes=True,
        progress=lambda n: during.append(insert_trigger()),
    )

    assert during == ["D"] * 4  # off while the batches are written
    assert insert_trigger() == "O"  # and on again afterwards
    assert "rollups rebuilt" in summary.phase_seconds
    assert rollups.differences() == []
    assert CountryMonthRollup.objects.aggregate(n=Sum("events"))["n"] == N + 40


@pytest.mark.postgres
def test_a_small_top_up_keeps_the_rollups_through_their_trigger(demo):
    summary = demo_seed(events=40, seed=SEED, rebuild_indexes=False)

    assert "rollups rebuilt" not in summary.phase_seconds
    assert rollups.differences() == []
    assert CountryMonthRollup.objects.aggregate(n=Sum("events"))["n"] == N + 40


@pytest.mark.postgres
def test_a_load_leaves_the_rollups_analyzed_like_the_tables_it_wrote(demo):
    # Never-analyzed tables have no statistics (reltuples -1): the aggregates' plans over the
    # rollups then guess, and a vacuum-less rebuild leaves its dead rows in the way.
    demo_seed(events=40, seed=SEED, batch_size=10, rebuild_indexes=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) ORDER BY relname",
            [[rollup.table for rollup in rollups.ROLLUPS]],
        )
        tuples = dict(cursor.fetchall())
    assert sorted(tuples) == sorted(rollup.table for rollup in rollups.ROLLUPS)
    assert all(count > 0 for count in tuples.values()), tuples
