"""Merges: duplicate events (tombstone with merged_into, citations and actors moved, history),
actors and places (every reference re-pointed, aliases, refusals that leave the database as it was)."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from actors.models import Actor, ActorRelation
from actors.services import actor_merge
from core.vocab import ActorRelationKind, ActorRole, RetractionReason, Status
from events.merges import event_merge
from events.models import Citation, DuplicateDecision, Event, EventActor, Tombstone
from places.models import Place, PlaceKind
from places.services import place_merge
from tests.api_helpers import client_for
from tests.factories import (
    ActorFactory,
    CitationFactory,
    CountryFactory,
    EventActorFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

TABLES = (Event, EventActor, Citation, Tombstone, Actor, ActorRelation, Place)


def checksum() -> str:
    """A digest of every row of the tables a merge touches, history tables included."""
    digest = hashlib.sha256()
    for model in TABLES:
        for history_model in (model, getattr(model, "history", None) and model.history.model):
            if history_model:
                digest.update(repr(list(history_model.objects.order_by("pk").values_list())).encode())
    return digest.hexdigest()


# -- events --------------------------------------------------------------------------------------


@pytest.fixture
def duplicates(db):
    place = PlaceFactory(name="Palmyra")
    army, isis, militia = (ActorFactory(name=name) for name in ("Army", "IS", "Militia"))
    source = SourceFactory(name="SOHR")
    survivor = EventFactory(place=place, status=Status.PUBLISHED)
    other = EventFactory(place=place, status=Status.PUBLISHED)
    EventActorFactory(event=survivor, actor=army, role=ActorRole.ACTOR1)
    EventActorFactory(event=other, actor=army, role=ActorRole.ACTOR1)  # already there: skipped
    EventActorFactory(event=other, actor=militia, role=ActorRole.ACTOR2)  # moves as actor 2
    EventActorFactory(event=other, actor=isis, role=ActorRole.ASSOC_ACTOR_1)
    CitationFactory(event=survivor, source=source, quote="Clashes in Palmyra.")
    CitationFactory(event=other, source=source, quote="Clashes in Palmyra.")  # exact duplicate
    CitationFactory(event=other, source=source, quote="Four killed.", reported_fatalities=4)
    DuplicateDecision.objects.create(event_a=survivor, event_b=other, a_key="x", b_key="y")
    return survivor, other


def test_merging_moves_citations_and_actors_and_leaves_a_tombstone(duplicates, reviewer):
    survivor, other = duplicates
    event_merge(survivor=survivor, other=other, by=reviewer)
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert sorted(survivor.citations.values_list("quote", flat=True)) == [
        "Clashes in Palmyra.",
        "Four killed.",
    ]
    assert list(other.citations.values_list("quote", flat=True)) == ["Clashes in Palmyra."]
    roles = list(survivor.event_actors.order_by("role", "position").values_list("role", "actor__name"))
    assert roles == [("actor1", "Army"), ("actor2", "Militia"), ("assoc_actor_1", "IS")]
    assert survivor.interaction == 22 and survivor.version == 2
    assert other.status == Status.RETRACTED and other.merged_into == survivor
    assert other.retraction_reason == RetractionReason.DUPLICATE
    tombstone = Tombstone.objects.get(event_id=other.event_id)
    assert tombstone.merged_into == survivor.event_id
    assert not DuplicateDecision.objects.exists()
    # History rows for both events and for what moved.
    reason = f"Merged {other.event_id} into {survivor.event_id}"
    assert survivor.history.filter(history_change_reason=reason).count() == 1
    assert other.history.filter(history_change_reason=reason, status=Status.RETRACTED).count() == 1
    assert Citation.history.filter(history_change_reason=reason).count() == 1
    assert EventActor.history.filter(history_change_reason=reason).count() == 2


def test_the_feeds_list_the_merged_event(duplicates, reviewer):
    survivor, other = duplicates
    event_merge(survivor=survivor, other=other, by=reviewer)
    feed = client_for(None).get("/api/v1/events/tombstones/").json()["results"]
    assert [(row["event_id"], row["reason"], row["merged_into"]) for row in feed] == [
        (other.event_id, "duplicate", survivor.event_id)
    ]
    response = Client().get("/api/deleted/read")
    deleted = json.loads(b"".join(response.streaming_content))["data"]
    assert [row["event_id_cnty"] for row in deleted] == [other.event_id]
    assert "merged_into" not in deleted[0]
    # The merged event is gone from the public list; the survivor stays.
    listed = [row["event_id"] for row in client_for(None).get("/api/v1/events/").json()["results"]]
    assert listed == [survivor.event_id]


def test_a_merged_draft_leaves_no_public_tombstone(db, curator):
    survivor, other = EventFactory(), EventFactory()
    event_merge(survivor=survivor, other=other, by=curator)
    assert not Tombstone.objects.exists()
    assert Event.objects.get(pk=other.pk).merged_into_id == survivor.pk


def test_curators_merge_drafts_only(duplicates, curator):
    survivor, other = duplicates
    before = checksum()
    with pytest.raises(PermissionDenied):
        event_merge(survivor=survivor, other=other, by=curator)
    assert checksum() == before


def test_a_published_event_is_not_merged_into_a_draft(duplicates, reviewer):
    survivor, other = duplicates
    Event.objects.filter(pk=survivor.pk).update(status=Status.DRAFT)
    before = checksum()
    with pytest.raises(ValidationError, match="keep the published event"):
        event_merge(survivor=survivor, other=other, by=reviewer)
    assert checksum() == before


def test_a_merged_event_cannot_be_merged_again(duplicates, reviewer):
    survivor, other = duplicates
    event_merge(survivor=survivor, other=other, by=reviewer)
    with pytest.raises(ValidationError, match="retracted"):
        event_merge(survivor=survivor, other=other, by=reviewer)


def test_admin_merge_page_chooses_the_survivor(duplicates, client, reviewer, curator):
    survivor, other = duplicates
    url = reverse("admin:events_event_duplicates_merge")
    pair = f"{other.pk},{survivor.pk}"
    client.force_login(curator)
    assert client.get(url, {"pair": pair}).status_code == 403  # published: reviewers only
    client.force_login(reviewer)
    page = client.get(url, {"pair": pair}).content.decode()
    assert f"Keep {survivor.event_id}" in page and "Four killed." in page
    response = client.post(url, {"pair": pair, "survivor": survivor.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[survivor.pk])
    assert Event.objects.get(pk=other.pk).merged_into_id == survivor.pk


# -- actors --------------------------------------------------------------------------------------


@pytest.fixture
def actors(db):
    kept = ActorFactory(name="Islamic State (Syria)", aliases="ISIS")
    gone = ActorFactory(name="IS (Syria)", aliases="Daesh\nISIS")
    ally, unit = ActorFactory(name="Ally"), ActorFactory(name="Unit")
    unit.parent = gone
    unit.save()
    ActorRelation.objects.create(subject=gone, object=ally, kind=ActorRelationKind.ALLIED_WITH)
    ActorRelation.objects.create(subject=kept, object=ally, kind=ActorRelationKind.ALLIED_WITH)
    ActorRelation.objects.create(subject=unit, object=gone, kind=ActorRelationKind.MEMBER_OF)
    events = [EventFactory(), EventFactory()]
    for event in events:
        EventActorFactory(event=event, actor=gone, role=ActorRole.ACTOR2)
    return kept, gone, ally, unit, events


def test_merging_actors_repoints_every_reference(actors, curator):
    kept, gone, ally, unit, events = actors
    actor_merge(survivor=kept, others=[gone], by=curator)
    kept.refresh_from_db()
    unit.refresh_from_db()
    assert not Actor.objects.filter(pk=gone.pk).exists()
    assert kept.alias_list == ["ISIS", "IS (Syria)", "Daesh"]
    assert unit.parent == kept
    assert EventActor.objects.filter(actor=kept).count() == 2
    relations = sorted(ActorRelation.objects.values_list("subject__name", "kind", "object__name"))
    assert relations == [
        ("Islamic State (Syria)", "allied_with", "Ally"),  # the duplicate relation went once
        ("Unit", "member_of", "Islamic State (Syria)"),
    ]
    reason = "Merged actor IS (Syria) into Islamic State (Syria)"
    assert EventActor.history.filter(history_change_reason=reason).count() == 2
    assert Actor.history.filter(history_change_reason=reason, history_type="-", name="IS (Syria)").exists()
    assert ActorRelation.history.filter(history_change_reason=reason).count() == 2


def test_actors_in_the_same_event_are_not_merged(actors, curator):
    kept, gone, _, _, events = actors
    EventActorFactory(event=events[1], actor=kept, role=ActorRole.ACTOR1)
    before = checksum()
    with pytest.raises(ValidationError) as refused:
        actor_merge(survivor=kept, others=[gone], by=curator)
    assert events[1].event_id in str(refused.value) and events[0].event_id not in str(refused.value)
    assert checksum() == before


def test_related_actors_are_not_merged_into_a_self_relation(actors, curator):
    kept, gone, _, _, _ = actors
    ActorRelation.objects.create(subject=gone, object=kept, kind=ActorRelationKind.SPLINTER_OF)
    before = checksum()
    with pytest.raises(ValidationError, match="to itself"):
        actor_merge(survivor=kept, others=[gone], by=curator)
    assert checksum() == before


def test_the_admin_action_confirms_then_merges_actors(actors, client, curator):
    kept, gone, _, _, events = actors
    client.force_login(curator)
    url = reverse("admin:actors_actor_changelist")
    selected = {"action": "merge_selected", "_selected_action": [kept.pk, gone.pk]}
    page = client.post(url, selected).content.decode()
    assert "Choose the actor to keep" in page and 'name="survivor"' in page
    response = client.post(url, {**selected, "apply": "yes", "survivor": kept.pk}, follow=True)
    assert "Merged IS (Syria) into Islamic State (Syria)" in response.content.decode()
    assert not Actor.objects.filter(pk=gone.pk).exists()


def test_the_admin_action_reports_a_refusal_and_changes_nothing(actors, client, curator):
    kept, gone, _, _, events = actors
    EventActorFactory(event=events[0], actor=kept, role=ActorRole.ACTOR1)
    client.force_login(curator)
    before = checksum()
    url = reverse("admin:actors_actor_changelist")
    selected = {"action": "merge_selected", "_selected_action": [kept.pk, gone.pk]}
    assert events[0].event_id in client.post(url, selected).content.decode()  # warned up front
    response = client.post(url, {**selected, "apply": "yes", "survivor": kept.pk}, follow=True)
    assert "Nothing was merged" in response.content.decode()
    assert checksum() == before


# -- places --------------------------------------------------------------------------------------


@pytest.fixture
def towns(db):
    syria = CountryFactory()
    homs = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN1, parent=syria)
    kept = Place.objects.create(name="Palmyra", kind=PlaceKind.LOCALITY, parent=homs)
    gone = Place.objects.create(name="Tadmur", kind=PlaceKind.LOCALITY, parent=homs)
    site = Place.objects.create(name="Airbase", kind=PlaceKind.SITE, parent=gone)
    event = EventFactory(place=gone, status=Status.PUBLISHED)
    return kept, gone, site, event


def test_merging_places_repoints_events_and_sub_places(towns, curator):
    kept, gone, site, event = towns
    stamp = Event.objects.get(pk=event.pk).updated_at
    place_merge(survivor=kept, others=[gone], by=curator)
    event.refresh_from_db()
    site.refresh_from_db()
    kept.refresh_from_db()
    assert event.place == kept and event.version == 2 and event.updated_at > stamp
    assert site.parent == kept and site.path == f"{kept.path}{site.pk}/"
    assert kept.alias_list == ["Tadmur"]
    assert not Place.objects.filter(pk=gone.pk).exists()
    reason = "Merged place Tadmur, Homs, Syria into Palmyra, Homs, Syria"
    assert event.history.filter(history_change_reason=reason).count() == 1
    assert Place.history.filter(history_change_reason=reason, history_type="-").count() == 1


def test_places_whose_sub_places_clash_are_not_merged(towns, curator):
    kept, gone, site, _ = towns
    Place.objects.create(name="Airbase", kind=PlaceKind.SITE, parent=kept)
    before = checksum()
    with pytest.raises(ValidationError, match="named Airbase"):
        place_merge(survivor=kept, others=[gone], by=curator)
    assert checksum() == before


def test_a_place_is_not_merged_with_one_above_it(towns, curator):
    kept, gone, site, _ = towns
    before = checksum()
    with pytest.raises(ValidationError, match="lies under"):
        place_merge(survivor=site, others=[gone], by=curator)
    assert checksum() == before


def test_the_place_admin_action_merges(towns, client, curator):
    kept, gone, _, event = towns
    client.force_login(curator)
    url = reverse("admin:places_place_changelist")
    selected = {"action": "merge_selected", "_selected_action": [kept.pk, gone.pk]}
    assert "Choose the place to keep" in client.post(url, selected).content.decode()
    client.post(url, {**selected, "apply": "yes", "survivor": kept.pk})
    assert Event.objects.get(pk=event.pk).place_id == kept.pk
    assert client.get(url, {"q": "Tadmur"}).content.decode().count("Palmyra") >= 1  # found by alias


def test_merge_pages_query_counts_do_not_grow_with_rows(
    actors, client, curator, django_assert_max_num_queries
):
    kept, gone, _, _, _ = actors
    client.force_login(curator)
    url = reverse("admin:actors_actor_changelist")
    with django_assert_max_num_queries(20):
        client.post(url, {"action": "merge_selected", "_selected_action": [kept.pk, gone.pk]})
