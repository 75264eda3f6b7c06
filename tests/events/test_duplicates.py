"""Likely duplicates: scoring and its reasons, the threshold, "not a duplicate" decisions and when
they drop, the review gate (admin and API), the /duplicates/ endpoint, the admin queue, imports."""

import datetime as dt
import json
import math
import random

import pytest
from django.urls import reverse

from core.vocab import ActorRole, EventType, Status, SubEventType, TimePrecision
from events.duplicates import (
    DUPLICATE_THRESHOLD,
    PossibleDuplicates,
    duplicate_candidates,
    duplicate_candidates_of,
    duplicates_check,
    undecided_candidates,
)
from events.importers.acled import import_acled_file
from events.models import DuplicateDecision, Event
from events.services import event_mark_reviewed, event_publish
from places.models import Place, PlaceKind
from tests.acled_files import current_row, write_csv
from tests.api_helpers import client_for
from tests.factories import (
    ActorFactory,
    CitationFactory,
    CountryFactory,
    EventActorFactory,
    EventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2015, 11, 10)


@pytest.fixture
def places(db):
    syria = CountryFactory()
    homs = Place.objects.create(
        name="Homs", kind=PlaceKind.ADMIN1, parent=syria, latitude=34.7, longitude=36.7
    )
    return {
        "syria": syria,
        "homs": homs,
        "palmyra": Place.objects.create(
            name="Palmyra", kind=PlaceKind.LOCALITY, parent=homs, latitude=34.5601, longitude=38.2803
        ),
        # About 5 km north-east of Palmyra, not under it.
        "airbase": Place.objects.create(
            name="Tiyas", kind=PlaceKind.LOCALITY, parent=homs, latitude=34.60, longitude=38.31
        ),
        "aleppo": Place.objects.create(
            name="Aleppo", kind=PlaceKind.LOCALITY, parent=syria, latitude=36.2, longitude=37.16
        ),
    }


@pytest.fixture
def army():
    return ActorFactory(name="Military Forces of Syria (2000-2024)", kind=1)


@pytest.fixture
def isis():
    return ActorFactory(name="Islamic State (Syria)", kind=2)


def event(place, *, actors=(), **fields) -> Event:
    """An event at `place` on DAY (Battles / Armed clash, 4 fatalities unless told)."""
    defaults = {"event_date": DAY, "fatalities": 4}
    made = EventFactory(place=place, **{**defaults, **fields})
    for role, actor in actors:
        EventActorFactory(event=made, actor=actor, role=role)
    return made


@pytest.fixture
def original(places, army, isis):
    return event(places["palmyra"], actors=[(ActorRole.ACTOR1, army), (ActorRole.ACTOR2, isis)])


def only_candidate(of: Event):
    candidates = duplicate_candidates(event=of)
    assert len(candidates) == 1, candidates
    return candidates[0]


# -- scoring --------------------------------------------------------------------------------------


def test_the_same_event_coded_twice_scores_every_reason(original, places, army, isis):
    copy = event(places["palmyra"], actors=[(ActorRole.ACTOR1, army), (ActorRole.ACTOR2, isis)])
    candidate = only_candidate(copy)
    assert candidate.event_id == original.event_id
    assert candidate.score == 30 + 25 + 20 + 15 + 15 + 10
    assert candidate.reasons == (
        "same event type",
        "overlapping dates",
        "same place",
        "shared actor Islamic State (Syria)",
        "shared actor Military Forces of Syria (2000-2024)",
        "same fatalities (4)",
    )
    # The pair is seen from both sides.
    assert only_candidate(original).event_id == copy.event_id


def test_same_type_nearby_place_within_ten_km(original, places):
    nearby = event(places["airbase"], fatalities=0)
    candidate = only_candidate(nearby)
    assert candidate.score == 30 + 25 + 10
    assert candidate.reasons == ("same event type", "overlapping dates", "within 10 km")


