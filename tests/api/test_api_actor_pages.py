"""An actor's page-number pages, read from the event actors' rows (events.selectors.actor_event_ids),
equal the plain path's for every role, status filter and order the API offers.

The plain path is the same request plus `fatalities_min=0`: a filter every event passes, which only
the events can answer, so the page is found through the events as before.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.vocab import ActorRole, Status
from events.models import Event
from tests.api_helpers import client_for
from tests.factories import ActorFactory, EventActorFactory, EventFactory

URL = "/api/v1/events/"
STATUSES = [Status.PUBLISHED, Status.DRAFT, Status.PUBLISHED, Status.REVIEWED, Status.RETRACTED]


@pytest.fixture
def army(db):
    """An actor in 30 events of every status, on 5 dates (ties broken by id), holding two roles
    in some; another actor with some of them; events of neither."""
    army = ActorFactory(name="Military Forces of Syria (1980-2020)")
    rebels = ActorFactory(name="Free Syrian Army")
    for number in range(30):
        event = EventFactory(
            event_date=dt.date(2016, 1 + number % 5, 1),
            status=STATUSES[number % len(STATUSES)],
            fatalities=number % 4,
        )
        EventActorFactory(event=event, actor=army, role=ActorRole.ACTOR1)
        if number % 3 == 0:
            EventActorFactory(event=event, actor=army, role=ActorRole.ASSOC_ACTOR_1)  # two roles
        if number % 4 == 0:
            EventActorFactory(event=event, actor=rebels, role=ActorRole.ACTOR2)
    for _ in range(5):
        EventActorFactory(event=EventFactory(status=Status.PUBLISHED), actor=rebels)
        EventFactory(status=Status.PUBLISHED, event_date=dt.date(2016, 2, 1))
    return army


def users(viewer):
    signed_in = get_user_model().objects.create_user(username="no-role", password="x")
    return {"anonymous": None, "viewer": viewer, "signed in, no role": signed_in}


def pages(client, params: dict) -> tuple[int, list[dict]]:
    """The count and every row of every page of a request, following `next`."""
    response = client.get(URL, {**params, "page_size": 4})
    assert response.status_code == 200, response.content
    body = response.json()
    count, rows = body["count"], list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        rows += body["results"]
    return count, rows


def read_from_event_actors(queries) -> bool:
    return any('"events_eventactor"."event_date"' in query["sql"] for query in queries)


@pytest.mark.parametrize(
    ("ordering", "fast"),
    [("", True), ("-event_date", True), ("event_date", True), ("fatalities", False), ("-updated_at", False)],
)
def test_an_actors_pages_equal_the_plain_path(army, viewer, ordering, fast):
    wrong = []
    for (who, user), status in itertools.product(
        users(viewer).items(), [None, "draft", "published,retracted"]
    ):
        client = client_for(user)
        params = {"actor": army.pk}
        if ordering:
            params["ordering"] = ordering
        if status:
            params["status"] = status
        with CaptureQueriesContext(connection) as queries:
            got = pages(client, params)
        # (No statement at all when the status asked for is not one the user may see.)
        assert read_from_event_actors(queries) is fast or got == (0, [])
        expected = pages(client, {**params, "fatalities_min": 0})
        if got != expected:
            wrong.append(f"{who} {params}: {got[0]} rows {[r['event_id'] for r in got[1]]}, expected "
                         f"{expected[0]} {[r['event_id'] for r in expected[1]]}")  # fmt: skip
        assert got[0] == len({row["event_id"] for row in got[1]})  # each event once, counted once
    assert wrong == []


@pytest.fixture
def shared(army):
    """An actor named as the army's id (`actor=<id>` matches both), with three events of its own and
    one shared with the army: the shared event."""
    namesake = ActorFactory(name=str(army.pk))
    for event in EventFactory.create_batch(3, status=Status.PUBLISHED):
        EventActorFactory(event=event, actor=namesake, role=ActorRole.ACTOR2)
    shared = EventFactory(status=Status.PUBLISHED)
    EventActorFactory(event=shared, actor=army)
    EventActorFactory(event=shared, actor=namesake, role=ActorRole.ACTOR2)
    return shared


def test_a_name_several_actors_match_lists_their_shared_events_once(army, viewer, shared):
    for user in (None, viewer):
        client = client_for(user)
        with CaptureQueriesContext(connection) as queries:
            got = pages(client, {"actor": army.pk})
        assert read_from_event_actors(queries)
        assert got == pages(client, {"actor": army.pk, "fatalities_min": 0})
        assert [row["event_id"] for row in got[1]].count(shared.event_id) == 1


def test_other_filters_with_the_actor_take_the_plain_path(army):
    client = client_for(None)
    with CaptureQueriesContext(connection) as queries:
        count, rows = pages(client, {"actor": army.pk, "year": 2016})
    assert not read_from_event_actors(queries)
    assert count == len(rows) == 12  # the published ones


def test_beyond_the_gathering_limit_the_page_walks_as_before(army, viewer, monkeypatch):
    import events.paging

    expected = pages(client_for(viewer), {"actor": army.pk})
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 5)
    assert pages(client_for(viewer), {"actor": army.pk}) == expected
    assert expected[0] == 30


def test_an_actors_page_costs_no_more_queries(army, django_assert_max_num_queries):
    client = client_for(None)
    # The actor looked up (by the filter, then by the page), the page's ids with the count, its
    # rows, their actors and their citations.
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"actor": army.pk, "page_size": 5})
    assert response.json()["count"] == 12


# Cursor pages (`pagination=cursor`): read from the event actors' copies of updated_at on
# PostgreSQL (events.selectors.actor_cursor_ids), by walking (updated_at, id) elsewhere.


def cursor_pages(client, params: dict) -> list[str]:
    """The event ids of every cursor page of a request, following `next` (4 rows a page)."""
    response = client.get(URL, {**params, "pagination": "cursor", "page_size": 4})
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [row["event_id"] for row in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        ids += [row["event_id"] for row in body["results"]]
    return ids


def read_from_cursor_copies(queries) -> bool:
    return any("ea.updated_at" in query["sql"] for query in queries)


@pytest.fixture
def tied(army):
    """The army's events updated at three moments only (ties broken by id), in an order that is
    neither their ids' nor their dates'."""

    events = list(Event.objects.filter(event_actors__actor=army).distinct().order_by("-event_date", "id"))
    moments = [dt.datetime(2025, 1, day, 12, tzinfo=dt.UTC) for day in (3, 1, 2)]
    for index, event in enumerate(events):
        Event.objects.filter(pk=event.pk).update(updated_at=moments[index % 3])
    return army


def test_an_actors_cursor_pages_equal_the_walked_pages(tied, viewer):
    wrong = []
    statuses = [None, "draft", "published,retracted"]
    for (who, user), status in itertools.product(users(viewer).items(), statuses):
        client = client_for(user)
        params = {"actor": tied.pk, **({"status": status} if status else {})}
        with CaptureQueriesContext(connection) as queries:
            got = cursor_pages(client, params)
        if connection.vendor == "postgresql" and got:
            assert read_from_cursor_copies(queries)
        expected = cursor_pages(client, {**params, "fatalities_min": 0})
        if got != expected:
            wrong.append(f"{who} {params}: {got}, expected {expected}")
        assert len(got) == len(set(got))  # an actor in two roles: its event once
    assert wrong == []
    assert len(cursor_pages(client_for(None), {"actor": tied.pk})) == 12  # the published ones


def test_an_actors_cursor_pages_follow_an_event_s_update(tied):
    """An event saved again moves to the end of the cursor's order, on its actors' rows too."""

    client = client_for(None)
    before = cursor_pages(client, {"actor": tied.pk})
    moved = Event.objects.get(event_id=before[0])
    moved.notes = "Updated."
    moved.save()
    after = cursor_pages(client, {"actor": tied.pk})
    assert after == before[1:] + before[:1] == cursor_pages(client, {"actor": tied.pk, "fatalities_min": 0})
    Event.objects.filter(pk=moved.pk).update(status=Status.DRAFT)  # unpublished: gone from its pages
    assert cursor_pages(client, {"actor": tied.pk}) == before[1:]
    moved.delete()
    assert cursor_pages(client_for(None), {"actor": tied.pk}) == before[1:]


def test_a_name_several_actors_match_lists_their_shared_events_once_on_cursor_pages(army, viewer, shared):
    for user in (None, viewer):
        client = client_for(user)
        got = cursor_pages(client, {"actor": army.pk})
        assert got == cursor_pages(client, {"actor": army.pk, "fatalities_min": 0})
        assert got.count(shared.event_id) == 1


def test_an_actors_cursor_page_costs_no_more_queries(army, django_assert_max_num_queries):
    client = client_for(None)
    first = client.get(URL, {"actor": army.pk, "pagination": "cursor", "page_size": 5}).json()
    # The actor looked up (by the filter, then by the page), the page's rows, their actors and
    # their citations.
    with django_assert_max_num_queries(5):
        response = client.get(first["next"])
    assert len(response.json()["results"]) == 5
