"""List pages are built from rows (events.api.serializers.EventRows), details by EventSerializer:
both must give the same JSON, member for member and in the same order."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import CappedCountPaginator, capped_count
from core.vocab import ActorRole, EventType, InterCode, RetractionReason, Status, SubEventType
from events.api.serializers import EVENT_FIELDS, EventRows
from events.models import Event
from places.models import PlaceKind
from tests.api_helpers import UTC, _event, _place, build_world, client_for
from tests.factories import ActorFactory, SourceFactory

URL = "/api/v1/events/"


@pytest.fixture
def world(db):
    """build_world's five events and four whose members are null, blank, empty or many."""
    w = build_world()
    hamlet = _place("Nowhere", PlaceKind.LOCALITY, w.places["syria"])  # no coordinates
    rebels, militia = ActorFactory(kind=InterCode.REBEL_GROUP), ActorFactory(kind=InterCode.POLITICAL_MILITIA)
    source = SourceFactory()
    w.events["legacy"] = _event(
        event_date=dt.date(2001, 2, 3),
        end_date=dt.date(2001, 2, 9),
        event_type=EventType.EXPLOSIONS,
        legacy_event_type="Remote violence",
        place=hamlet,
        geo_precision=None,
        tags="legacy; imported",
        source_scale="National-Regional",
        actors=[
            (rebels, ActorRole.ACTOR1),
            (militia, ActorRole.ASSOC_ACTOR_1),
            (w.actors["army"], ActorRole.ASSOC_ACTOR_1, InterCode.EXTERNAL_OTHER),
            (w.actors["civilians"], ActorRole.ACTOR2),
        ],
        citations=[
            {
                "source": source,
                "url": "https://example.org/1",
                "quote": "Four killed.",
                "field": "fatalities",
                "reported_fatalities": 4,
                "published_on": dt.date(2001, 2, 4),
                "accessed_on": dt.date(2020, 1, 1),
                "archive_url": "https://archive.org/x",
            },
            {"source": w.sources["reuters"], "quote": "Three killed.", "reported_fatalities": 3},
        ],
    )
    w.events["bare"] = _event(
        event_date=dt.date(2020, 7, 1),
        event_type=EventType.STRATEGIC_DEVELOPMENTS,
        sub_event_type=SubEventType.AGREEMENT,
        place=w.places["iraq"],
    )
    retracted = _event(
        event_date=dt.date(2019, 5, 5),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=w.places["aleppo_city"],
        actors=[(w.actors["army"], ActorRole.ACTOR1)],
        citations=[{"source": source, "quote": "A clash."}],
    )
    Event.objects.filter(pk=retracted.pk).update(
        status=Status.RETRACTED,
        retracted_at=dt.datetime(2024, 6, 1, 12, 30, 15, 123456, tzinfo=UTC),
        retraction_reason=RetractionReason.DUPLICATE,
    )
    w.events["retracted"] = retracted
    return w


def detail(client, event_id: str, query: str = "") -> dict:
    response = client.get(f"{URL}{event_id}/{query}")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("pagination", ["page", "cursor"])
def test_list_rows_equal_the_detail_payload_of_every_event(world, viewer, pagination):
    client = client_for(viewer)
    response = client.get(f"{URL}?page_size=100&pagination={pagination}")
    rows = response.json()["results"]
    assert len(rows) == Event.objects.count() == 8
    for row in rows:
        expected = detail(client, row["event_id"])
        assert row == expected
        assert list(row) == list(expected) == EVENT_FIELDS


def test_member_rows_read_by_the_precompiled_statement_equal_the_orm_rows(world):
    """On PostgreSQL a page's actors and citations are read by a statement compiled once
    (_member_rows); its rows must be the ORM's values() rows, value for value and type for type."""
    from events.api.serializers import _columns as member_columns
    from events.api.serializers import _event_shape, _member_rows

    ids = list(Event.objects.values_list("pk", flat=True))
    for _ in range(2):  # compiled on the first call, reused on the second
        for selector, members in _event_shape()[1].values():
            names = ["event_id", *member_columns(members)]
            rows = _member_rows(selector, names, ids)
            expected = list(selector(event_ids=ids).values(*names))
            assert rows == expected
            assert [[type(value) for value in row.values()] for row in rows] == [
                [type(value) for value in row.values()] for row in expected
            ]
            assert any(row["event_id"] == world.events["legacy"].pk for row in rows)
    assert _member_rows(selector, names, []) == []


