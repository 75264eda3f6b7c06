"""Coding aids of the event admin, through the admin's own client: place and actor suggestions, the
source scale list, search over place subtrees and sources, the coders' filters, the bulk "set a
field" action per role with its history rows, and "View site"."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.vocab import ActorRole, InterCode, SourceScale, Status
from events.models import Event
from places.models import Place, PlaceKind
from tests.factories import (
    ActorFactory,
    CitationFactory,
    EventActorFactory,
    EventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:events_event_changelist")
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def homs(db) -> dict[str, Place]:
    """Syria > Homs (admin1) > Homs (admin2) > Tadmor; Aleppo (admin1) > Kweires airbase (site)."""
    syria = Place.objects.create(name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR")
    governorate = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN1, parent=syria)
    district = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN2, parent=governorate)
    town = Place.objects.create(name="Tadmor", kind=PlaceKind.LOCALITY, parent=district)
    aleppo = Place.objects.create(name="Aleppo", kind=PlaceKind.ADMIN1, parent=syria)
    airbase = Place.objects.create(name="Kweires airbase", kind=PlaceKind.SITE, parent=aleppo)
    return {
        "syria": syria,
        "governorate": governorate,
        "district": district,
        "town": town,
        "aleppo": aleppo,
        "airbase": airbase,
    }


def listed(client, **params) -> set[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return {event.event_id for event in response.context["cl"].result_list}


# Suggestions -------------------------------------------------------------------------------


def test_place_suggestions_name_their_kind_and_the_levels_above(client, curator, homs):
    client.force_login(curator)
    params = {"app_label": "events", "model_name": "event", "field_name": "place", "term": "Homs"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AUTOCOMPLETE, params)
    assert response.status_code == 200
    texts = [result["text"] for result in response.json()["results"]]
    assert texts == ["Homs (admin1) — Syria", "Homs (admin2) — Syria › Homs"]
    # The labels read the row's own columns: the count and the page, no query per suggestion.
    assert len([q for q in queries.captured_queries if "places_place" in q["sql"]]) <= 2

    response = client.get(AUTOCOMPLETE, {**params, "term": "Kweires"})
    assert [r["text"] for r in response.json()["results"]] == ["Kweires airbase (site) — Syria › Aleppo"]


def test_actor_suggestions_carry_the_inter_code_the_form_fills_in(client, curator):
    client.force_login(curator)
    actor = ActorFactory(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES)
    params = {"app_label": "events", "model_name": "eventactor", "field_name": "actor", "term": "Military"}
    response = client.get(AUTOCOMPLETE, params)
    assert response.json()["results"] == [
        {"id": str(actor.pk), "text": actor.name, "kind": InterCode.STATE_FORCES}
    ]


def test_the_event_form_carries_the_sub_event_types_of_each_event_type_and_its_script(client, curator):
    client.force_login(curator)
    page = client.get(reverse("admin:events_event_add")).content.decode()
    assert "data-sub-event-types=" in page and "events/event_admin.js" in page
    assert "&quot;Protests&quot;: [[&quot;Peaceful protest&quot;" in page


def test_source_scale_is_chosen_from_acleds_list_and_an_unlisted_stored_value_is_kept(client, curator):
    client.force_login(curator)
    form = client.get(reverse("admin:events_event_add")).context["adminform"].form
    assert [value for value, _ in form.fields["source_scale"].choices] == ["", *SourceScale.values]

    event = EventFactory(source_scale="Regional-National")
    form = client.get(reverse("admin:events_event_change", args=[event.pk])).context["adminform"].form
    assert ("Regional-National", "Regional-National (not in ACLED's list)") in form.fields[
        "source_scale"
    ].choices


def test_view_site_opens_the_public_explorer(client, curator):
    client.force_login(curator)
    assert 'href="/explore/"' in client.get(reverse("admin:index")).content.decode()


# Search and filters ------------------------------------------------------------------------


def test_searching_a_place_finds_the_events_of_every_place_under_it(client, viewer, homs):
    client.force_login(viewer)
    EventFactory(event_id="SYR1", place=homs["town"])
    EventFactory(event_id="SYR2", place=homs["district"])
    EventFactory(event_id="SYR3", place=homs["airbase"])
    assert listed(client, q="Homs") == {"SYR1", "SYR2"}
    assert listed(client, q="Aleppo") == {"SYR3"}


def test_searching_a_source_name_finds_the_events_citing_it(client, viewer, homs):
    client.force_login(viewer)
    cited = EventFactory(event_id="SYR1", place=homs["town"])
    CitationFactory(event=cited, source=SourceFactory(name="Syrian Observatory for Human Rights"))
    EventFactory(event_id="SYR2", place=homs["town"])
    assert listed(client, q="Observatory") == {"SYR1"}


def test_the_admin1_filter_takes_the_whole_subtree(client, viewer, homs):
    client.force_login(viewer)
    EventFactory(event_id="SYR1", place=homs["town"])
    EventFactory(event_id="SYR2", place=homs["airbase"])
    assert listed(client, admin1=homs["governorate"].pk) == {"SYR1"}
    assert listed(client, admin1=homs["aleppo"].pk) == {"SYR2"}
    response = client.get(CHANGELIST, {"country": "SYR"})
    [spec] = [spec for spec in response.context["cl"].filter_specs if spec.title == "admin1"]
    assert [label for _pk, label in spec.lookup_choices] == ["Aleppo", "Homs"]


def test_a_date_range_filter_includes_both_ends(client, viewer, homs):
    client.force_login(viewer)
    for day in (1, 10, 20):
        EventFactory(event_id=f"SYR{day}", event_date=dt.date(2016, 3, day), place=homs["town"])
    assert listed(client, date_from="2016-03-10", date_to="2016-03-20") == {"SYR10", "SYR20"}
    assert listed(client, date_to="2016-03-10") == {"SYR1", "SYR10"}
    assert listed(client, date_from="", date_to="") == {"SYR1", "SYR10", "SYR20"}


def test_a_bad_date_is_refused_without_an_error_page(client, viewer):
    client.force_login(viewer)
    response = client.get(CHANGELIST, {"date_from": "10/03/2016"})
    assert response.status_code == 302 and response.url.endswith("?e=1")


def test_source_and_actor_filters_match_typed_names_without_repeating_events(client, viewer, homs):
    client.force_login(viewer)
    both = EventFactory(event_id="SYR1", place=homs["town"])
    other = EventFactory(event_id="SYR2", place=homs["town"])
    observatory = SourceFactory(name="Syrian Observatory for Human Rights")
    CitationFactory(event=both, source=observatory)
    CitationFactory(event=both, source=observatory)
    CitationFactory(event=other, source=SourceFactory(name="Reuters"))
    isis = ActorFactory(name="Islamic State (Syria)", aliases="ISIS")
    EventActorFactory(event=both, actor=isis, role=ActorRole.ACTOR1)
    EventActorFactory(event=both, actor=ActorFactory(name="ISIS splinter"), role=ActorRole.ACTOR2)
    response = client.get(CHANGELIST, {"source": "observatory"})
    assert [event.event_id for event in response.context["cl"].result_list] == ["SYR1"]
    assert listed(client, actor="isis") == {"SYR1"}
    assert listed(client, actor="isis", source="reuters") == set()


# The bulk "set a field" action -------------------------------------------------------------


def set_field(client, events, **fields):
    data = {"action": "set_field", "_selected_action": [e.pk for e in events], "apply": "yes", **fields}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_action_asks_for_the_field_and_value_first(client, curator):
    client.force_login(curator)
    event = EventFactory()
    response = client.post(CHANGELIST, {"action": "set_field", "_selected_action": [event.pk]})
    assert response.status_code == 200 and response.templates[0].name == "admin/events/event/set_field.html"
    # A curator may mark reviewed but not publish: only that status is offered.
    assert [value for value, _ in response.context["form"].fields["status"].choices] == ["reviewed"]
    assert Event.objects.get(pk=event.pk).version == event.version


def test_a_curator_sets_tags_on_drafts_with_a_history_row_each_and_published_events_are_refused(
    client, curator
):
    client.force_login(curator)
    drafts = [EventFactory(), EventFactory()]
    published = EventFactory(status=Status.PUBLISHED)
    response = set_field(client, [*drafts, published], field="tags", tags="women targeted")
    refusal = (
        f"{published.event_id}: {published.event_id} is published: only reviewers can change it "
        "(or an admin); ask one to correct or retract it."
    )
    assert refusal in messages_of(response)
    assert "2 events now have tags “women targeted”." in messages_of(response)
    for draft in drafts:
        draft.refresh_from_db()
        assert (draft.tags, draft.version, draft.updated_by) == ("women targeted", 2, curator)
        latest = draft.history.latest()
        assert latest.history_change_reason == "Bulk edit: tags set to “women targeted”"
        assert latest.history_user == curator
    published.refresh_from_db()
    assert (published.tags, published.version) == ("", 1)


def test_setting_a_value_an_event_already_has_writes_nothing(client, curator):
    client.force_login(curator)
    event = EventFactory(source_scale="National")
    rows = event.history.count()
    set_field(client, [event], field="source_scale", source_scale="National")
    assert (Event.objects.get(pk=event.pk).version, event.history.count()) == (1, rows)


def test_a_source_scale_outside_acleds_list_is_refused(client, curator):
    client.force_login(curator)
    event = EventFactory()
    response = set_field(client, [event], field="source_scale", source_scale="Galactic")
    assert "source_scale" in response.context["form"].errors
    assert Event.objects.get(pk=event.pk).source_scale == ""


def test_a_curator_cannot_publish_in_bulk_and_a_reviewer_can(client, curator, reviewer):
    event = EventFactory(complete=True)
    client.force_login(curator)
    response = set_field(client, [event], field="status", status="published")
    assert "status" in response.context["form"].errors  # not a choice offered to a curator
    assert Event.objects.get(pk=event.pk).status == Status.DRAFT

    client.force_login(reviewer)
    response = set_field(client, [event], field="status", status="published")
    assert "1 event published." in messages_of(response)
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED
    assert event.history.latest().status == Status.PUBLISHED


def test_marking_reviewed_in_bulk_goes_through_the_workflow(client, curator):
    client.force_login(curator)
    draft, reviewed = EventFactory(complete=True), EventFactory(status=Status.REVIEWED, complete=True)
    response = set_field(client, [draft, reviewed], field="status", status="reviewed")
    refusal = f"{reviewed.event_id}: Only drafts can be marked reviewed; {reviewed.event_id} is reviewed."
    assert refusal in messages_of(response)
    assert Event.objects.get(pk=draft.pk).status == Status.REVIEWED


def test_a_viewer_is_not_offered_the_action(client, viewer):
    client.force_login(viewer)
    event = EventFactory()
    response = client.get(CHANGELIST)
    action_form = response.context["action_form"]  # None: a viewer has no action at all
    assert action_form is None or "set_field" not in dict(action_form.fields["action"].choices)
    set_field(client, [event], field="tags", tags="x")
    assert Event.objects.get(pk=event.pk).tags == ""


def test_a_typed_filter_keeps_the_lists_other_filters(client, viewer, homs):
    client.force_login(viewer)
    page = client.get(CHANGELIST, {"country": "SYR", "status": "draft", "actor": "isis"}).content.decode()
    form = page[page.index('<details data-filter-title="source"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="country" value="SYR">' in form
    assert '<input type="hidden" name="actor" value="isis">' in form
    assert '<input type="search" name="source" value=""' in form
    # A used filter offers to clear itself, keeping the others.
    page = client.get(CHANGELIST, {"country": "SYR", "source": "reuters"}).content.decode()
    form = page[page.index('<details data-filter-title="source"') :]
    assert '<a href="?country=SYR">Clear</a>' in form[: form.index("</form>")]