def test_a_place_containing_the_other_counts_as_the_same_place(original, places, army):
    # Coded to the province, another type, one shared actor: exactly the threshold.
    vague = event(
        places["homs"],
        actors=[(ActorRole.ACTOR1, army)],
        event_type=EventType.EXPLOSIONS,
        sub_event_type=SubEventType.AIR_DRONE_STRIKE,
        fatalities=0,
    )
    candidate = only_candidate(vague)
    assert candidate.score == 25 + 20 + 15 == DUPLICATE_THRESHOLD
    assert candidate.reasons == (
        "overlapping dates",
        "place lies within this event's",
        "shared actor Military Forces of Syria (2000-2024)",
    )
    assert only_candidate(original).reasons[1] == "place encloses this event's"


def test_equal_fatalities_add_ten(original, places, army):
    fields = {"event_type": EventType.EXPLOSIONS, "sub_event_type": SubEventType.SHELLING}
    same = event(places["palmyra"], actors=[(ActorRole.ACTOR1, army)], fatalities=4, **fields)
    assert only_candidate(same).score == 25 + 20 + 15 + 10
    assert "same fatalities (4)" in only_candidate(same).reasons


def test_below_the_threshold_is_not_a_candidate(original, places, army):
    # Another type, nearby, one shared actor, other fatalities: 25 + 10 + 15 = 50.
    event(
        places["airbase"],
        actors=[(ActorRole.ACTOR1, army)],
        event_type=EventType.EXPLOSIONS,
        sub_event_type=SubEventType.SHELLING,
        fatalities=0,
    )
    assert duplicate_candidates(event=original) == []


def test_periods_overlap_by_time_precision(original, places, army, isis):
    actors = [(ActorRole.ACTOR1, army), (ActorRole.ACTOR2, isis)]
    week = event(places["palmyra"], actors=actors, event_date=DAY + dt.timedelta(days=3), time_precision=2)
    month = event(places["palmyra"], actors=actors, event_date=dt.date(2015, 11, 28), time_precision=3)
    later_day = event(places["palmyra"], actors=actors, event_date=DAY + dt.timedelta(days=4))
    found = {candidate.event_id for candidate in duplicate_candidates(event=original)}
    assert found == {week.event_id, month.event_id}
    # The same type, place and actors on days that cannot overlap are a pattern, not a duplicate.
    assert later_day.event_id not in found


def test_far_away_places_are_never_candidates(original, places, army, isis):
    # Same day, type, actors and fatalities in another city: not the same incident.
    event(places["aleppo"], actors=[(ActorRole.ACTOR1, army), (ActorRole.ACTOR2, isis)])
    assert duplicate_candidates(event=original) == []


def test_retracted_events_are_not_candidates(original, places):
    event(places["palmyra"], status=Status.RETRACTED)
    assert duplicate_candidates(event=original) == []


def test_the_save_path_lookup_is_one_statement(original, places, django_assert_num_queries):
    event(places["palmyra"])
    with django_assert_num_queries(1):
        assert len(duplicate_candidates(event=original)) == 1


# -- decisions and the gate ------------------------------------------------------------------------


@pytest.fixture
def pair(original, places, army):
    """The original and a copy sharing its type, place and actor 1 (score 90)."""
    return original, event(places["palmyra"], actors=[(ActorRole.ACTOR1, army)], fatalities=0)


def test_the_gate_names_the_candidates_and_records_a_confirmation(pair, curator):
    original, copy = pair
    with pytest.raises(PossibleDuplicates) as refused:
        duplicates_check(event=copy, by=curator)
    assert original.event_id in str(refused.value) and "confirm_not_duplicate" in str(refused.value)
    duplicates_check(event=copy, by=curator, confirm_not_duplicate=True)
    decision = DuplicateDecision.objects.get()
    assert (decision.event_a_id, decision.event_b_id) == (original.pk, copy.pk)
    assert decision.decided_by == curator and decision.decided_at
    duplicates_check(event=copy, by=curator)  # not asked again
    duplicates_check(event=original, by=curator)  # one decision per unordered pair