def test_list_rows_keep_only_the_chosen_fields_in_the_payload_order(world, viewer):
    client = client_for(viewer)
    query = "?fields=citations,place,event_id,updated_at"
    rows = client.get(f"{URL}{query}&page_size=100").json()["results"]
    assert len(rows) == 8
    for row in rows:
        assert list(row) == ["event_id", "place", "citations", "updated_at"]
        assert row == detail(client, row["event_id"], query)


def test_list_members_not_asked_for_are_not_queried(world):
    with CaptureQueriesContext(connection) as everything:
        client_for().get(f"{URL}?page_size=100")
    with CaptureQueriesContext(connection) as no_lists:
        client_for().get(f"{URL}?page_size=100&fields=event_id,place")
    # count + page + actors + citations, then count + page
    assert (len(everything), len(no_lists)) == (4, 2)


def test_rows_render_an_empty_page():
    assert EventRows().render([]) == []


@pytest.mark.postgres
def test_an_estimated_count_costs_no_extra_query(world, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "exact_limit", 2)
    with CaptureQueriesContext(connection) as queries:
        body = client_for().get(f"{URL}?page_size=2").json()
    assert body["count_is_estimate"] is True and body["count"] >= 3
    # count and estimate in one statement (chronicle_row_estimate), page, actors, citations
    assert len(queries) == 4


def test_capped_counts_are_exact_up_to_the_limit_and_flagged_beyond(world):
    events = Event.objects.all()
    assert capped_count(events, 8) == (8, False)
    assert capped_count(events.filter(status=Status.DRAFT), 1) == (1, False)
    count, estimated = capped_count(events, 7)
    assert estimated is True and count >= 8


def test_pages_deep_in_the_list_hold_the_rows_a_plain_slice_would(world, viewer):
    client = client_for(viewer)
    everything = [row["event_id"] for row in client.get(f"{URL}?page_size=100").json()["results"]]
    pages = [client.get(f"{URL}?page_size=3&page={n}").json()["results"] for n in (1, 2, 3)]
    assert [row["event_id"] for page in pages for row in page] == everything
    by_fatalities = client.get(f"{URL}?page_size=3&page=2&ordering=-fatalities").json()["results"]
    expected = Event.objects.order_by("-fatalities", "-id").values_list("event_id", flat=True)[3:6]
    assert [row["event_id"] for row in by_fatalities] == list(expected)


@pytest.mark.postgres
def test_a_small_full_text_match_set_is_gathered_sorted_and_counted_in_one_statement(world, monkeypatch):
    import events.paging

    def page(query):
        with CaptureQueriesContext(connection) as queries:
            body = client_for().get(f"{URL}?{query}").json()
        return body, [q["sql"] for q in queries.captured_queries]

    body, statements = page("page_size=1&page=2&q=market or army")
    estimate, gathered = [sql for sql in statements if "websearch_to_tsquery" in sql]
    assert estimate.startswith("SELECT chronicle_row_estimate(")  # the planner expects few matches
    # the ids' order is an expression no index provides, so PostgreSQL sorts the matches it gathers
    assert 'ORDER BY COALESCE("events_event"."event_date", "events_event"."event_date") DESC' in gathered
    assert not any("count(" in sql.lower() for sql in statements)  # the count is the list's length
    assert len(statements) == 5  # estimate, gathered ids, the page's rows, actors, citations
    matches = Event.objects.published().filter(notes__iregex=r"market|army").order_by("-event_date", "-id")
    assert (body["count"], body["count_is_estimate"]) == (matches.count(), False)
    assert [row["event_id"] for row in body["results"]] == [matches[1].event_id]
    assert body["results"][0]["event_id"] == world.events["regain"].event_id
    assert page("page_size=1&page=99&q=market or army")[0]["detail"].startswith("Page 99 is beyond")

    # more matches than the gather limit: the capped count, then the page through the list order
    # (the planner never expects fewer than 1 match, so 0 makes the estimate refuse to gather)
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)  # and walk, however few
    walked, statements = page("page_size=1&page=2&q=market or army")
    assert any("count(" in sql.lower() for sql in statements)
    # the estimate said: don't gather every match (the page may come from a recent window's)
    assert not any("COALESCE" in sql and "reltuples" not in sql for sql in statements)
    assert walked["results"] == body["results"] and walked["count"] == body["count"]


