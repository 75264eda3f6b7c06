"""The side doors the walker found, one test each: history versions only show, citations reach
published and retracted events only through the rules, reviewers delete retracted events."""

import pytest
from django.urls import reverse

from core.vocab import Status
from events.models import Citation, Event, Tombstone
from events.services import event_publish, event_retract
from tests.factories import CitationFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def published_event(reviewer) -> Event:
    return event_publish(event=EventFactory(complete=True), by=reviewer)


def version_url(obj, history_id: int) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, history_id])


# History versions ----------------------------------------------------------------------------


def test_a_version_page_shows_the_old_values_as_text_with_nothing_to_submit(client, viewer):
    source = SourceFactory(name="Old name")
    first = source.history.get().history_id
    source.name = "New name"
    source.save()
    page = signed_in(client, viewer).get(version_url(source, first))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Old name" in html
    assert 'name="name"' not in html and 'name="_save"' not in html


@pytest.mark.parametrize("role", ["viewer", "curator", "reviewer", "superuser"])
def test_posting_a_version_writes_nothing_for_any_role(client, request, role):
    source = SourceFactory(name="Old name")
    first = source.history.get().history_id
    source.name = "New name"
    source.save()
    user = request.getfixturevalue(role)
    response = signed_in(client, user).post(
        version_url(source, first), {"name": "Old name", "kind": source.kind, "scale": source.scale}
    )
    assert response.status_code == 403
    source.refresh_from_db()
    assert source.name == "New name" and source.history.count() == 2


def test_a_curator_cannot_turn_a_published_event_back_into_its_draft_version(client, curator, reviewer):
    event = published_event(reviewer)
    draft_version = event.history.earliest("history_date").history_id
    data = {
        "event_date": str(event.event_date),
        "time_precision": "1",
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "place": str(event.place_id),
        "fatalities": "0",
        "expected_version": str(event.version),
    }
    response = signed_in(client, curator).post(version_url(event, draft_version), data)
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED


# Citations -----------------------------------------------------------------------------------


def citation_form(citation: Citation, event: Event) -> dict[str, str]:
    return {"event": str(event.pk), "source": str(citation.source_id), "quote": "Moved here.", "field": ""}


def test_a_curator_cannot_add_a_citation_to_a_published_event(client, curator, reviewer):
    event = published_event(reviewer)
    response = signed_in(client, curator).post(
        reverse("admin:events_citation_add"), citation_form(event.citations.get(), event)
    )
    assert response.status_code == 200
    assert "only reviewers change the actors and citations" in str(response.context["adminform"].form.errors)
    assert event.citations.count() == 1


def test_a_curator_cannot_move_a_drafts_citation_onto_a_published_event(client, curator, reviewer):
    published = published_event(reviewer)
    citation = CitationFactory(event=EventFactory())
    url = reverse("admin:events_citation_change", args=[citation.pk])
    response = signed_in(client, curator).post(url, citation_form(citation, published))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["event"]
    citation.refresh_from_db()
    assert citation.event_id != published.pk and citation.quote != "Moved here."


def test_a_curator_still_moves_a_citation_between_drafts(client, curator):
    citation, other = CitationFactory(event=EventFactory()), EventFactory()
    url = reverse("admin:events_citation_change", args=[citation.pk])
    response = signed_in(client, curator).post(url, citation_form(citation, other))
    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.event_id == other.pk


def test_nobody_adds_a_citation_to_a_retracted_event(client, superuser, reviewer):
    event = event_retract(event=published_event(reviewer), by=reviewer)
    response = signed_in(client, superuser).post(
        reverse("admin:events_citation_add"), citation_form(event.citations.get(), event)
    )
    assert "was retracted" in str(response.context["adminform"].form.errors["event"])
    assert event.citations.count() == 1


# Deleting retracted events -------------------------------------------------------------------


def test_a_reviewer_deletes_a_retracted_event_with_its_citations_and_the_tombstone_stays(client, reviewer):
    event = event_retract(event=published_event(reviewer), by=reviewer)
    url = reverse("admin:events_event_delete", args=[event.pk])
    response = signed_in(client, reviewer).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists() and not Citation.objects.exists()
    assert Tombstone.objects.get(event_id=event.event_id).deleted


def test_a_curator_still_cannot_delete_a_retracted_event(client, curator, reviewer):
    event = event_retract(event=published_event(reviewer), by=reviewer)
    response = signed_in(client, curator).post(
        reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()