@pytest.mark.parametrize(
    "change",
    [
        {"event_date": DAY + dt.timedelta(days=1), "time_precision": TimePrecision.WEEK},
        {"place": "homs"},
        {"event_type": EventType.RIOTS, "sub_event_type": SubEventType.MOB_VIOLENCE},
    ],
    ids=["date", "place", "type"],
)
def test_a_decision_drops_when_date_place_or_type_changes(pair, curator, places, change):
    original, copy = pair
    duplicates_check(event=copy, by=curator, confirm_not_duplicate=True)
    for name, value in change.items():
        setattr(original, name, places[value] if name == "place" else value)
    original.save()
    assert undecided_candidates(event=copy), "still a candidate after the change"
    assert not DuplicateDecision.objects.exists()
    with pytest.raises(PossibleDuplicates):
        duplicates_check(event=copy, by=curator)


def test_other_changes_keep_the_decision(pair, curator):
    original, copy = pair
    duplicates_check(event=copy, by=curator, confirm_not_duplicate=True)
    original.notes = "More detail from a second source."
    original.save()
    duplicates_check(event=copy, by=curator)
    assert DuplicateDecision.objects.count() == 1


def test_mark_reviewed_and_publish_wait_for_the_decision(pair, curator, reviewer):
    _, copy = pair
    CitationFactory(event=copy)
    with pytest.raises(PossibleDuplicates):
        event_mark_reviewed(event=copy, by=curator)
    event_mark_reviewed(event=copy, by=curator, confirm_not_duplicate=True)
    event_publish(event=copy, by=reviewer)
    copy.refresh_from_db()
    assert copy.status == Status.PUBLISHED


def test_admin_mark_reviewed_is_refused_until_not_duplicates_is_recorded(pair, client, curator):
    original, copy = pair
    client.force_login(curator)
    changelist = reverse("admin:events_event_changelist")
    action = {"action": "mark_reviewed", "_selected_action": [copy.pk]}
    response = client.post(changelist, action, follow=True)
    text = response.content.decode()
    assert f"{copy.event_id} may duplicate {original.event_id}" in text
    copy.refresh_from_db()
    assert copy.status == Status.DRAFT
    # The change page lists the candidate with a link and the buttons.
    page = client.get(reverse("admin:events_event_change", args=[copy.pk])).content.decode()
    assert reverse("admin:events_event_change", args=[original.pk]) in page
    assert "Not a duplicate" in page and "score 90" in page
    decide = reverse("admin:events_event_duplicates_decide")
    assert client.get(decide).status_code == 405
    client.post(decide, {"pair": f"{copy.pk},{original.pk}"})
    client.post(changelist, action)
    copy.refresh_from_db()
    assert copy.status == Status.REVIEWED


def test_api_publish_is_refused_then_confirmed(pair, reviewer):
    original, copy = pair
    CitationFactory(event=copy)
    client = client_for(reviewer)
    url = f"/api/v1/events/{copy.event_id}/publish/"
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400
    assert original.event_id in json.dumps(refused.json())
    assert client.post(url, {"confirm_not_duplicate": "maybe"}, format="json").status_code == 400
    done = client.post(url, {"confirm_not_duplicate": True}, format="json")
    assert done.status_code == 200 and done.json()["status"] == Status.PUBLISHED
    assert DuplicateDecision.objects.filter(decided_by=reviewer).count() == 1


# -- the API endpoint -------------------------------------------------------------------------------


def test_api_lists_the_candidates_for_staff(pair, viewer, django_assert_max_num_queries):
    original, copy = pair
    client = client_for(viewer)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/events/{copy.event_id}/duplicates/")
    assert response.status_code == 200
    [row] = response.json()
    assert row["event_id"] == original.event_id
    assert row["score"] == 90 and row["reasons"][0] == "same event type"
    assert row["place"] == "Palmyra" and row["confirmed_not_duplicate"] is False


def test_api_duplicates_are_staff_only(pair, db):
    original, _ = pair
    Event.objects.filter(pk=original.pk).update(status=Status.PUBLISHED)
    url = f"/api/v1/events/{original.event_id}/duplicates/"
    assert client_for(None).get(url).status_code in (401, 403)
    no_role = UserFactory(username="nobody", is_staff=False)
    assert client_for(no_role).get(url).status_code in (403, 404)