@pytest.mark.postgres
@pytest.mark.parametrize("margin", [0, 1000])  # the window too short for the page, or all events
def test_a_search_read_from_a_recent_window_or_walked_after_it_stays_within_six_queries(
    world, monkeypatch, django_assert_max_num_queries, margin
):
    import events.paging

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")  # the row count that sizes the window
    expected = {}
    for query in ("q=market or army", "q=market"):  # several words counted, one word estimated
        expected[query] = client_for().get(f"{URL}?{query}&page_size=1").json()["results"]
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)  # not gathered: counted or estimated
    monkeypatch.setattr(events.paging, "ONE_WORD_BEYOND_EXACT", 1)
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", margin)
    for query, results in expected.items():
        with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as queries:
            body = client_for().get(f"{URL}?{query}&page_size=1").json()
        assert any("reltuples" in q["sql"] for q in queries.captured_queries), query
        assert body["results"] == results, query


@pytest.mark.postgres
def test_an_actor_s_or_a_source_s_pages_are_gathered_like_full_text(world, viewer, monkeypatch):
    import events.paging

    client = client_for(viewer)
    for query in (f"actor={world.actors['army'].pk}", f"source={world.sources['reuters'].pk}"):
        with CaptureQueriesContext(connection) as queries:
            gathered = client.get(f"{URL}?{query}&page_size=1&page=2").json()
        assert not any("count(" in q["sql"].lower() for q in queries.captured_queries), query
        monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)  # the counted path
        counted = client.get(f"{URL}?{query}&page_size=1&page=2").json()
        monkeypatch.undo()
        assert gathered["count"] == counted["count"] >= 2, query
        assert gathered["results"] == counted["results"], query


@pytest.mark.postgres
def test_a_page_with_few_matches_gathers_them_instead_of_walking_the_date_order(world, viewer, monkeypatch):
    """A province whose events all lie years back: walking the list order passes most of the
    table before 50 match, so a small exact count (SMALL_MATCH_SET) gathers and sorts them."""
    import events.paging

    client = client_for(viewer)
    query = f"{URL}?place={world.places['syria'].pk}&page_size=2&page=2"

    def page():
        with CaptureQueriesContext(connection) as queries:
            body = client.get(query).json()
        [rows] = [q["sql"] for q in queries.captured_queries if '"events_event"."event_id" AS' in q["sql"]]
        return body, rows

    gathered, statement = page()
    assert 'ORDER BY COALESCE(U0."event_date", U0."event_date") DESC' in statement, statement
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    walked, statement = page()
    assert "COALESCE" not in statement
    assert gathered == walked and gathered["count"] >= 3


def test_the_orjson_renderer_writes_the_bytes_drf_s_json_renderer_would(world, viewer):
    """settings: API responses go through orjson; they must be byte for byte what DRF's own
    JSONRenderer writes (compact separators, UTF-8 text, 'Z' times)."""
    from rest_framework.renderers import JSONRenderer

    Event.objects.filter(pk=world.events["bare"].pk).update(notes='Ḥamāh — حماة 🙂 "quoted" <b>')
    response = client_for(viewer).get(f"{URL}?page_size=100")
    assert response["Content-Type"] == "application/json"
    assert "حماة 🙂".encode() in response.content  # UTF-8, not \u escapes
    assert response.content == JSONRenderer().render(response.data)
    assert b'"Z"' not in response.content and b'Z"' in response.content  # times end in Z
