"""The event's date, status and updated_at copied onto its actors' rows (events/actor_copies.py)
equal the event's own after every way of writing events and event actors, on PostgreSQL and SQLite.

The reference is read here from the events themselves (a join in the ORM), never from the copies;
`actor_copies.differences()` (check_event_actors' comparison) must agree.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from actors.services import actor_merge
from core.vocab import ActorRole, Status
from events import actor_copies
from events.demo import demo_seed
from events.importers.acled import import_acled_file
from events.merges import event_merge
from events.models import Event, EventActor
from events.services import (
    event_back_to_draft,
    event_create,
    event_delete,
    event_mark_reviewed,
    event_publish,
    event_retract,
    event_set_actors,
    event_update,
)
from tests.acled_files import write_synthetic
from tests.factories import ActorFactory, CitationFactory, EventActorFactory, EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def assert_copies_exact() -> int:
    """Every event actor holds its event's date, status and updated_at; returns how many rows were
    compared."""
    rows = list(
        EventActor.objects.values_list(
            "event_date", "status", "updated_at", "event__event_date", "event__status", "event__updated_at"
        )
    )
    wrong = [row for row in rows if row[:3] != row[3:]]
    assert wrong == []
    assert actor_copies.differences() == []
    return len(rows)


@pytest.fixture
def army(db):
    return ActorFactory(name="Military Forces of Syria (1980-2020)")


@pytest.fixture
def rebels(db):
    return ActorFactory(name="Free Syrian Army")


def test_the_services_keep_the_copies(army, rebels, reviewer):
    place = PlaceFactory()
    event = event_create(
        event_date=dt.date(2020, 3, 1),
        event_type="Battles",
        sub_event_type="Armed clash",
        place=place,
        actors=[(army, ActorRole.ACTOR1), (rebels, ActorRole.ACTOR2)],
    )
    assert assert_copies_exact() == 2
    assert set(event.event_actors.values_list("event_date", "status")) == {(dt.date(2020, 3, 1), "draft")}
    event_update(event=event, data={"event_date": dt.date(2019, 7, 4)}, expected_version=event.version)
    assert_copies_exact()
    event_update(
        event=event,
        data={"event_date": dt.date(2019, 7, 5)},
        expected_version=event.version,
        actors=[(rebels, ActorRole.ACTOR1), (army, ActorRole.ACTOR2), (army, ActorRole.ASSOC_ACTOR_2)],
    )
    assert assert_copies_exact() == 3
    CitationFactory(event=event)
    for step in (event_mark_reviewed, event_back_to_draft, event_mark_reviewed, event_publish, event_retract):
        event.refresh_from_db()
        kwargs = {"confirm_not_duplicate": True} if step in (event_mark_reviewed, event_publish) else {}
        step(event=event, by=reviewer, **kwargs)
        event.refresh_from_db()
        assert set(event.event_actors.values_list("status", flat=True)) == {event.status}
        assert_copies_exact()
    event_set_actors(event=event, actors=[(army, ActorRole.ACTOR1)])
    assert assert_copies_exact() == 1
    event_delete(event=event, by=reviewer)
    assert assert_copies_exact() == 0


def test_bulk_writes_and_direct_writes_keep_the_copies(army, rebels):
    events = [EventFactory(event_date=dt.date(2018, 1, 1 + n)) for n in range(4)]
    EventActor.objects.bulk_create(
        [EventActor(event=event, actor=army, role=ActorRole.ACTOR1) for event in events]
        + [EventActor(event=events[0], actor=rebels, role=ActorRole.ACTOR2)]
    )
    assert assert_copies_exact() == 5
    Event.objects.filter(pk__in=[e.pk for e in events[:2]]).update(
        status=Status.PUBLISHED, event_date=dt.date(2021, 2, 2)
    )
    assert_copies_exact()
    Event.objects.filter(pk=events[3].pk).update(fatalities=9)  # no copied column
    assert_copies_exact()
    # updated_at alone (what every save of an event changes): the copies follow it.
    moment = dt.datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    Event.objects.filter(pk__in=[e.pk for e in events]).update(updated_at=moment)
    assert set(EventActor.objects.values_list("updated_at", flat=True)) == {moment}
    assert_copies_exact()
    # Copies written directly, or a stale instance saved again, still read the event's values.
    long_ago = dt.datetime(1999, 1, 1, tzinfo=dt.UTC)
    EventActor.objects.filter(actor=army).update(
        status=Status.RETRACTED, event_date=long_ago.date(), updated_at=long_ago
    )
    assert_copies_exact()
    stale = EventActor.objects.get(event=events[0], actor=rebels)
    Event.objects.filter(pk=events[0].pk).update(status=Status.DRAFT)
    stale.position = 3
    stale.save()
    assert_copies_exact()
    # A row moved to another event takes that event's values.
    EventActor.objects.filter(pk=stale.pk).update(event=events[3])
    assert EventActor.objects.get(pk=stale.pk).event_date == events[3].event_date
    assert_copies_exact()


def test_the_admin_bulk_action_keeps_the_copies(client, reviewer, army):
    from django.urls import reverse

    event = EventFactory(complete=True)
    EventActorFactory(event=event, actor=army, role=ActorRole.ACTOR2)
    client.force_login(reviewer)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {
            "action": "set_field",
            "_selected_action": [event.pk],
            "apply": "yes",
            "field": "status",
            "status": "published",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert set(EventActor.objects.filter(event=event).values_list("status", flat=True)) == {"published"}
    assert_copies_exact()


def test_event_and_actor_merges_keep_the_copies(army, rebels, reviewer):
    place = PlaceFactory()
    survivor = EventFactory(place=place, status=Status.PUBLISHED, event_date=dt.date(2020, 5, 1))
    other = EventFactory(place=place, status=Status.PUBLISHED, event_date=dt.date(2020, 4, 30))
    EventActorFactory(event=survivor, actor=army, role=ActorRole.ACTOR1)
    EventActorFactory(event=other, actor=rebels, role=ActorRole.ACTOR2)
    EventActorFactory(event=other, actor=army, role=ActorRole.ASSOC_ACTOR_1)
    event_merge(survivor=survivor, other=other, by=reviewer)
    assert EventActor.objects.filter(event=survivor).count() >= 2
    assert_copies_exact()
    militia = ActorFactory(name="Militia")
    EventActorFactory(event=EventFactory(event_date=dt.date(2017, 1, 1)), actor=militia)
    actor_merge(survivor=army, others=[militia], by=reviewer)
    assert EventActor.objects.filter(actor=army, event_date=dt.date(2017, 1, 1)).exists()
    assert_copies_exact()


def test_imports_keep_the_copies(tmp_path):
    import_acled_file(write_synthetic(tmp_path / "acled.csv", 120), progress=False)
    assert assert_copies_exact() >= 120
    # The same ids with other dates, actors and sources: updates in bulk, actors rewritten.
    import_acled_file(write_synthetic(tmp_path / "again.csv", 120, seed=8), progress=False)
    assert_copies_exact()


def test_seed_demo_keeps_the_copies(db):
    call_command("seed_demo", events=60, seed=3, verbosity=0)
    assert assert_copies_exact() > 60
    if connection.vendor == "postgresql":  # the bulk path: indexes dropped, COPY, rebuilt
        demo_seed(events=80, seed=4, rebuild_indexes=True)
        assert assert_copies_exact() > 140


def test_check_event_actors_reports_a_difference_and_rebuild_repairs_it(army, capsys):
    event = EventFactory(status=Status.PUBLISHED)
    EventActorFactory(event=event, actor=army)
    call_command("check_event_actors")
    assert "equal their events'" in capsys.readouterr().out
    actor_copies.uninstall()  # as a database restored without its triggers would be
    EventActor.objects.update(status=Status.DRAFT)
    with pytest.raises(CommandError, match="differ from their events in 1 row"):
        call_command("check_event_actors")
    assert "copied_status=draft" in capsys.readouterr().err
    EventActor.objects.update(status=Status.PUBLISHED, updated_at=None)  # updated_at alone differs
    with pytest.raises(CommandError, match="differ from their events in 1 row"):
        call_command("check_event_actors")
    assert "copied_updated_at=None" in capsys.readouterr().err
    call_command("check_event_actors", "--rebuild")
    assert "Rewrote 1 row" in capsys.readouterr().out
    actor_copies.install()
    assert_copies_exact()
