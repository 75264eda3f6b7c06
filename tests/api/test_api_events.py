"""/api/v1/events/: payloads, fields=, pagination (page and cursor), query counts, history,
tombstones, writes through the services, optimistic locking and error shapes."""

import base64
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import CappedCountPaginator
from core.vocab import Status
from events.models import Citation, Event, EventActor, Tombstone
from tests.api_helpers import UTC, build_world, client_for, event_ids
from tests.factories import ActorFactory, PlaceFactory, SourceFactory

URL = "/api/v1/events/"


@pytest.fixture
def world(db):
    return build_world()


def detail_url(event) -> str:
    return f"{URL}{event.event_id}/"


def error_names(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return {error.get("parameter") or error.get("field"): error["message"] for error in body["errors"]}


# --- payload -----------------------------------------------------------------------------------


def test_event_payload_embeds_actors_place_hierarchy_and_citations(world):
    battle = world.events["battle"]
    response = client_for().get(detail_url(battle))
    assert response.status_code == 200
    body = response.json()
    assert body["event_id"] == battle.event_id
    assert body["disorder_type"] == "Political violence"
    assert body["interaction"] == 12
    assert body["status"] == "published"
    assert body["version"] == battle.version
    assert response["ETag"] == f'"{battle.version}"'
    army, islamic_state = world.actors["army"], world.actors["islamic_state"]
    assert body["actors"] == [
        {"id": army.pk, "name": army.name, "role": "actor1", "inter": 1, "kind": 1},
        {"id": islamic_state.pk, "name": islamic_state.name, "role": "actor2", "inter": 2, "kind": 2},
    ]
    place = body["place"]
    assert place["location"] == "Aleppo"
    assert place["kind"] == "locality"
    assert (place["country"], place["country_code"]) == ("Syria", "SYR")
    assert (place["admin1"], place["admin2"], place["admin3"]) == ("Aleppo", "Jebel Saman", "")
    assert (place["latitude"], place["longitude"]) == (36.2, 37.16)
    [citation] = body["citations"]
    assert citation["source"] == {
        "id": world.sources["sohr"].pk,
        "name": "Syrian Observatory for Human Rights",
    }
    assert citation["quote"] == "Ten fighters were killed."
    assert citation["field"] == "fatalities"


def test_fields_parameter_chooses_the_columns(world):
    response = client_for().get(f"{URL}?fields=event_id,event_date,place")
    rows = response.json()["results"]
    assert rows and all(set(row) == {"event_id", "event_date", "place"} for row in rows)
    detail = client_for().get(f"{detail_url(world.events['battle'])}?fields=event_id,fatalities")
    assert detail.json() == {"event_id": world.events["battle"].event_id, "fatalities": 10}


def test_unknown_fields_are_refused_naming_the_parameter(world):
    response = client_for().get(f"{URL}?fields=event_id,secret_sauce")
    assert response.status_code == 400
    assert "secret_sauce" in error_names(response)["fields"]


def test_unknown_event_is_404_with_the_error_shape(world):
    response = client_for().get(f"{URL}NOPE1/")
    assert response.status_code == 404
    assert response.json()["errors"] == [{"message": "No event NOPE1."}]


# --- query counts ------------------------------------------------------------------------------


def make_events(count: int) -> None:
    """`count` published events, each with a place, two actors and a citation (bulk-inserted)."""
    place, source = PlaceFactory(), SourceFactory()
    actor1, actor2 = ActorFactory(), ActorFactory(kind=1)
    start = Event.objects.count()
    events = []
    for n in range(count):
        event = Event(
            event_id=f"BLK{start + n + 1}",
            event_date=dt.date(2015, 1, 1) + dt.timedelta(days=n),
            event_type="Battles",
            sub_event_type="Armed clash",
            place=place,
            status=Status.PUBLISHED,
            interaction=12,
        )
        event.derive()
        events.append(event)
    events = Event.objects.bulk_create(events)
    EventActor.objects.bulk_create(
        [
            EventActor(event=e, actor=a, role=r, inter=a.kind)
            for e in events
            for a, r in ((actor1, "actor1"), (actor2, "actor2"))
        ]
    )
    Citation.objects.bulk_create([Citation(event=e, source=source, quote="Reported.") for e in events])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def test_list_pages_cost_the_same_few_queries_for_10_and_200_events(db, viewer):
    token_client = client_for(viewer)
    pages = {
        # count + page + actors + citations
        "anonymous": (client_for(), f"{URL}?page_size=200", 4),
        # + the token with its user + the viewer's permissions
        "token": (token_client, f"{URL}?page_size=200", 6),
        "filtered": (token_client, f"{URL}?page_size=200&country=SYR&event_type=Battles&year=2015", 6),
        # keyset pages have no count
        "cursor": (token_client, f"{URL}?pagination=cursor&page_size=200", 5),
    }
    make_events(10)
    with_10 = {name: queries_for(client, url) for name, (client, url, _) in pages.items()}
    make_events(190)
    with_200 = {name: queries_for(client, url) for name, (client, url, _) in pages.items()}
    assert with_10 == with_200
    assert with_200 == {name: budget for name, (_, _, budget) in pages.items()}
    assert len(client_for().get(f"{URL}?page_size=200").json()["results"]) == 200


def test_detail_costs_a_constant_number_of_queries(world, viewer, django_assert_max_num_queries):
    event = world.events["battle"]
    with django_assert_max_num_queries(3):  # event with place, actors, citations
        assert client_for().get(detail_url(event)).status_code == 200
    token_client = client_for(viewer)
    with django_assert_max_num_queries(5):  # + the token with its user, the viewer's permissions
        assert token_client.get(detail_url(event)).status_code == 200


# --- page-number pagination --------------------------------------------------------------------


def test_pages_carry_an_exact_count_and_links(world):
    first = client_for().get(f"{URL}?page_size=3").json()
    assert (first["count"], first["count_is_estimate"]) == (4, False)
    assert len(first["results"]) == 3 and first["previous"] is None
    second = client_for().get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {r["event_id"] for r in first["results"] + second["results"]} == world.ids(
        "battle", "airstrike", "protest", "regain"
    )


def test_counts_beyond_the_exact_limit_are_flagged_as_estimates(world, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "exact_limit", 2)
    body = client_for().get(f"{URL}?page_size=2").json()
    assert body["count_is_estimate"] is True
    assert body["count"] >= 3


def test_a_page_beyond_the_end_is_404_naming_page(world):
    response = client_for().get(f"{URL}?page=3&page_size=2")
    assert response.status_code == 404
    assert "beyond the last page" in error_names(response)["page"]


def test_pages_deeper_than_10000_rows_point_to_the_cursor(world):
    response = client_for().get(f"{URL}?page=201&page_size=50")
    assert response.status_code == 400
    assert "pagination=cursor" in error_names(response)["page"]
    assert client_for().get(f"{URL}?page=200&page_size=50").status_code == 404  # allowed, but empty


def test_malformed_page_parameters_are_400(world):
    for params, parameter in [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("page_size=ten", "page_size"),
    ]:
        response = client_for().get(f"{URL}?{params}")
        assert response.status_code == 400, params
        assert parameter in error_names(response), params


def test_page_size_is_capped_at_1000(world):
    response = client_for().get(f"{URL}?page_size=5000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 4


# --- cursor pagination -------------------------------------------------------------------------


def pull_all(url: str, client=None) -> list[str]:
    client = client or client_for()
    ids, pages = [], 0
    while url:
        body = client.get(url).json()
        assert "count" not in body
        ids += [row["event_id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    return ids


def test_cursor_pages_walk_every_event_once_in_updated_order(world):
    ids = pull_all(f"{URL}?pagination=cursor&page_size=1")
    assert ids == [world.events[n].event_id for n in ("battle", "airstrike", "protest", "regain")]


def test_cursor_is_stable_when_many_events_share_updated_at(db):
    make_events(7)
    Event.objects.update(updated_at=dt.datetime(2024, 6, 1, tzinfo=UTC))  # as a bulk import leaves them
    ids = pull_all(f"{URL}?pagination=cursor&page_size=2")
    assert sorted(ids) == sorted(Event.objects.values_list("event_id", flat=True))
    assert len(ids) == 7


def test_cursor_keeps_the_filters(world):
    ids = pull_all(f"{URL}?pagination=cursor&page_size=1&country=SYR&event_type=Battles&year=2015")
    assert set(ids) == world.ids("battle", "regain")


BAD_CURSORS = [
    "garbage!",
    base64.urlsafe_b64encode(b"not json").decode(),
    base64.urlsafe_b64encode(b'{"u": "2024-01-01T00:00:00+00:00"}').decode(),
    base64.urlsafe_b64encode(b'{"u": "yesterday", "i": 1}').decode(),
    base64.urlsafe_b64encode(b'{"u": "2024-01-01T00:00:00+00:00", "i": 99999999999999999999999}').decode(),
    base64.urlsafe_b64encode(b"[1, 2]").decode(),
]


def test_a_bad_cursor_is_400_naming_cursor(world):
    for cursor in BAD_CURSORS:
        response = client_for().get(f"{URL}?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in error_names(response), cursor


def test_cursor_pages_refuse_an_ordering(world):
    response = client_for().get(f"{URL}?pagination=cursor&ordering=fatalities")
    assert response.status_code == 400
    assert "ordering" in error_names(response)


# --- writes, locking, publishing ---------------------------------------------------------------


def new_event_payload(world, **changes) -> dict:
    payload = {
        "event_date": "2015-07-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "place": world.places["idlib_town"].pk,
        "fatalities": 4,
        "notes": "Clashes in Saraqib.",
        "actors": [
            {"actor": world.actors["army"].name, "role": "actor1"},
            {"actor": world.actors["islamic_state"].pk, "role": "actor2"},
            {"actor": "military forces of syria (2000-2024)", "role": "assoc_actor_2", "inter": 8},
        ],
        "citations": [
            {
                "source": "Reuters",
                "url": "https://example.org/b",
                "quote": "Four died.",
                "reported_fatalities": 4,
            }
        ],
    }
    payload.update(changes)
    return payload


def test_curators_create_drafts_with_actors_and_citations_by_name_or_id(world, curator):
    response = client_for(curator).post(URL, new_event_payload(world), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["event_id"].startswith("SYR")
    assert body["status"] == "draft" and body["version"] == 1
    assert body["interaction"] == 12
    assert [(a["role"], a["inter"]) for a in body["actors"]] == [
        ("actor1", 1),
        ("actor2", 2),
        ("assoc_actor_2", 8),
    ]
    assert body["citations"][0]["source"]["name"] == "Reuters"
    assert body["citations"][0]["reported_fatalities"] == 4
    assert response["Location"].endswith(f"/api/v1/events/{body['event_id']}/")
    event = Event.objects.get(event_id=body["event_id"])
    assert event.created_by == curator


INVALID_WRITES = [
    ({"sub_event_type": "Peaceful protest"}, "sub_event_type"),
    ({"fatalities": -1}, "fatalities"),
    ({"place": 999999}, "place"),
    ({"place": "Aleppo"}, "place"),
    ({"event_date": "2015-02-30"}, "event_date"),
    ({"end_date": "2015-06-01"}, "end_date"),
    ({"actors": [{"actor": "Nobody", "role": "actor1"}]}, "actors[0].actor"),
    ({"actors": [{"actor": "Reuters", "role": "actor9"}]}, "actors[0].role"),
    (
        {
            "actors": [
                {"actor": "Rioters (Syria)", "role": "actor1"},
                {"actor": "Civilians (Syria)", "role": "actor1"},
            ]
        },
        "actors",
    ),
    ({"citations": [{"source": "Pravda"}]}, "citations[0].source"),
    ({"citations": [{"source": "Reuters", "url": "not a url"}]}, "citations[0].url"),
]


def test_invalid_writes_are_400_naming_the_field(world, curator):
    client = client_for(curator)
    for changes, field in INVALID_WRITES:
        response = client.post(URL, new_event_payload(world, **changes), format="json")
        assert response.status_code == 400, (changes, response.content)
        assert field in error_names(response), (changes, response.json())
    assert Event.objects.count() == 5


def test_malformed_json_is_a_400_not_a_500(world, curator):
    response = client_for(curator).post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_updates_with_the_current_version_succeed(world, curator):
    riot = world.events["riot"]
    client = client_for(curator)
    response = client.patch(detail_url(riot), {"fatalities": 2, "version": riot.version}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["fatalities"] == 2
    assert response.json()["version"] == riot.version + 1
    assert response["ETag"] == f'"{riot.version + 1}"'


def test_a_stale_version_is_409_and_nothing_is_overwritten(world, curator, reviewer):
    riot = world.events["riot"]
    first = client_for(reviewer).patch(
        detail_url(riot), {"fatalities": 7, "version": riot.version}, format="json"
    )
    assert first.status_code == 200
    second = client_for(curator).patch(
        detail_url(riot), {"fatalities": 9, "version": riot.version}, format="json"
    )
    assert second.status_code == 409
    assert "changed by someone else" in second.json()["detail"]
    riot.refresh_from_db()
    assert riot.fatalities == 7


def test_a_stale_if_match_is_412_and_a_current_one_succeeds(world, curator):
    riot = world.events["riot"]
    client = client_for(curator)
    etag = client.get(detail_url(riot))["ETag"]
    ok = client.patch(detail_url(riot), {"notes": "Revised."}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.content
    stale = client.patch(detail_url(riot), {"notes": "Again."}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    riot.refresh_from_db()
    assert riot.notes == "Revised."
    stale_delete = client.delete(detail_url(riot), HTTP_IF_MATCH=etag)
    assert stale_delete.status_code == 412
    assert Event.objects.filter(pk=riot.pk).exists()


def test_updates_without_a_version_are_refused(world, curator):
    riot = world.events["riot"]
    response = client_for(curator).patch(detail_url(riot), {"fatalities": 2}, format="json")
    assert response.status_code == 400
    assert "version" in error_names(response)
    bad_header = client_for(curator).patch(
        detail_url(riot), {"fatalities": 2}, format="json", HTTP_IF_MATCH="x"
    )
    assert bad_header.status_code == 400
    assert "If-Match" in error_names(bad_header)


def test_updates_can_replace_actors_and_citations(world, curator):
    riot = world.events["riot"]
    payload = {
        "version": riot.version,
        "actors": [
            {"actor": "Rioters (Syria)", "role": "actor1"},
            {"actor": "Civilians (Syria)", "role": "actor2"},
        ],
        "citations": [{"source": "Reuters", "quote": "A shop was looted."}],
    }
    response = client_for(curator).patch(detail_url(riot), payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["interaction"] == 57
    assert [c["quote"] for c in body["citations"]] == ["A shop was looted."]


def test_publishing_without_a_citation_is_refused_with_400(world, reviewer):
    riot = world.events["riot"]
    response = client_for(reviewer).post(f"{detail_url(riot)}publish/")
    assert response.status_code == 400
    assert f"{riot.event_id} is missing a citation" in response.json()["detail"]


def test_publishing_without_actor_1_is_refused_with_400_naming_it(world, reviewer):
    riot = world.events["riot"]
    client = client_for(reviewer)
    patched = client.patch(
        detail_url(riot),
        {"version": riot.version, "actors": [], "citations": [{"source": "Reuters", "quote": "A mob."}]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    response = client.post(f"{detail_url(riot)}publish/")
    assert response.status_code == 400
    assert f"{riot.event_id} is missing actor 1: add it before publishing it." in response.json()["detail"]
    riot.refresh_from_db()
    assert riot.status == Status.DRAFT


def test_reviewers_publish_and_retract_leaving_a_tombstone(world, reviewer):
    riot = world.events["riot"]
    client = client_for(reviewer)
    client.patch(
        detail_url(riot),
        {"version": riot.version, "citations": [{"source": "Reuters", "quote": "Mob violence."}]},
        format="json",
    )
    published = client.post(f"{detail_url(riot)}publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert riot.event_id in event_ids(client_for().get(URL))
    retracted = client.post(f"{detail_url(riot)}retract/", {"reason": "duplicate"}, format="json")
    assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
    assert riot.event_id not in event_ids(client_for().get(URL))
    assert Tombstone.objects.get(event_id=riot.event_id).reason == "duplicate"


def test_an_unknown_retraction_reason_is_400(world, reviewer):
    response = client_for(reviewer).post(
        f"{detail_url(world.events['battle'])}retract/", {"reason": "boredom"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in error_names(response)


# --- history and tombstones --------------------------------------------------------------------


def test_history_lists_each_change_with_its_fields(world, curator, reviewer):
    created = client_for(curator).post(URL, new_event_payload(world), format="json").json()
    url = f"{URL}{created['event_id']}/"
    client_for(curator).patch(url, {"fatalities": 5, "version": 1}, format="json")
    client_for(reviewer).post(f"{url}publish/")
    history = client_for(reviewer).get(f"{url}history/").json()
    assert [entry["change_type"] for entry in history][0] == "created"
    assert any("fatalities" in entry["changed_fields"] for entry in history[1:-1])
    assert history[-1]["changed_fields"] == ["status"]
    assert history[-1]["user"] == "reviewer"
    assert {entry["user"] for entry in history} >= {"curator", "reviewer"}
    public = client_for().get(f"{url}history/").json()
    assert [entry["version"] for entry in public] == [history[-1]["version"]]  # from publication on
    assert {entry["user"] for entry in public} == {None}


def test_history_of_a_draft_is_404_for_anonymous_callers(world):
    response = client_for().get(f"{detail_url(world.events['riot'])}history/")
    assert response.status_code == 404
    assert world.events["riot"].event_id in response.json()["detail"]  # the id they asked for, nothing more


def test_tombstones_carry_only_id_time_reason_and_merged_into_and_take_since(world, reviewer):
    client = client_for(reviewer)
    client.post(f"{detail_url(world.events['battle'])}retract/", {"reason": "error"}, format="json")
    Tombstone.objects.filter(event_id=world.events["battle"].event_id).update(
        removed_at=dt.datetime(2024, 1, 10, tzinfo=UTC)
    )
    client.delete(detail_url(world.events["protest"]))
    body = client_for().get(f"{URL}tombstones/").json()
    assert [row["event_id"] for row in body["results"]] == [
        world.events["battle"].event_id,
        world.events["protest"].event_id,
    ]
    assert set(body["results"][0]) == {"event_id", "removed_at", "reason", "merged_into"}
    assert body["results"][0]["merged_into"] == ""
    since = client_for().get(f"{URL}tombstones/?since=2024-06-01").json()
    assert [row["event_id"] for row in since["results"]] == [world.events["protest"].event_id]
    same = client_for().get(f"{URL}tombstones/?updated_since=2024-06-01").json()
    assert same["results"] == since["results"]
    bad = client_for().get(f"{URL}tombstones/?since=soon")
    assert bad.status_code == 400 and "since" in error_names(bad)


# --- throttling --------------------------------------------------------------------------------


def test_anonymous_callers_are_throttled_with_429_and_the_error_shape(world, viewer, settings):
    from django.core.cache import cache

    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    anonymous = client_for()
    assert [anonymous.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    response = anonymous.get(URL)
    assert response.json()["detail"].startswith("Request was throttled")
    assert "Retry-After" in response
    assert client_for(viewer).get(URL).status_code == 200
    cache.clear()


# --- the documented recipe ---------------------------------------------------------------------


def test_the_documented_url_pulls_every_published_syrian_battle_of_2015_into_a_dataframe(world, viewer):
    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    url = re.search(r"curl '\S+?(/api/v1/events/\?country=SYR[^']+)'", guide).group(1)
    client, rows = client_for(viewer), []
    while url:
        page = client.get(url).json()
        rows += page["results"]
        url = page["next"]
    events = pd.json_normalize(rows, sep="_")
    assert set(events["event_id"]) == world.ids("battle", "regain")
    assert set(events["place_country_code"]) == {"SYR"}
    actors = pd.json_normalize(rows, record_path="actors", meta=["event_id"], record_prefix="actor_")
    assert len(actors) == 4


def test_options_and_head_requests_answer_without_errors(world, curator):
    client = client_for(curator)
    battle = detail_url(world.events["battle"])
    for url in [URL, battle, "/api/v1/actors/", "/api/v1/places/", "/api/v1/sources/"]:
        assert client.options(url).status_code == 200, url
        assert client.head(url).status_code == 200, url
    assert client.get(f"{URL}?format=xml").status_code == 404
