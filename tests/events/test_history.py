"""An event's complete history: status transitions, actors, citations, change reasons and
redactions, in the API's /history/ and on the admin's history page; who sees which versions; the
seed's creation rows; the query count of the history endpoint."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from actors.services import actor_merge
from core.vocab import ActorRole, EventType, SubEventType
from events.merges import event_merge
from events.models import Citation, Event
from events.services import event_create, event_mark_reviewed, event_publish, event_update
from tests.admin.forms import form_data, logged_in
from tests.api_helpers import client_for
from tests.factories import ActorFactory, PlaceFactory, SourceFactory

URL = "/api/v1/events/"


@pytest.fixture
def coded(curator):
    """A draft coded by a curator: two actors, one citation."""
    rebels, army = (
        ActorFactory(name="Free Syrian Army"),
        ActorFactory(name="Military Forces of Syria", kind=1),
    )
    event = event_create(
        by=curator,
        event_date="2015-11-20",
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=PlaceFactory(name="Kweires"),
        fatalities=3,
        notes="Clashes near the airbase.",
        actors=[(army, ActorRole.ACTOR1), (rebels, ActorRole.ACTOR2)],
        citations=[{"source": SourceFactory(name="SANA"), "quote": "Three were killed."}],
    )
    return event


def history(event, user=None) -> list[dict]:
    response = client_for(user).get(f"{URL}{event.event_id}/history/")
    assert response.status_code == 200, response.content
    return response.json()


def change(entry: dict, field: str) -> dict:
    [found] = [c for c in entry["changes"] if c["field"] == field]
    return found


def error_fields(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def published(event, curator, reviewer) -> Event:
    event_mark_reviewed(event=event, by=curator)
    return event_publish(event=event, by=reviewer)


def patch(event, user, **data):
    event.refresh_from_db()
    return client_for(user).patch(
        f"{URL}{event.event_id}/", {**data, "version": event.version}, format="json"
    )


# --- what a version says -------------------------------------------------------------------


def test_a_status_transition_is_a_change_with_old_and_new(coded, curator, reviewer):
    published(coded, curator, reviewer)
    entries = history(coded, reviewer)
    assert [e["change_type"] for e in entries] == ["created", "changed", "changed"]
    assert entries[1]["changes"] == [
        {"field": "status", "old": "draft", "new": "reviewed", "redacted": False}
    ]
    assert change(entries[2], "status") == {
        "field": "status",
        "old": "reviewed",
        "new": "published",
        "redacted": False,
    }
    assert entries[2]["changed_fields"] == ["status"]


def test_changing_actor_2_is_a_new_version_with_the_actors_before_and_after(coded, curator):
    militia = ActorFactory(name="Liwa al-Quds", kind=3)
    army = coded.event_actors.get(role=ActorRole.ACTOR1).actor
    actors = [{"actor": army.pk, "role": "actor1"}, {"actor": militia.pk, "role": "actor2"}]
    response = patch(coded, curator, actors=actors)
    assert response.status_code == 200, response.content

    last = history(coded, curator)[-1]
    assert last["version"] == 2 and last["changed_fields"] == ["interaction", "actors"]
    actors_change = change(last, "actors")
    assert actors_change["old"] == [
        {"name": "Military Forces of Syria", "role": "actor1", "inter": 1},
        {"name": "Free Syrian Army", "role": "actor2", "inter": 2},
    ]
    assert actors_change["new"] == [
        {"name": "Military Forces of Syria", "role": "actor1", "inter": 1},
        {"name": "Liwa al-Quds", "role": "actor2", "inter": 3},
    ]
    assert change(last, "interaction") == {"field": "interaction", "old": 12, "new": 13, "redacted": False}


def test_a_citation_changed_through_the_api_is_a_change_of_the_event(coded, curator):
    response = patch(
        coded,
        curator,
        citations=[{"source": "SANA", "quote": "Four were killed.", "url": "https://example.org/a"}],
    )
    assert response.status_code == 200, response.content
    last = history(coded, curator)[-1]
    citations = change(last, "citations")
    assert [(c["source"], c["quote"], c["url"]) for c in citations["old"]] == [
        ("SANA", "Three were killed.", "")
    ]
    assert [(c["source"], c["quote"], c["url"]) for c in citations["new"]] == [
        ("SANA", "Four were killed.", "https://example.org/a")
    ]


def test_a_citation_edited_on_its_own_admin_screen_gives_its_event_a_new_version(client, coded, curator):
    citation = coded.citations.get()
    url = reverse("admin:events_citation_change", args=[citation.pk])
    logged_in(client, curator)
    data = form_data(client.get(url)) | {"quote": "Five were killed.", "_save": "Save"}
    assert client.post(url, data).status_code == 302

    coded.refresh_from_db()
    assert coded.version == 2
    last = history(coded, curator)[-1]
    assert last["version"] == 2 and last["changed_fields"] == ["citations"]
    assert change(last, "citations")["new"][0]["quote"] == "Five were killed."
    assert last["user"] == "curator"


def test_an_actor_merge_is_a_new_version_of_each_event_concerned(coded, curator, superuser):
    rebels = coded.event_actors.get(role=ActorRole.ACTOR2).actor
    survivor = ActorFactory(name="FSA")
    actor_merge(survivor=survivor, others=[rebels], by=superuser)
    last = history(coded, curator)[-1]
    assert last["version"] == 2
    assert last["reason"] == "Merged actor Free Syrian Army into FSA"
    actors_change = change(last, "actors")
    assert [a["name"] for a in actors_change["old"]] == ["Military Forces of Syria", "Free Syrian Army"]
    assert [a["name"] for a in actors_change["new"]] == ["Military Forces of Syria", "FSA"]


def test_an_event_merge_shows_the_parts_leaving_one_event_and_joining_the_other(coded, curator, reviewer):
    twin = event_create(
        by=curator,
        event_date="2015-11-20",
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=coded.place,
        citations=[{"source": SourceFactory(name="SOHR"), "quote": "Three died at Kweires."}],
    )
    event_merge(survivor=coded, other=twin, by=reviewer)

    survivor = history(coded, reviewer)[-1]
    assert survivor["reason"] == f"Merged {twin.event_id} into {coded.event_id}"
    assert [c["source"] for c in change(survivor, "citations")["new"]] == ["SANA", "SOHR"]
    merged = history(twin, reviewer)[-1]
    assert change(merged, "status")["new"] == "retracted"
    assert change(merged, "merged_into")["new"] == coded.event_id
    left = change(merged, "citations")  # the merged-away version is the one they left in
    assert [c["source"] for c in left["old"]] == ["SOHR"] and left["new"] == []


def test_the_change_reason_given_with_a_patch_is_in_the_history(coded, curator):
    response = patch(coded, curator, fatalities=4, change_reason="SOHR's later count")
    assert response.status_code == 200, response.content
    entries = history(coded, curator)
    assert entries[-1]["reason"] == "SOHR's later count"
    assert change(entries[-1], "fatalities") == {"field": "fatalities", "old": 3, "new": 4, "redacted": False}
    assert entries[0]["reason"] == ""  # none given: blank, never "None"


def test_a_change_reason_longer_than_the_history_holds_is_a_400_naming_it(coded, curator):
    response = patch(coded, curator, fatalities=4, change_reason="x" * 101)
    assert response.status_code == 400
    assert "change_reason" in error_fields(response)
    coded.refresh_from_db()
    assert coded.version == 1


# --- who sees what -------------------------------------------------------------------------


def test_anonymous_callers_see_the_history_from_its_first_publication_on(coded, curator, reviewer):
    patch(coded, curator, notes="Draft wording nobody published.")
    patch(coded, curator, notes="Clashes near Kweires airbase.")
    published(coded, curator, reviewer)
    patch(coded, reviewer, fatalities=5)

    staff = history(coded, reviewer)
    public = history(coded)
    assert [e["version"] for e in staff] == [1, 2, 3, 4, 5, 6]
    assert [e["version"] for e in public] == [5, 6]
    first = public[0]
    assert first["changes"] == [{"field": "status", "old": "reviewed", "new": "published", "redacted": False}]
    assert "Draft wording" not in str(public)
    assert change(public[1], "fatalities")["old"] == 3
    assert {e["user"] for e in public} == {None}


def test_the_history_of_an_event_never_published_is_404_for_the_public(coded):
    assert client_for().get(f"{URL}{coded.event_id}/history/").status_code == 404


def test_a_redaction_hides_the_values_it_replaced_from_the_public_but_not_from_staff(
    coded, curator, reviewer, viewer
):
    published(coded, curator, reviewer)
    patch(coded, reviewer, notes="Clashes near the airbase; the informant Ahmad K. said so.")
    response = patch(
        coded, reviewer, notes="Clashes near the airbase.", change_reason="Names a witness", redaction=True
    )
    assert response.status_code == 200, response.content
    role_less = get_user_model().objects.create_user("reader", password="x")

    for caller in (None, role_less):
        entries = history(coded, caller)
        assert "Ahmad" not in str(entries)
        redaction = entries[-1]
        assert redaction["redaction"] is True and redaction["reason"] == "Names a witness"
        assert change(redaction, "notes") == {
            "field": "notes",
            "old": None,
            "new": "Clashes near the airbase.",
            "redacted": True,
        }
        assert change(entries[-2], "notes")["new"] is None  # the version that added it, too

    for caller in (viewer, reviewer):
        entries = history(coded, caller)
        assert change(entries[-1], "notes")["old"].endswith("Ahmad K. said so.")
        assert change(entries[-1], "notes")["redacted"] is False


def test_only_reviewers_mark_a_redaction_and_only_with_a_reason(coded, curator, reviewer):
    response = patch(coded, curator, notes="Shorter.", change_reason="tidy", redaction=True)
    assert response.status_code == 403
    assert "redaction" in response.json()["detail"]
    response = patch(coded, reviewer, notes="Shorter.", redaction=True)
    assert response.status_code == 400
    assert "change_reason" in error_fields(response)
    coded.refresh_from_db()
    assert coded.version == 1


# --- the admin's history page ----------------------------------------------------------------


def test_the_admin_history_page_shows_old_and_new_values_transitions_and_reasons(
    client, coded, curator, reviewer
):
    url = reverse("admin:events_event_change", args=[coded.pk])
    logged_in(client, curator)
    data = form_data(client.get(url)) | {
        "fatalities": "6",
        "change_reason": "Second source",
        "_save": "Save",
    }
    assert client.post(url, data).status_code == 302
    coded.refresh_from_db()
    published(coded, curator, reviewer)
    militia = ActorFactory(name="Liwa al-Quds")
    event_update(
        event=coded,
        data={},
        expected_version=coded.version,
        by=reviewer,
        actors=[(coded.event_actors.get(role=ActorRole.ACTOR1).actor, ActorRole.ACTOR1), (militia, "actor2")],
    )

    page = client.get(reverse("admin:events_event_history", args=[coded.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Fatalities:</strong> 3 &rarr; 6" in text
    assert "Status:</strong> Reviewed &rarr; Published" in text
    assert ">Published</td>" in text and ">Marked reviewed</td>" in text
    assert "Actor 2: Free Syrian Army" in text and "Actor 2: Liwa al-Quds" in text
    assert "Second source" in text
    assert "None" not in text.split('id="change-history"')[1]


def test_the_history_page_of_another_model_shows_its_changes(client, curator):
    source = SourceFactory(name="SANA")
    url = reverse("admin:events_source_change", args=[source.pk])
    logged_in(client, curator)
    data = form_data(client.get(url)) | {"scale": "National", "_save": "Save"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    text = client.get(reverse("admin:events_source_history", args=[source.pk])).content.decode()
    assert "Source scale:</strong> — &rarr; National" in text


# --- seeded events and query counts ----------------------------------------------------------


def test_load_seed_gives_every_seeded_event_a_creation_row_once(db):
    call_command("load_seed", verbosity=0)
    events = Event.objects.all()
    assert events.exists()
    for event in events:
        assert list(event.history.values_list("history_type", flat=True)) == ["+"]
    assert Citation.history.count() == Citation.objects.count()
    call_command("load_seed", verbosity=0)
    assert Event.history.count() == events.count()

    event = Event.objects.published().first()
    [created] = history(event)
    assert created["change_type"] == "created" and created["reason"] == "Loaded from seed.json"


def test_the_history_endpoint_reads_every_version_in_a_fixed_number_of_queries(
    coded, curator, reviewer, django_assert_max_num_queries
):
    army = coded.event_actors.get(role=ActorRole.ACTOR1).actor  # actor 1 stays: it is to be published
    for n in range(6):
        extra = ActorFactory()
        actors = [{"actor": army.pk, "role": "actor1"}, {"actor": extra.pk, "role": "assoc_actor_1"}]
        patch(coded, curator, fatalities=10 + n, actors=actors)
    published(coded, curator, reviewer)
    client = client_for(reviewer)
    client.get(f"{URL}{coded.event_id}/history/")  # the token and permissions are cached after this
    # Auth (token, user's permissions), the event, its versions, their actors' and citations' rows,
    # and the names of the places: never one query per version or per actor.
    with django_assert_max_num_queries(8):
        response = client.get(f"{URL}{coded.event_id}/history/")
    assert response.status_code == 200
    assert len(response.json()) == 9