def test_the_endpoint_is_in_the_openapi_schema(db):
    schema = client_for(None).get("/api/schema/", {"format": "json"}).json()
    assert "/api/v1/events/{event_id}/duplicates/" in schema["paths"]


# -- the queue -------------------------------------------------------------------------------------


def test_the_queue_shows_pairs_side_by_side_and_forgets_decided_ones(pair, client, viewer, curator):
    original, copy = pair
    queue = reverse("admin:events_event_duplicates")
    client.force_login(viewer)
    page = client.get(queue).content.decode()
    assert original.event_id in page and copy.event_id in page and "Score 90" in page
    assert 'value="Not duplicates"' not in page and 'value="Merge"' not in page  # a viewer only looks
    assert client.post(reverse("admin:events_event_duplicates_decide"), {"pair": "1,2"}).status_code == 403
    client.force_login(curator)
    page = client.get(queue).content.decode()
    assert 'value="Not duplicates"' in page and 'value="Merge"' in page
    response = client.post(
        reverse("admin:events_event_duplicates_decide"), {"pair": f"{original.pk},{copy.pk}", "next": queue}
    )
    assert response.status_code == 302 and response["Location"] == queue
    assert "No possible duplicates" in client.get(queue).content.decode()


def test_the_queue_refuses_a_malformed_pair_clearly(client, curator):
    client.force_login(curator)
    response = client.post(reverse("admin:events_event_duplicates_decide"), {"pair": "x"}, follow=True)
    assert "pair must be two different event numbers" in response.content.decode().lower()


# -- imports ---------------------------------------------------------------------------------------


def test_imports_report_likely_duplicates_per_row_and_publish_anyway(tmp_path, db):
    rows = [
        current_row(event_id_cnty="SYR1001"),
        current_row(event_id_cnty="SYR1002", notes="The same clash, from another source."),
        current_row(event_id_cnty="SYR1003", event_date="2015-12-24", location="Qaryatayn"),
    ]
    path = write_csv(tmp_path / "acled.csv", list(rows[0]), rows)
    outcome = import_acled_file(path, progress=False)
    batch = outcome.batch
    assert batch.state == "committed" and batch.created == 3 and batch.errors == []
    assert Event.objects.filter(status=Status.PUBLISHED).count() == 3
    assert [(entry["row"], entry["event_id"]) for entry in batch.duplicates] == [
        (2, "SYR1001"),
        (3, "SYR1002"),
    ]
    assert batch.duplicates[0]["note"].startswith("likely duplicate of SYR1002 (score 115: same event type")
    assert "2 rows may duplicate other events" in outcome.summary()
    # Re-importing the unchanged file compares nothing and reports nothing.
    assert import_acled_file(path, progress=False).batch.duplicates == []


