"""The workflow on the event page: Mark reviewed, Publish, Retract…, Back to draft, shown per role,
what the event lacks, why a page is read-only, and the duplicates confirmation."""

import re

import pytest
from django.urls import reverse

from core.vocab import ActorRole, Status
from events.models import DuplicateDecision, Event, Tombstone
from events.services import event_mark_reviewed, event_publish
from tests.factories import EventActorFactory, EventFactory

pytestmark = pytest.mark.django_db

STEP_BUTTONS = ("mark_reviewed", "publish", "retract", "back_to_draft")


def change_url(event: Event) -> str:
    return reverse("admin:events_event_change", args=[event.pk])


def step_url(event: Event, step: str) -> str:
    return reverse(f"admin:events_event_{step}", args=[event.pk])


def page_of(client, user, event: Event) -> str:
    client.force_login(user)
    response = client.get(change_url(event))
    assert response.status_code == 200
    return response.content.decode()


def buttons(html: str) -> dict[str, bool]:
    """The workflow steps on the page: name -> whether it can be pressed."""
    found = {}
    for step in STEP_BUTTONS:
        match = re.search(rf'<(button|a)[^>]*id="workflow-{step}"[^>]*>', html)
        if match:
            found[step] = "disabled" not in match.group(0)
    return found


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def events(curator, reviewer):
    made = {state: EventFactory(complete=True) for state in ("draft", "reviewed", "published")}
    event_mark_reviewed(event=made["reviewed"], by=curator)
    event_publish(event=made["published"], by=reviewer)
    return made


# -- what each role sees -------------------------------------------------------------------------

SEEN = {
    # (role, state) -> the buttons on the page
    ("viewer", "draft"): {},
    ("curator", "draft"): {"mark_reviewed": True},
    ("curator", "reviewed"): {"back_to_draft": True},
    ("curator", "published"): {},
    ("reviewer", "draft"): {"mark_reviewed": True, "publish": True, "retract": True},
    ("reviewer", "reviewed"): {"publish": True, "retract": True, "back_to_draft": True},
    ("reviewer", "published"): {"retract": True},
    ("superuser", "reviewed"): {"publish": True, "retract": True, "back_to_draft": True},
}


@pytest.mark.parametrize(("role", "state"), list(SEEN))
def test_each_role_sees_the_steps_it_may_take(client, request, events, role, state):
    html = page_of(client, request.getfixturevalue(role), events[state])
    assert buttons(html) == SEEN[(role, state)]


def test_a_curator_on_a_published_event_is_told_why_it_is_read_only_and_who_can_change_it(
    client, curator, events
):
    event = events["published"]
    html = page_of(client, curator, event)
    assert f"{event.event_id} is published: only reviewers can change it (or an admin)" in html
    assert 'name="_save"' not in html  # the admin's own read-only page


def test_a_viewer_is_told_their_role_does_not_allow_changes(client, viewer, events):
    assert "Your role does not allow you to change events." in page_of(client, viewer, events["draft"])


def test_the_page_names_what_the_event_lacks_and_disables_those_steps(client, reviewer):
    bare = EventFactory()
    html = page_of(client, reviewer, bare)
    assert "To mark it reviewed, add actor 1." in html
    assert "To publish it, add actor 1 and a citation." in html
    assert buttons(html) == {"mark_reviewed": False, "publish": False, "retract": True}
    EventActorFactory(event=bare, role=ActorRole.ACTOR1)
    html = page_of(client, reviewer, bare)
    assert "To mark it reviewed" not in html and "To publish it, add a citation." in html
    assert buttons(html) == {"mark_reviewed": True, "publish": False, "retract": True}


# -- taking the steps ----------------------------------------------------------------------------


