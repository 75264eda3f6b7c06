"""The curation admin: adding events with inlines, the workflow actions, roles, the optimistic
lock, clear form errors and bounded query counts on every page."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from core.vocab import ActorRole, EventType, InterCode, Status, SubEventType
from events.models import Event, ExportJob, ImportBatch, Tombstone
from events.roles import CURATED_MODELS, CURATOR, READ_ONLY_MODELS
from events.services import event_update
from places.models import Place
from tests.admin.forms import form_data, logged_in, messages_of
from tests.factories import (
    ActorFactory,
    CitationFactory,
    EventActorFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def syria_town(db):
    return PlaceFactory(name="Palmyra")


@pytest.fixture
def actors(db):
    return (
        ActorFactory(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES),
        ActorFactory(name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP),
        ActorFactory(name="Hezbollah", kind=InterCode.EXTERNAL_OTHER),
    )


def change_url(event: Event) -> str:
    return reverse("admin:events_event_change", args=[event.pk])


CHANGELIST = "admin:events_event_changelist"


def run_action(client, action: str, events, **extra):
    data = {"action": action, "_selected_action": [e.pk for e in events], "index": 0, **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


# Adding an event ---------------------------------------------------------------------------


def filled_add_form(client, place, actors, source) -> dict[str, str]:
    page = client.get(reverse("admin:events_event_add"))
    assert page.status_code == 200
    data = form_data(page)
    # Two actor rows by default, offering actor 1 and actor 2.
    assert data["event_actors-TOTAL_FORMS"] == "2" and data["citations-TOTAL_FORMS"] == "1"
    assert (data["event_actors-0-role"], data["event_actors-1-role"]) == (ActorRole.ACTOR1, ActorRole.ACTOR2)
    state, isis, ally = actors
    data.update(
        {
            "event_date": "2015-05-20",
            "time_precision": "1",
            "event_type": EventType.BATTLES,
            "sub_event_type": SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
            "place": str(place.pk),
            "fatalities": "12",
            "notes": "Islamic State took Palmyra from government forces.",
            "event_actors-TOTAL_FORMS": "3",
            "event_actors-0-role": ActorRole.ACTOR1,
            "event_actors-0-actor": str(isis.pk),
            "event_actors-1-role": ActorRole.ACTOR2,
            "event_actors-1-actor": str(state.pk),
            "event_actors-1-inter": "",
            "event_actors-2-role": ActorRole.ASSOC_ACTOR_2,
            "event_actors-2-actor": str(ally.pk),
            "event_actors-2-inter": "",
            "citations-0-source": str(source.pk),
            "citations-0-quote": "Islamic State fighters seized the city, the Observatory said.",
            "citations-0-url": "https://example.org/palmyra",
            "citations-0-field": "",
            "citations-0-reported_fatalities": "15",
            "citations-0-published_on": "2015-05-21",
            "_save": "Save",
        }
    )
    return data


def test_a_curator_adds_an_event_with_actors_and_citations_through_the_inlines(
    client, curator, syria_town, actors
):
    source = SourceFactory(name="Syrian Observatory for Human Rights")
    logged_in(client, curator)

    response = client.post(
        reverse("admin:events_event_add"), filled_add_form(client, syria_town, actors, source)
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    event = Event.objects.get()
    assert event.event_id == "SYR1"
    assert event.status == Status.DRAFT and event.version == 1
    assert event.created_by == curator and event.updated_by == curator
    assert event.disorder_type == "Political violence"
    assert event.interaction == 12  # rebel group (2) against state forces (1), lower digit first
    roles = {ea.role: (ea.actor.name, ea.inter) for ea in event.event_actors.all()}
    assert roles == {
        ActorRole.ACTOR1: ("Islamic State (Syria)", InterCode.REBEL_GROUP),
        ActorRole.ACTOR2: ("Military Forces of Syria (2000-2024)", InterCode.STATE_FORCES),
        ActorRole.ASSOC_ACTOR_2: ("Hezbollah", InterCode.EXTERNAL_OTHER),
    }
    citation = event.citations.get()
    assert citation.source == source and citation.reported_fatalities == 15
    assert event.history.get().history_user == curator


def test_a_second_event_in_the_same_country_gets_the_next_id(client, curator, syria_town, actors):
    source = SourceFactory()
    logged_in(client, curator)
    for _ in range(2):
        data = filled_add_form(client, syria_town, actors, source)
        assert client.post(reverse("admin:events_event_add"), data).status_code == 302
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["SYR1", "SYR2"]


def test_two_actor_1_rows_are_refused_with_a_message(client, curator, syria_town, actors):
    logged_in(client, curator)
    data = filled_add_form(client, syria_town, actors, SourceFactory())
    data["event_actors-1-role"] = ActorRole.ACTOR1

    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 200
    assert "An event has at most one “Actor 1”" in response.content.decode()
    assert not Event.objects.exists()


def test_negative_fatalities_get_a_clear_message(client, curator, syria_town, actors):
    logged_in(client, curator)
    data = filled_add_form(client, syria_town, actors, SourceFactory())
    data["fatalities"] = "-3"

    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["fatalities"] == ["Fatalities cannot be negative."]
    assert not Event.objects.exists()


def test_negative_reported_fatalities_in_a_citation_get_a_clear_message(client, curator, syria_town, actors):
    logged_in(client, curator)
    data = filled_add_form(client, syria_town, actors, SourceFactory())
    data["citations-0-reported_fatalities"] = "-1"

    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 200
    assert "Reported fatalities cannot be negative." in response.content.decode()
    assert not Event.objects.exists()


def test_an_invalid_event_and_sub_event_pair_gets_a_clear_message(client, curator, syria_town, actors):
    logged_in(client, curator)
    data = filled_add_form(client, syria_town, actors, SourceFactory())
    data["sub_event_type"] = SubEventType.PEACEFUL_PROTEST

    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["sub_event_type"] == [
        "“Peaceful protest” is not a sub-event type of “Battles”."
    ]
    assert not Event.objects.exists()


def test_a_curator_swaps_actor_1_and_actor_2(client, curator):
    event = EventFactory()
    first = EventActorFactory(event=event, role=ActorRole.ACTOR1, actor__kind=InterCode.STATE_FORCES)
    second = EventActorFactory(event=event, role=ActorRole.ACTOR2, actor__kind=InterCode.CIVILIANS)
    logged_in(client, curator)
    data = form_data(client.get(change_url(event)))
    assert data["event_actors-0-role"] == ActorRole.ACTOR1 and data["event_actors-1-role"] == ActorRole.ACTOR2
    data.update(
        {"event_actors-0-role": ActorRole.ACTOR2, "event_actors-1-role": ActorRole.ACTOR1, "_save": "Save"}
    )

    assert client.post(change_url(event), data).status_code == 302

    roles = dict(event.event_actors.values_list("pk", "role"))
    assert roles == {first.pk: ActorRole.ACTOR2, second.pk: ActorRole.ACTOR1}


def test_a_curator_replaces_actor_1_by_deleting_the_old_row(client, curator):
    event = EventFactory()
    old = EventActorFactory(event=event, role=ActorRole.ACTOR1)
    new_actor = ActorFactory(kind=InterCode.PROTESTERS)
    logged_in(client, curator)
    data = form_data(client.get(change_url(event)))
    data.update(
        {
            "event_actors-0-DELETE": "on",
            "event_actors-1-role": ActorRole.ACTOR1,
            "event_actors-1-actor": str(new_actor.pk),
            "_save": "Save",
        }
    )

    assert client.post(change_url(event), data).status_code == 302

    assert list(event.event_actors.values_list("actor", "role")) == [(new_actor.pk, ActorRole.ACTOR1)]
    assert not type(old).objects.filter(pk=old.pk).exists()
    event.refresh_from_db()
    assert event.interaction == 60


def test_reference_data_forms_show_clear_messages(client, curator):
    syria = PlaceFactory(name="Homs", kind="admin1")
    actor = ActorFactory()
    logged_in(client, curator)

    place = client.post(
        reverse("admin:places_place_add"),
        {"name": "Nowhere", "kind": "locality", "parent": syria.pk, "latitude": "91", "geo_precision": "1"},
    )
    assert place.status_code == 200
    assert "Latitude must be between -90 and 90." in place.content.decode()

    upward = client.post(
        reverse("admin:places_place_add"),
        {"name": "Syria 2", "kind": "country", "parent": syria.pk, "geo_precision": "1"},
    )
    assert (
        "A place of kind “Country” cannot sit under one of kind “Admin 1 (province, governorate)”"
        in upward.content.decode()
    )

    relation = client.post(
        reverse("admin:actors_actorrelation_add"),
        {"subject": actor.pk, "object": actor.pk, "kind": "allied_with"},
    )
    assert relation.status_code == 200
    assert "An actor cannot be related to itself." in relation.content.decode()
    assert not Place.objects.filter(name__in=["Nowhere", "Syria 2"]).exists()


# The optimistic lock -----------------------------------------------------------------------


def test_a_curator_saves_a_change_and_the_version_goes_up(client, curator):
    event = EventFactory(fatalities=3)
    EventActorFactory(event=event, role=ActorRole.ACTOR1, actor__kind=InterCode.PROTESTERS)
    logged_in(client, curator)
    data = form_data(client.get(change_url(event)))
    assert data["expected_version"] == "1"
    data.update(fatalities="4", _save="Save")

    response = client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.fatalities, event.version, event.updated_by) == (4, 2, curator)
    assert event.interaction == 60  # a lone protest actor: inter×10


def test_saving_a_stale_copy_is_refused_and_overwrites_nothing(client, curator, reviewer):
    event = EventFactory(fatalities=3, notes="First coding.")
    logged_in(client, curator)
    stale = form_data(client.get(change_url(event)))

    # Someone else saves the event while the curator's form is open.
    event_update(
        event=Event.objects.get(pk=event.pk), data={"fatalities": 5}, expected_version=1, by=reviewer
    )
    stale.update(notes="The curator's rewrite.", fatalities="7", _save="Save")
    response = client.post(change_url(event), stale)

    assert response.status_code == 200
    page = response.content.decode()
    assert "was changed by someone else while you were editing it" in page
    assert "Reload it" in page
    event.refresh_from_db()
    assert (event.fatalities, event.notes, event.version, event.updated_by) == (
        5,
        "First coding.",
        2,
        reviewer,
    )


def test_the_reloaded_form_saves(client, curator, reviewer):
    event = EventFactory(fatalities=3)
    event_update(event=event, data={"fatalities": 5}, expected_version=1, by=reviewer)
    logged_in(client, curator)
    fresh = form_data(client.get(change_url(event)))
    assert fresh["expected_version"] == "2"
    fresh.update(fatalities="6", _save="Save")

    assert client.post(change_url(event), fresh).status_code == 302
    event.refresh_from_db()
    assert (event.fatalities, event.version) == (6, 3)


def test_status_cannot_be_set_through_the_form(client, curator):
    event = EventFactory()
    logged_in(client, curator)
    data = form_data(client.get(change_url(event)))
    assert "status" not in data
    data.update(status=Status.PUBLISHED, _save="Save")

    assert client.post(change_url(event), data).status_code == 302
    event.refresh_from_db()
    assert event.status == Status.DRAFT


# Workflow actions ----------------------------------------------------------------------------


def test_a_curator_marks_a_draft_reviewed(client, curator):
    event = EventFactory(complete=True)
    response = run_action(logged_in(client, curator), "mark_reviewed", [event])
    assert "1 event marked reviewed." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.REVIEWED and event.updated_by == curator


def test_a_curator_cannot_publish(client, curator):
    event = EventFactory()
    CitationFactory(event=event)
    logged_in(client, curator)

    changelist = client.get(reverse(CHANGELIST))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "mark_reviewed" in actions
    assert "publish" not in actions and "retract" not in actions

    response = run_action(client, "publish", [event])
    assert "No action selected." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.DRAFT


def test_a_reviewer_publishes_an_event_with_a_citation(client, reviewer):
    event = EventFactory(complete=True)

    response = run_action(logged_in(client, reviewer), "publish", [event])

    assert "1 event published." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED and event.updated_by == reviewer and event.version == 2


def test_publishing_without_a_citation_is_refused_with_a_message(client, reviewer):
    cited, uncited = EventFactory(complete=True), EventFactory(complete=True)
    uncited.citations.all().delete()

    response = run_action(logged_in(client, reviewer), "publish", [cited, uncited])

    shown = messages_of(response)
    refusal = f"{uncited.event_id} is missing a citation: add it before publishing it."
    assert f"{uncited.event_id}: {refusal}" in shown
    assert "1 event published." in shown
    uncited.refresh_from_db()
    assert uncited.status == Status.DRAFT and uncited.version == 1


def test_a_reviewer_retracts_with_a_reason_through_the_confirmation_page(client, reviewer):
    event = EventFactory(status=Status.PUBLISHED)
    logged_in(client, reviewer)

    confirm = run_action(client, "retract", [event])
    assert confirm.templates[0].name == "admin/events/event/retract_selected.html"
    assert event.event_id in confirm.content.decode()
    data = form_data(confirm) | {"reason": "duplicate"}
    data["_selected_action"] = [event.pk]
    response = client.post(reverse(CHANGELIST), data, follow=True)

    assert "1 event retracted." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.RETRACTED and event.retraction_reason == "duplicate"
    assert Tombstone.objects.get(event_id=event.event_id).reason == "duplicate"


def test_a_retracted_event_is_read_only_even_for_reviewers(client, reviewer):
    event = EventFactory(status=Status.RETRACTED)
    logged_in(client, reviewer)
    page = client.get(change_url(event))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert client.post(change_url(event), {"fatalities": "1"}).status_code == 403


# Roles ---------------------------------------------------------------------------------------


def test_a_viewer_can_view_but_not_change(client, viewer):
    event = EventFactory(fatalities=3)
    EventActorFactory(event=event)
    CitationFactory(event=event)
    logged_in(client, viewer)

    changelist = client.get(reverse(CHANGELIST))
    assert changelist.status_code == 200 and event.event_id in changelist.content.decode()
    action_form = changelist.context["action_form"]
    offered = set(dict(action_form.fields["action"].choices)) if action_form else set()
    assert not offered & {"mark_reviewed", "publish", "retract", "delete_selected"}

    page = client.get(change_url(event))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert 'name="fatalities"' not in page.content.decode()
    assert "Clashes between armed groups." in page.content.decode()

    assert client.post(change_url(event), {"fatalities": "9"}).status_code == 403
    assert client.get(reverse("admin:events_event_add")).status_code == 403
    assert run_action(client, "mark_reviewed", [event]).status_code == 200
    event.refresh_from_db()
    assert event.fatalities == 3 and event.status == Status.DRAFT


def test_a_viewer_opens_every_changelist_and_change_page(client, viewer):
    rows = populate(2)
    logged_in(client, viewer)
    models = [apps.get_model(app, name) for app, name in CURATED_MODELS + READ_ONLY_MODELS]
    for model in (m for m in models if admin.site.is_registered(m)):
        opts = model._meta
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[rows[model].pk])
        page = client.get(url)
        assert page.status_code == 200, url
        assert not page.context["has_change_permission"], url


def test_a_curator_cannot_change_or_delete_a_published_event(client, curator):
    event = EventFactory(status=Status.PUBLISHED)
    logged_in(client, curator)

    assert not client.get(change_url(event)).context["has_change_permission"]
    assert client.post(change_url(event), {"fatalities": "1"}).status_code == 403
    assert client.get(reverse("admin:events_event_delete", args=[event.pk])).status_code == 403
    confirm = run_action(client, "delete_selected", [event])
    assert confirm.context["perms_lacking"]
    assert run_action(client, "delete_selected", [event], post="yes").status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_a_curator_deletes_a_draft(client, curator):
    event = EventFactory()
    logged_in(client, curator)
    response = client.post(reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    assert not Tombstone.objects.exists()  # drafts were never public


def test_a_reviewer_bulk_deletes_a_published_event_leaving_a_tombstone(client, reviewer):
    published, draft = EventFactory(status=Status.PUBLISHED), EventFactory()
    logged_in(client, reviewer)

    run_action(client, "delete_selected", [published, draft], post="yes")

    assert not Event.objects.filter(pk__in=[published.pk, draft.pk]).exists()
    assert list(Tombstone.objects.values_list("event_id", "deleted")) == [(published.event_id, True)]


# Search and filters --------------------------------------------------------------------------


def test_search_finds_events_by_id_notes_place_and_actor_alias(client, viewer):
    isis = ActorFactory(name="Islamic State (Syria)", aliases="Daesh\nISIS")
    by_actor = EventFactory(notes="A clash.")
    EventActorFactory(event=by_actor, actor=isis)
    by_notes = EventFactory(notes="Fighting near the Roman theatre.")
    by_place = EventFactory(place=PlaceFactory(name="Tadmur"))
    logged_in(client, viewer)

    def found(term):
        response = client.get(reverse(CHANGELIST), {"q": term})
        return {e.pk for e in response.context["cl"].result_list}

    assert found("daesh") == {by_actor.pk}
    assert found("roman theatre") == {by_notes.pk}
    assert found("tadmur") == {by_place.pk}
    assert found(by_notes.event_id.lower()) == {by_notes.pk}


def test_a_search_reads_its_matches_once_and_keeps_its_results_past_the_gather_limit(
    client, viewer, monkeypatch
):
    """events_matching gathers up to SEARCH_GATHER_LIMIT matching ids with one UNION on
    PostgreSQL (the count and the page then read the list), a filtered list's with its filters;
    beyond it the count is an estimate (no COUNT query) and the page reads the UNION as a
    subquery. Both give the same events, with the changelist's filters applied on top."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import events.admin

    lebanon = PlaceFactory(
        parent=PlaceFactory(name="Lebanon", kind="country", parent=None, country_code="LBN")
    )
    drones = [EventFactory(notes=f"A drone strike, number {n}.") for n in range(3)]
    in_lebanon = EventFactory(notes="Another drone strike.", place=lebanon)
    EventFactory(notes="A clash.")
    logged_in(client, viewer)

    def search(**params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        search.unions = [query for query in queries.captured_queries if "UNION" in query["sql"]]
        search.counts = [query for query in queries.captured_queries if "count(" in query["sql"].lower()]
        cl = response.context["cl"]
        search.estimated = cl.paginator.count_is_estimate
        text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())  # the page's words
        search.about = f"about {cl.result_count} events" in text
        return {e.pk for e in cl.result_list}, cl.result_count

    everything = {event.pk for event in [*drones, in_lebanon]}
    assert search(q="drone") == (everything, 4)
    assert search(q="drone", country="LBN") == ({in_lebanon.pk}, 1)
    assert search.estimated is False
    if connection.vendor == "postgresql":
        # gathered: the UNION once, then a list whose length is the count: no COUNT query
        assert len(search.unions) == 1 and not search.counts
        # a filtered list's UNION reads each branch with the list's filters (the country's join)
        assert search.unions[0]["sql"].count('"places_place"."country_code" = ') >= 5

        monkeypatch.setattr(events.admin, "SEARCH_GATHER_LIMIT", 2)  # past the limit
        found, count = search(q="drone")
        assert found == everything
        # the gathering found 3, more than the limit: at least that, an estimate (said so); uncounted
        assert search.estimated is True and search.about is True and count >= 3
        assert not search.counts, [query["sql"][:80] for query in search.counts]
        # filtered, its own matches (1) are within the limit: gathered and counted exactly
        assert search(q="drone", country="LBN") == ({in_lebanon.pk}, 1)
        assert search.estimated is False and search.about is False
        assert len(search.unions) == 1 and not search.counts