def test_the_queue_page_costs_the_same_queries_for_one_pair_or_many(
    places, army, client, curator, django_assert_max_num_queries
):
    queue = reverse("admin:events_event_duplicates")
    client.force_login(curator)
    event(places["palmyra"], actors=[(ActorRole.ACTOR1, army)])
    event(places["palmyra"], actors=[(ActorRole.ACTOR1, army)])
    with django_assert_max_num_queries(12) as one:
        assert client.get(queue).content.decode().count("Score ") == 1
    for _ in range(3):
        event(places["airbase"], actors=[(ActorRole.ACTOR1, army)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(queue).content.decode().count("Score ") == 10


def test_the_queue_is_closed_to_anonymous_callers_and_staff_without_a_role(pair, client):
    original, copy = pair
    urls = [
        reverse("admin:events_event_duplicates"),
        f"{reverse('admin:events_event_duplicates_merge')}?pair={original.pk},{copy.pk}",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory(username="no-role", is_staff=True))
    for url in urls:
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("admin:events_event_duplicates_decide"), {"pair": f"{original.pk},{copy.pk}"}
    )
    assert response.status_code == 403 and not DuplicateDecision.objects.exists()


# -- the statement against its plain version ------------------------------------------------------


def _plain_candidates(events: list[Event], actors: dict[int, set[int]]) -> set[tuple]:
    """Every pair the rules in events.duplicates describe, scored in Python over all events."""
    found = set()
    km = 10 / 111.32
    for a in events:
        for b in events:
            if b.pk == a.pk or b.status == Status.RETRACTED:
                continue
            window = (
                a.period_start - dt.timedelta(days=31) <= b.event_date <= a.period_end + dt.timedelta(days=31)
            )
            if not (window and b.period_start <= a.period_end and b.period_end >= a.period_start):
                continue
            pa, pb = a.place, b.place
            if pa.pk == pb.pk or pa.path.startswith(pb.path) or pb.path.startswith(pa.path):
                place_points = 20
            elif (
                None not in (pa.latitude, pb.latitude, pa.longitude, pb.longitude)
                and abs(pb.latitude - pa.latitude) <= km
                and abs(pb.longitude - pa.longitude) * math.cos(math.radians(pa.latitude)) <= km
            ):
                place_points = 10
            else:
                continue
            score = 25 + place_points + 15 * len(actors[a.pk] & actors[b.pk])
            score += 30 * (a.event_type == b.event_type) + 10 * (a.fatalities == b.fatalities)
            if score >= DUPLICATE_THRESHOLD:
                found.add((a.pk, b.pk, score))
    return found


def test_the_pairs_statement_finds_what_the_rules_say_over_a_random_world(db):
    """Places at every level, some a few km apart; events with day, week and month precision,
    end dates, every status, shared actors: the one statement (places first, then each place's
    window) finds exactly the pairs a plain scoring of every pair of events finds."""
    rng = random.Random(20261205)
    country = CountryFactory()
    regions = [
        Place.objects.create(
            name=f"Region {i}", kind=PlaceKind.ADMIN1, parent=country, latitude=30 + i, longitude=40
        )
        for i in range(2)
    ]
    towns = []
    for i in range(10):
        region = regions[i % 2]
        # Pairs of towns 0–15 km apart around the region's point, some without coordinates.
        lat = region.latitude + (i // 2) * 0.05 + rng.choice([0, 0.03, 0.12])
        towns.append(
            Place.objects.create(
                name=f"Town {i}",
                kind=PlaceKind.LOCALITY,
                parent=region,
                latitude=None if i == 9 else lat,
                longitude=None if i == 9 else 40 + rng.choice([0, 0.05, 0.2]),
            )
        )
    places_ = [country, *regions, *towns]
    actors_ = [ActorFactory(name=f"Actor {i}") for i in range(4)]
    kinds = [
        (EventType.BATTLES, SubEventType.ARMED_CLASH),
        (EventType.EXPLOSIONS, SubEventType.AIR_DRONE_STRIKE),
    ]
    made = []
    for _ in range(70):
        event_type, sub_event_type = rng.choice(kinds)
        day = DAY + dt.timedelta(days=rng.randint(0, 60))
        made.append(
            EventFactory(
                place=rng.choice(places_),
                event_date=day,
                time_precision=rng.choice([1, 1, 1, 2, 3]),
                end_date=day + dt.timedelta(days=rng.randint(1, 70)) if rng.random() < 0.1 else None,
                event_type=event_type,
                sub_event_type=sub_event_type,
                fatalities=rng.choice([0, 0, 2, 4]),
                status=rng.choice(
                    [Status.DRAFT, Status.REVIEWED, Status.PUBLISHED, Status.PUBLISHED, Status.RETRACTED]
                ),
            )
        )
    actors = {}
    for event_ in made:
        chosen = rng.sample(actors_, rng.randint(0, 2))
        for role, actor in zip((ActorRole.ACTOR1, ActorRole.ACTOR2), chosen, strict=False):
            EventActorFactory(event=event_, actor=actor, role=role)
        actors[event_.pk] = {actor.pk for actor in chosen}
    events = list(Event.objects.select_related("place"))
    expected = _plain_candidates(events, actors)
    assert len(expected) > 20  # the world is dense enough to test something
    found = duplicate_candidates_of(event_pks=[event_.pk for event_ in events])
    assert {(a, c.pk, c.score) for a, candidates in found.items() for c in candidates} == expected