def test_a_curator_marks_a_draft_reviewed_and_sends_it_back_to_draft(client, curator, events):
    event = events["draft"]
    client.force_login(curator)
    response = client.post(step_url(event, "mark_reviewed"), follow=True)
    assert f"{event.event_id} marked reviewed." in messages_of(response)
    response = client.post(step_url(event, "back_to_draft"), follow=True)
    assert f"{event.event_id} sent back to draft." in messages_of(response)
    event.refresh_from_db()
    assert (event.status, event.version, event.updated_by) == (Status.DRAFT, 3, curator)
    assert event.history.count() == 3


def test_a_curator_cannot_publish_through_the_url(client, curator, events):
    event = events["reviewed"]
    client.force_login(curator)
    assert client.post(step_url(event, "publish")).status_code == 403
    assert client.post(step_url(event, "retract"), {"reason": "error"}).status_code == 403
    event.refresh_from_db()
    assert (event.status, event.version) == (Status.REVIEWED, 2)


def test_publishing_an_incomplete_event_is_refused_naming_what_it_lacks(client, reviewer):
    event = EventActorFactory(role=ActorRole.ACTOR1).event
    client.force_login(reviewer)
    response = client.post(step_url(event, "publish"), follow=True)
    assert f"{event.event_id} is missing a citation: add it before publishing it." in messages_of(response)
    event.refresh_from_db()
    assert (event.status, event.version) == (Status.DRAFT, 1)


def test_a_published_event_does_not_go_back_to_draft(client, reviewer, events):
    event = events["published"]
    client.force_login(reviewer)
    response = client.post(step_url(event, "back_to_draft"), follow=True)
    assert any("leaves public view only by retraction" in m for m in messages_of(response))
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED


def test_retract_asks_for_the_reason_then_leaves_a_tombstone(client, reviewer, events):
    event = events["published"]
    client.force_login(reviewer)
    form = client.get(step_url(event, "retract"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="reason"' in html and f'action="{step_url(event, "retract")}"' in html
    assert client.post(step_url(event, "retract"), {"reason": "boredom"}).status_code == 400
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED
    response = client.post(step_url(event, "retract"), {"reason": "duplicate"}, follow=True)
    assert f"{event.event_id} retracted." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.RETRACTED
    assert Tombstone.objects.get(event_id=event.event_id).reason == "duplicate"


def test_a_step_is_a_post(client, reviewer, events):
    client.force_login(reviewer)
    assert client.get(step_url(events["draft"], "publish")).status_code == 405


# -- likely duplicates ---------------------------------------------------------------------------


def test_publish_shows_the_likely_duplicates_and_waits_for_not_a_duplicate(client, reviewer, events):
    original = events["published"]
    copy = EventFactory(place=original.place, complete=True)
    row = copy.event_actors.get()
    row.actor = original.event_actors.get().actor
    row.save()
    client.force_login(reviewer)

    asked = client.post(step_url(copy, "publish"))
    assert asked.status_code == 200
    html = asked.content.decode()
    assert f"{copy.event_id} may duplicate another event" in html
    assert original.event_id in html and 'name="confirm_not_duplicate" value="1"' in html
    copy.refresh_from_db()
    assert copy.status == Status.DRAFT and not DuplicateDecision.objects.exists()

    response = client.post(step_url(copy, "publish"), {"confirm_not_duplicate": "1"}, follow=True)
    assert f"{copy.event_id} published." in messages_of(response)
    copy.refresh_from_db()
    assert copy.status == Status.PUBLISHED
    decision = DuplicateDecision.objects.get()
    assert {decision.event_a_id, decision.event_b_id} == {copy.pk, original.pk}


def test_a_confirmed_pair_is_not_asked_again(client, curator, reviewer, events):
    original = events["published"]
    copy = EventFactory(place=original.place, complete=True)
    client.force_login(curator)
    assert client.post(step_url(copy, "mark_reviewed")).status_code == 200  # asked
    client.post(step_url(copy, "mark_reviewed"), {"confirm_not_duplicate": "1"})
    client.force_login(reviewer)
    response = client.post(step_url(copy, "publish"))
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == Status.PUBLISHED
