"""The event workflow services: optimistic locking, review, publish, retract, delete, history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.vocab import ActorRole, Status
from events.models import Event, Tombstone
from events.services import (
    StaleVersionError,
    event_back_to_draft,
    event_create,
    event_delete,
    event_mark_reviewed,
    event_publish,
    event_retract,
    event_update,
)
from tests.factories import ActorFactory, CitationFactory, EventActorFactory, EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def test_a_stale_copy_is_refused_and_nothing_is_overwritten(curator):
    event = EventFactory(fatalities=1)
    first, second = Event.objects.get(pk=event.pk), Event.objects.get(pk=event.pk)
    event_update(event=first, data={"fatalities": 5}, expected_version=first.version, by=curator)
    with pytest.raises(StaleVersionError) as error:
        event_update(event=second, data={"fatalities": 9}, expected_version=second.version, by=curator)
    assert "changed by someone else" in str(error.value)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.fatalities, stored.version) == (5, 2)


def test_every_save_is_recorded_in_the_history(curator):
    event = EventFactory(fatalities=1)
    event_update(event=event, data={"fatalities": 4}, expected_version=1, by=curator)
    records = list(event.history.order_by("history_date"))
    assert [r.fatalities for r in records] == [1, 4]
    assert records[-1].history_type == "~"


def test_each_history_row_holds_its_version_s_derived_interaction(curator):
    """interaction is derived after the actors are saved; the version's history row must show it
    (it once kept the value from before the actors: null for every new event)."""
    army, rebels, militia = ActorFactory(kind=1), ActorFactory(kind=2), ActorFactory(kind=4)
    event = event_create(
        by=curator,
        place=PlaceFactory(),
        event_date="2015-05-20",
        event_type="Battles",
        sub_event_type="Armed clash",
        actors=[(army, ActorRole.ACTOR1), (rebels, ActorRole.ACTOR2)],
    )
    assert event.interaction == 12
    event_update(
        event=event,
        data={},
        expected_version=1,
        by=curator,
        actors=[(army, ActorRole.ACTOR1), (militia, ActorRole.ACTOR2)],
    )
    records = list(event.history.order_by("history_date"))
    assert [(r.version, r.interaction) for r in records] == [(1, 12), (2, 14)]
    assert Event.objects.get(pk=event.pk).interaction == 14


def test_curators_cannot_publish(curator):
    event = CitationFactory().event
    with pytest.raises(PermissionDenied):
        event_publish(event=event, by=curator)
    assert Event.objects.get(pk=event.pk).status == Status.DRAFT


def test_publishing_without_a_citation_is_refused(reviewer):
    event = EventActorFactory(role=ActorRole.ACTOR1).event
    with pytest.raises(ValidationError, match="is missing a citation"):
        event_publish(event=event, by=reviewer)
    assert Event.objects.get(pk=event.pk).status == Status.DRAFT


def test_publishing_or_marking_reviewed_without_actor_1_is_refused_naming_it(curator, reviewer):
    event = CitationFactory().event
    EventActorFactory(event=event, role=ActorRole.ACTOR2)  # actor 2 alone is not enough
    with pytest.raises(ValidationError, match="is missing actor 1: add it before marking it reviewed"):
        event_mark_reviewed(event=event, by=curator)
    with pytest.raises(ValidationError, match="is missing actor 1: add it before publishing it"):
        event_publish(event=event, by=reviewer)
    bare = EventFactory()
    with pytest.raises(ValidationError, match="is missing actor 1 and a citation: add them"):
        event_publish(event=bare, by=reviewer)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.version) == (Status.DRAFT, 1)


def test_a_draft_needs_actor_1_but_no_citation_to_be_marked_reviewed(curator):
    event = EventActorFactory(role=ActorRole.ACTOR1).event
    event_mark_reviewed(event=event, by=curator)
    assert Event.objects.get(pk=event.pk).status == Status.REVIEWED


def test_a_system_write_is_held_to_completeness_too():
    with pytest.raises(ValidationError, match="actor 1"):
        event_mark_reviewed(event=EventFactory(), by=None)


def test_a_reviewed_event_goes_back_to_draft_with_a_new_version_and_a_history_row(curator, reviewer):
    event = EventFactory(complete=True)
    event_mark_reviewed(event=event, by=curator)
    event_back_to_draft(event=event, by=curator)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.version, stored.updated_by) == (Status.DRAFT, 3, curator)
    assert [row.status for row in event.history.order_by("history_date")] == ["draft", "reviewed", "draft"]
    event_mark_reviewed(event=event, by=curator)
    event_back_to_draft(event=event, by=reviewer)
    assert Event.objects.get(pk=event.pk).status == Status.DRAFT


def test_only_reviewed_events_go_back_to_draft(curator, reviewer, viewer):
    event = EventFactory(complete=True)
    with pytest.raises(ValidationError, match="Only reviewed events go back to draft"):
        event_back_to_draft(event=event, by=curator)
    event_mark_reviewed(event=event, by=curator)
    with pytest.raises(PermissionDenied):
        event_back_to_draft(event=event, by=viewer)
    event_publish(event=event, by=reviewer)
    with pytest.raises(ValidationError, match="leaves public view only by retraction"):
        event_back_to_draft(event=event, by=reviewer)
    assert Event.objects.get(pk=event.pk).status == Status.PUBLISHED


def test_a_reviewer_publishes_a_cited_event_and_the_version_moves_on(reviewer):
    event = EventFactory(complete=True)
    event_mark_reviewed(event=event, by=reviewer)
    event_publish(event=event, by=reviewer)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.status, stored.version, stored.updated_by) == (Status.PUBLISHED, 3, reviewer)


def test_retracting_a_published_event_leaves_a_tombstone(reviewer):
    event = EventFactory(complete=True)
    event_publish(event=event, by=reviewer)
    event_retract(event=event, by=reviewer, reason="duplicate")
    tombstone = Tombstone.objects.get(event_id=event.event_id)
    assert (tombstone.reason, tombstone.deleted) == ("duplicate", False)
    assert Event.objects.get(pk=event.pk).status == Status.RETRACTED


def test_a_retracted_event_cannot_be_edited_or_republished(reviewer):
    event = EventFactory(complete=True)
    event_publish(event=event, by=reviewer)
    event_retract(event=event, by=reviewer)
    with pytest.raises(ValidationError):
        event_publish(event=event, by=reviewer)
    with pytest.raises(ValidationError):
        event_update(event=event, data={"fatalities": 3}, expected_version=event.version, by=reviewer)


def test_curators_delete_drafts_but_not_published_events(curator, reviewer):
    draft = EventFactory()
    event_delete(event=draft, by=curator)
    assert not Event.objects.filter(pk=draft.pk).exists()
    assert not Tombstone.objects.exists()

    published = EventFactory(complete=True)
    event_publish(event=published, by=reviewer)
    with pytest.raises(PermissionDenied):
        event_delete(event=published, by=curator)
    event_delete(event=published, by=reviewer)
    assert Tombstone.objects.get(event_id=published.event_id).deleted


def test_an_unknown_retraction_reason_is_refused(reviewer):
    event = CitationFactory().event
    with pytest.raises(ValidationError, match="Unknown retraction reason"):
        event_retract(event=event, by=reviewer, reason="boredom")