@pytest.mark.postgres
@pytest.mark.parametrize("margin", [0, 1000])  # the window too short for the page, or all events
def test_a_search_past_the_gather_limit_reads_its_page_from_the_latest_dates(
    client, viewer, monkeypatch, margin
):
    """Beyond SEARCH_GATHER_LIMIT the UNION runs over a window of the latest event dates for a
    newest-first page (RecentWindow); a window too short for the page falls back to the UNION
    whole. Either way the page holds the events a gathered search lists, in the same order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import events.admin
    import events.paging

    day = dt.date(2024, 1, 1)
    for n in range(12):
        EventFactory(notes=f"A drone strike, number {n}.", event_date=day + dt.timedelta(days=10 * n))
        EventFactory(notes="A clash.", event_date=day + dt.timedelta(days=10 * n + 5))
    EventActorFactory(event=EventFactory(notes="Shelling."), actor=ActorFactory(name="Drone Unit"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")  # the row count that sizes the window
    logged_in(client, viewer)
    admin_page = reverse(CHANGELIST)

    def listed(**params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(admin_page, {"q": "drone", **params})
        assert response.status_code == 200
        listed.unions = [q["sql"] for q in queries.captured_queries if "UNION" in q["sql"]]
        return [event.event_id for event in response.context["cl"].result_list]

    monkeypatch.setattr(events.admin.EventAdmin, "list_per_page", 5)
    by_name = Q(event_actors__actor__name__icontains="drone")
    matches = Event.objects.filter(Q(notes__icontains="drone") | by_name)
    newest = list(matches.distinct().order_by("-event_date", "-id").values_list("event_id", flat=True))
    gathered = [listed(p=page) for page in (1, 2)]
    assert gathered == [newest[:5], newest[5:10]] and len(newest) == 13
    monkeypatch.setattr(events.admin, "SEARCH_GATHER_LIMIT", 2)
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", margin)
    assert [listed(p=page) for page in (1, 2)] == gathered
    # the page's rows came from the window's UNION, which carries its dates, or (too short) from
    # the UNION whole after it
    assert ('"event_date" <= ' in listed.unions[-1]) is (margin > 0), listed.unions


def test_filters_by_country_and_actor_kind(client, viewer):
    lebanon = PlaceFactory(
        parent=PlaceFactory(name="Lebanon", kind="country", parent=None, country_code="LBN")
    )
    in_lebanon = EventFactory(place=lebanon)
    in_syria = EventFactory()
    EventActorFactory(event=in_syria, actor__kind=InterCode.PROTESTERS)
    logged_in(client, viewer)

    def listed(**params):
        response = client.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        return {e.pk for e in response.context["cl"].result_list}

    assert listed(country="LBN") == {in_lebanon.pk}
    assert listed(country="SYR") == {in_syria.pk}
    assert listed(actor_kind="6") == {in_syria.pk}
    assert listed(actor_kind="1") == set()
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "?country=LBN" in page and "?country=SYR" in page
    assert client.get(reverse(CHANGELIST), {"actor_kind": "nine"}).url.endswith("?e=1")


def test_autocomplete_finds_actors_by_alias_places_sources_and_events(client, curator):
    isis = ActorFactory(name="Islamic State (Syria)", aliases="Daesh")
    palmyra = PlaceFactory(name="Palmyra")
    observatory = SourceFactory(name="Syrian Observatory for Human Rights")
    event = EventFactory(event_id="SYR42")
    logged_in(client, curator)

    def found(model_name, field_name, term):
        params = {"app_label": "events", "model_name": model_name, "field_name": field_name, "term": term}
        response = client.get(reverse("admin:autocomplete"), params)
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]]

    assert found("eventactor", "actor", "daesh") == [str(isis.pk)]
    assert found("event", "place", "palmy") == [str(palmyra.pk)]
    assert found("citation", "source", "observatory") == [str(observatory.pk)]
    assert found("citation", "event", "syr42") == [str(event.pk)]


def test_the_history_page_shows_who_changed_what(client, curator):
    event = EventFactory(fatalities=3)
    logged_in(client, curator)
    data = form_data(client.get(change_url(event))) | {"fatalities": "8", "_save": "Save"}
    assert client.post(change_url(event), data).status_code == 302

    page = client.get(reverse("admin:events_event_history", args=[event.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "curator" in text and "Fatalities" in text
    first = event.history.earliest("history_date")
    old = client.get(reverse("admin:events_event_simple_history", args=[event.pk, first.history_id]))
    assert old.status_code == 200
    assert 'value="Revert"' not in old.content.decode()  # a revert would skip the inlines and the lock


# Query counts --------------------------------------------------------------------------------


def populate(n: int) -> dict:
    """n events with place, two actors and a citation each, and n rows of every other model."""
    rows: dict = {}
    for i in range(n):
        event = EventFactory(event_date=dt.date(2015, 1 + i % 12, 1 + i % 28))
        first = EventActorFactory(event=event, role=ActorRole.ACTOR1).actor
        second = EventActorFactory(
            event=event, role=ActorRole.ACTOR2, actor__kind=InterCode.STATE_FORCES
        ).actor
        citation = CitationFactory(event=event)
        relation = first.relations.create(object=second, kind="allied_with", citation=citation)
        batch = ImportBatch.objects.create(
            file_name=f"acled-{i}.csv", format="acled", errors=[{"row": 2, "reason": "bad"}]
        )
        tombstone = Tombstone.objects.create(
            event_id=f"GONE{i}", removed_at=dt.datetime(2016, 1, 1, tzinfo=dt.UTC), reason="error"
        )
        # No password: hashing one per row would dominate the test's time.
        user = get_user_model().objects.create(username=f"member{i}", is_staff=True)
        user.groups.add(group := Group.objects.create(name=f"Team {i}"))
        token = Token.objects.create(user=user)
        export = ExportJob.objects.create(
            created_by=user, format=ExportJob._meta.get_field("format").choices[0][0]
        )
        for obj in (
            event,
            citation,
            citation.source,
            first,
            relation,
            event.place,
            batch,
            tombstone,
            user,
            group,
        ):
            rows[type(obj)] = obj
        rows[TokenProxy] = token
        rows[ExportJob] = export
    return rows


# One bound for every changelist, whether it lists 5 or 50 rows.
CHANGELIST_QUERY_BOUND = 10


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=lambda m: m._meta.label
)
def test_every_changelist_renders_in_a_bounded_number_of_queries(
    client, superuser, django_assert_max_num_queries, model, rows
):
    populate(rows)
    logged_in(client, superuser)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    with django_assert_max_num_queries(CHANGELIST_QUERY_BOUND):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 5


@pytest.mark.parametrize("rows", [5, 50])
def test_the_event_change_page_renders_in_a_bounded_number_of_queries(
    client, curator, django_assert_max_num_queries, rows
):
    event = populate(rows)[Event]
    logged_in(client, curator)
    with django_assert_max_num_queries(15):
        response = client.get(change_url(event))
    assert response.status_code == 200


# The demo accounts ---------------------------------------------------------------------------


def test_create_demo_curator_is_idempotent_and_keeps_its_password(tmp_path, capsys, client):
    credentials = tmp_path / ".demo-credentials"
    call_command("create_demo_curator", credentials_file=credentials)
    first = capsys.readouterr().out
    call_command("create_demo_curator", credentials_file=credentials)
    second = capsys.readouterr().out

    assert "user name curator" in first and first == second
    password = first.split("password ")[1].split()[0]
    assert client.login(username="curator", password=password)
    user = get_user_model().objects.get(username="curator")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [CURATOR]


def test_create_demo_curator_makes_a_reviewer_and_new_passwords_on_request(tmp_path, capsys, client):
    credentials = tmp_path / ".demo-credentials"
    call_command("create_demo_curator", credentials_file=credentials)
    old = capsys.readouterr().out.split("password ")[1].split()[0]
    call_command("create_demo_curator", "--reviewer", "--new-password", credentials_file=credentials)
    out = capsys.readouterr().out

    assert "user name reviewer" in out
    new = out.split("password ")[1].split()[0]
    assert new != old
    assert not client.login(username="curator", password=old)
    assert client.login(username="curator", password=new)
    reviewer_password = out.split("user name reviewer, password ")[1].split()[0]
    assert client.login(username="reviewer", password=reviewer_password)
