"""Round trip: seed data -> ACLED export -> import into an empty database -> the same data."""

import io

import pytest
from django.core.management import call_command

from actors.models import Actor, ActorRelation
from core.vocab import ActorRole
from events.models import Citation, Event, EventActor, EventIdCounter, Source
from places.models import Place

pytestmark = pytest.mark.django_db

MAIN = (ActorRole.ACTOR1, ActorRole.ACTOR2)


def snapshot() -> dict:
    """Everything an ACLED file can carry, per event, by names rather than ids."""
    events = {}
    for event in Event.objects.select_related("place").prefetch_related(
        "event_actors__actor", "citations__source"
    ):
        place = event.place
        roles = sorted(event.event_actors.all(), key=lambda item: (item.role, item.position))
        events[event.event_id] = {
            "date": (event.event_date, event.time_precision),
            "type": (event.event_type, event.sub_event_type, event.disorder_type),
            "interaction": event.interaction,
            "coding": (event.fatalities, event.civilian_targeting, event.geo_precision),
            "text": (event.notes, event.tags, event.source_scale),
            "place": (
                place.country_code,
                place.country_name,
                place.admin1,
                place.admin2,
                place.admin3,
                place.name,
            ),
            "coordinates": (place.latitude, place.longitude),
            "actors": [
                (item.role, item.actor.name, item.inter if item.role in MAIN else None) for item in roles
            ],
            "sources": {citation.source.name for citation in event.citations.all()},
        }
    return events


def export_all(path) -> None:
    call_command(
        "export_events",
        "--format",
        "acled",
        "--output",
        str(path),
        "--include-unpublished",
        stdout=io.StringIO(),
    )


def empty_the_database() -> None:
    Citation.objects.all().delete()
    EventActor.objects.all().delete()
    Event.objects.all().delete()
    ActorRelation.objects.all().delete()
    Actor.objects.all().delete()
    Source.objects.all().delete()
    for depth in sorted(set(Place.objects.values_list("depth", flat=True)), reverse=True):
        Place.objects.filter(depth=depth).delete()
    EventIdCounter.objects.all().delete()


def test_seed_data_survives_an_acled_export_and_reimport(tmp_path):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    before = snapshot()
    assert len(before) == 13
    path = tmp_path / "seed.acled.csv"
    call_command(
        "export_events",
        "--format",
        "acled",
        "--output",
        str(path),
        "--include-unpublished",
        stdout=io.StringIO(),
    )

    empty_the_database()
    assert Event.objects.count() == Place.objects.count() == Actor.objects.count() == 0
    out = io.StringIO()
    call_command("import_acled", str(path), "--no-progress", stdout=out)

    assert "13 created" in out.getvalue()
    after = snapshot()
    assert after == before
    used_actors = {name for event in before.values() for _, name, _ in event["actors"]}
    assert set(Actor.objects.values_list("name", flat=True)) == used_actors
    cited = {name for event in before.values() for name in event["sources"]}
    assert set(Source.objects.values_list("name", flat=True)) == cited
    assert EventIdCounter.objects.get(prefix="SYR").last == 11


def test_reimporting_our_own_export_into_the_same_database_keeps_every_event(tmp_path):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    before = snapshot()
    path = tmp_path / "seed.acled.csv"
    call_command(
        "export_events",
        "--format",
        "acled",
        "--output",
        str(path),
        "--include-unpublished",
        stdout=io.StringIO(),
    )
    places, actors = Place.objects.count(), Actor.objects.count()

    call_command("import_acled", str(path), "--no-progress", stdout=io.StringIO())

    assert snapshot() == before
    assert Event.objects.count() == 13
    assert (Place.objects.count(), Actor.objects.count()) == (places, actors)  # matched, not duplicated
