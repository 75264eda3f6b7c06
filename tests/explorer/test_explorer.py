"""The public explorer (/explore/) and event pages (/events/<event_id>/): what they show, to whom."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from core.vocab import ActorRole, EventType, Status, SubEventType
from events.models import Tombstone
from events.services import event_publish, event_retract, event_update
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
EXPLORE = "/explore/"


@pytest.fixture
def world(db):
    """Published events in Syria and Turkey, a draft and a reviewed one with telling notes."""
    syria = CountryFactory()
    turkey = CountryFactory(name="Turkey", country_code="TUR", latitude=39.0, longitude=35.0)
    palmyra = PlaceFactory(name="Palmyra", parent=syria, latitude=34.56, longitude=38.28)
    ankara = PlaceFactory(name="Ankara", parent=turkey, latitude=39.93, longitude=32.86)
    published = [
        EventFactory(event_id="SYR1", place=palmyra, fatalities=12, status=Status.PUBLISHED),
        EventFactory(
            event_id="SYR2",
            place=palmyra,
            event_type=EventType.PROTESTS,
            sub_event_type=SubEventType.PEACEFUL_PROTEST,
            status=Status.PUBLISHED,
        ),
        EventFactory(event_id="TUR1", place=ankara, fatalities=3, status=Status.PUBLISHED),
    ]
    EventFactory(event_id="SYR3", place=palmyra, notes="Secret draft notes.", fatalities=99)
    EventFactory(event_id="SYR4", place=palmyra, notes="Reviewed, not out.", status=Status.REVIEWED)
    return published


def links(html: str, css_class: str) -> list[str]:
    return [
        m.group(1).replace("&amp;", "&") for m in re.finditer(rf'class="{css_class}" href="([^"]*)"', html)
    ]


def test_the_explorer_shows_published_counts_and_events_only(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # countries, the admin1 counts, the events, their actors
        response = client.get(EXPLORE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 events, 15 fatalities" in html
    for event_id in ("SYR1", "SYR2", "TUR1"):
        assert f'href="/events/{event_id}/"' in html
    assert "SYR3" not in html and "Secret draft notes" not in html and "SYR4" not in html
    assert 'id="map"' in html and 'id="timeline"' in html


def test_a_viewer_sees_published_events_too_unless_asking_for_a_status(client, viewer, world):
    client.force_login(viewer)
    assert "SYR3" not in client.get(EXPLORE).content.decode()
    assert "SYR3" in client.get(EXPLORE, {"status": "draft"}).content.decode()


def test_anonymous_callers_asking_for_drafts_still_get_published_events_only(client, world):
    html = client.get(EXPLORE, {"status": "draft"}).content.decode()
    assert "SYR3" not in html


def test_filters_narrow_the_page_and_travel_into_every_download_link(client, world):
    response = client.get(EXPLORE, {"country": "TUR", "fatalities_min": "1", "utm_source": "x", "q": ""})
    html = response.content.decode()
    assert "1 event, 3 fatalities" in html
    assert "/events/TUR1/" in html and "/events/SYR1/" not in html
    downloads = links(html, "download")
    assert sorted(urlsplit(url).path for url in downloads) == sorted(
        reverse(name)
        for name in (
            "export-events-csv",
            "export-events-acled",
            "export-events-xlsx",
            "export-events-geojson",
        )
    )
    for url in downloads:  # only the filters the exports accept, none empty, nothing foreign
        assert parse_qs(urlsplit(url).query) == {"country": ["TUR"], "fatalities_min": ["1"]}
    assert 'data-query="country=TUR&amp;fatalities_min=1"' in html  # the map and timeline's


def test_the_download_links_answer_with_the_filtered_events(client, world):
    html = client.get(EXPLORE, {"country": "TUR"}).content.decode()
    csv_url = next(url for url in links(html, "download") if urlsplit(url).path.endswith("events.csv"))
    response = client.get(csv_url)
    body = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
    assert response.status_code == 200
    assert "TUR1" in body and "SYR1" not in body


def test_the_map_and_timeline_requests_the_page_makes_are_accepted(client, world):
    base = reverse("event-aggregate") + "?country=SYR&"
    assert client.get(base + "by=place,event_type").json()["count"] == 2  # Palmyra × 2 types
    timeline = client.get(base + "by=event_type&period=week&fill=1")
    assert timeline.status_code == 200


def test_a_bad_filter_is_a_400_naming_it_and_shows_no_events(client, world):
    response = client.get(EXPLORE, {"date_after": "yesterday", "country": "SYR"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "date_after" in html and "YYYY-MM-DD" in html
    assert "/events/SYR1/" not in html
    response = client.get(EXPLORE, {"actor": "Nobody at all"})
    assert response.status_code == 400
    assert "actor" in response.content.decode()


def test_pages_carry_no_inline_script_or_style(client, world):
    """The Content-Security-Policy allows scripts from this origin only: no inline code."""
    for url in (EXPLORE, "/events/SYR1/", EXPLORE + "?date_after=bad"):
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=|\son[a-z]+=|<style", html), url
        assert "http://" not in html.replace("http://testserver", "") and "https://" not in html, url


# --- The event page -------------------------------------------------------------------------


@pytest.fixture
def cited_event(db, reviewer):
    """A draft changed before publication, published, then changed again."""
    event = EventFactory(event_id="SYR10", place=PlaceFactory(name="Palmyra"), notes="First draft.")
    EventActorFactory(event=event, role=ActorRole.ACTOR1, actor=ActorFactory(name="Islamic State (Syria)"))
    CitationFactory(
        event=event,
        source=SourceFactory(name="Syrian Observatory for Human Rights"),
        quote="Islamic State fighters seized the ancient city.",
        url="https://example.org/palmyra",
    )
    event = event_update(event=event, data={"civilian_targeting": True}, expected_version=event.version)
    event = event_publish(event=event, by=reviewer)
    return event_update(event=event, data={"fatalities": 7}, expected_version=event.version)


def test_the_event_page_shows_coding_actors_quotes_links_and_public_history(
    client, cited_event, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get("/events/SYR10/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Islamic State (Syria)" in html
    assert "Islamic State fighters seized the ancient city." in html
    assert 'href="https://example.org/palmyra"' in html
    assert f'data-latitude="{cited_event.place.latitude:.6f}"' in html
    history = html[html.index("<h2>History</h2>") :]
    assert "fatalities" in history
    assert "civilian_targeting" not in history  # changed while a draft: not public history
    assert history.count("<tr><td>") == 2  # the publication and the change after it


def test_unpublished_events_are_404_for_everyone(client, viewer, world):
    assert client.get("/events/SYR3/").status_code == 404
    assert client.get("/events/SYR4/").status_code == 404
    assert client.get("/events/NOSUCH1/").status_code == 404
    client.force_login(viewer)
    assert client.get("/events/SYR3/").status_code == 404


def test_a_retracted_event_shows_a_tombstone_notice_and_no_content(client, cited_event, reviewer):
    event_retract(event=cited_event, by=reviewer)
    response = client.get("/events/SYR10/")
    html = response.content.decode()
    assert response.status_code == 410
    assert "SYR10 has been retracted" in html and "Coding error" in html
    assert "Islamic State" not in html and "Palmyra" not in html and "First draft" not in html


def test_a_deleted_event_shows_its_tombstone(client, db):
    from django.utils import timezone

    Tombstone.objects.create(event_id="SYR77", removed_at=timezone.now(), reason="duplicate", deleted=True)
    response = client.get("/events/SYR77/")
    assert response.status_code == 410
    assert "SYR77 has been deleted" in response.content.decode()


def test_the_map_starts_from_places_unless_more_events_than_an_answer_has_places(client, world, monkeypatch):
    assert 'data-level="place"' in client.get(EXPLORE).content.decode()
    monkeypatch.setattr("explorer.views.MAX_PLACES", 2)  # 3 events might be 3 places
    assert 'data-level="admin1"' in client.get(EXPLORE).content.decode()
    assert 'data-level="place"' in client.get(EXPLORE, {"country": "TUR"}).content.decode()
