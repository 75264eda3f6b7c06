"""events.paging.EventPaginator, on its own: each way of reading a page is chosen when the filters
call for it, and every one of them lists exactly the rows of the plain ordered queryset."""

import datetime as dt
import random

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext

import events.paging
from core.paging import CappedCountPaginator
from core.vocab import ActorRole, Status, TimePrecision
from events.filters import EventFilter, as_query_dict
from events.models import Event, EventActor
from events.paging import EventPaginator
from tests.api_helpers import UTC
from tests.factories import ActorFactory, CountryFactory, PlaceFactory

COLUMNS = ["id", "updated_at", "event_id", "event_date"]


@pytest.fixture
def listed(db):
    """40 events every 40 days from 2018, one in three about a market, one in four with the same
    actor, one in ten a draft; updated in a shuffled order, four events to each moment."""
    place, actor = PlaceFactory(), ActorFactory()
    rows = []
    for n in range(40):
        event = Event(
            event_id=f"PAG{n}",
            event_date=dt.date(2018, 1, 5) + dt.timedelta(days=40 * n),
            time_precision=(TimePrecision.DAY, TimePrecision.WEEK, TimePrecision.MONTH)[n % 3],
            event_type="Battles",
            sub_event_type="Armed clash",
            place=place,
            fatalities=n % 7,
            notes="Shelling near the market." if n % 3 == 0 else "Clashes on the road.",
            status=Status.DRAFT if n % 10 == 9 else Status.PUBLISHED,
        )
        event.derive()
        rows.append(event)
    created = Event.objects.bulk_create(rows)
    EventActor.objects.bulk_create(
        EventActor(event=event, actor=actor, role=ActorRole.ACTOR1) for event in created[::4]
    )
    order = list(range(len(created)))
    random.Random(14).shuffle(order)
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    for rank, index in enumerate(order):
        Event.objects.filter(pk=created[index].pk).update(updated_at=start + dt.timedelta(hours=rank // 4))
    return actor


def paginator(params: dict, per_page: int, **options) -> EventPaginator:
    """A paginator of the events these filters select, as the API builds it."""
    query = as_query_dict(params)
    events = EventFilter(query, queryset=Event.objects.all()).qs
    return EventPaginator(events, per_page, params=query, **options)


def plain(params: dict, *, order=None) -> list[str]:
    """The event ids of the filtered queryset in its own order (or `order`), read directly."""
    events = EventFilter(as_query_dict(params), queryset=Event.objects.all()).qs
    return list((events.order_by(*order) if order else events).values_list("event_id", flat=True))


def numbered(pages: EventPaginator) -> list[str]:
    return [row["event_id"] for number in pages.page_range for row in pages.page(number).object_list]


def pulled(pages: EventPaginator) -> list[str]:
    ids, position = [], None
    while True:
        page = pages.after(position)
        ids += [row["event_id"] for row in page.rows]
        if not page.has_next:
            return ids
        position = page.next_position


def statements(run) -> list[str]:
    """The SQL `run` sends (list() what it returns: a page's rows are read lazily)."""
    with CaptureQueriesContext(connection) as queries:
        list(run())
    return [query["sql"] for query in queries.captured_queries]


FILTERS = [
    {},
    {"status": "draft"},
    {"ordering": "-fatalities"},
    {"ordering": "updated_at", "fatalities_min": 2},
    {"q": "market"},
    {"year": 2020},
    {"date_after": "2021-06-01", "ordering": "event_id"},
]


@pytest.mark.parametrize("params", FILTERS)
def test_numbered_pages_list_the_rows_of_the_plain_queryset(listed, params):
    assert numbered(paginator(params, 3, columns=COLUMNS)) == plain(params)


def test_gathered_filters_page_like_the_plain_queryset(listed):
    params = {"actor": listed.pk}
    assert numbered(paginator(params, 3, columns=COLUMNS)) == plain(params) != []


@pytest.mark.parametrize("params", FILTERS[:2] + FILTERS[4:])
def test_keyset_pages_list_the_rows_of_the_plain_queryset_in_updated_order(listed, params):
    assert pulled(paginator(params, 3, columns=COLUMNS)) == plain(params, order=("updated_at", "id"))


def test_without_columns_pages_hold_model_instances_with_what_the_queryset_loads(listed):
    """The admin's changelist reads instances, with its select_related and prefetches."""
    events = (
        Event.objects.select_related("place").prefetch_related("event_actors").order_by("-event_date", "-id")
    )
    pages = EventPaginator(events, 7)
    page = pages.page(2)
    assert [event.event_id for event in page.object_list] == [e.event_id for e in events[7:14]]
    with CaptureQueriesContext(connection) as queries:
        [(event.place.name, list(event.event_actors.all())) for event in page.object_list]
    assert len(queries) == 0
    after = pages.after(None)
    assert [event.event_id for event in after.rows] == [
        e.event_id for e in events.order_by("updated_at", "id")[:7]
    ]


def test_a_page_past_the_end_raises_django_s_empty_page(listed):
    pages = paginator({"status": "draft"}, 3, columns=COLUMNS)
    assert (pages.count, pages.num_pages) == (4, 2)
    with pytest.raises(EmptyPage):
        pages.page(3)


def test_a_numbered_page_is_a_count_and_its_rows(listed, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the capped count, the page's rows
        list(paginator({"fatalities_min": 1}, 5, columns=COLUMNS).page(2).object_list)


def test_a_keyset_page_without_a_period_is_one_statement(listed, django_assert_max_num_queries):
    first = paginator({}, 5, columns=COLUMNS).after(None)
    with django_assert_max_num_queries(1):
        paginator({}, 5, columns=COLUMNS).after(first.next_position)


@pytest.mark.postgres
def test_a_gathered_filter_with_few_matches_is_gathered_once_and_counted_by_its_length(
    listed, django_assert_max_num_queries
):
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    with django_assert_max_num_queries(3):  # the planner's estimate, every match's id, the rows
        sql = statements(lambda: pages.page(2).object_list)
    assert sql[0].startswith("SELECT chronicle_row_estimate(")
    assert "COALESCE" in sql[1] and not any("count(" in s.lower() for s in sql)
    assert (pages.count, pages.count_is_estimate) == (14, False)


@pytest.mark.postgres
def test_a_gathered_filter_beyond_the_gather_limit_is_counted_and_walked(listed, monkeypatch):
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", 0)  # no recent window holds a page
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    sql = statements(lambda: pages.page(2).object_list)
    assert any("count(" in s.lower() for s in sql) and walked(sql[-1:])
    assert numbered(pages) == plain({"q": "market"})


@pytest.mark.postgres
def test_a_search_the_planner_puts_far_beyond_the_exact_limit_reports_the_estimate_uncounted(listed):
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    pages.estimate = events.paging.FAR_BEYOND_EXACT  # what the planner says of a common word at 3M
    sql = statements(lambda: pages.page(2).object_list)
    assert not any("count(" in s.lower() for s in sql)  # nothing counted row by row
    assert not any("COALESCE" in s for s in sql)  # nor gathered: the page walks the list order
    assert (pages.count, pages.count_is_estimate) == (events.paging.FAR_BEYOND_EXACT, True)
    assert [row["event_id"] for row in pages.page(2).object_list] == plain({"q": "market"})[3:6]
    # Just below it a search of several words is counted (exactly here: 14 matches), as any
    # other filter is.
    below = paginator({"q": "shelling market"}, 3, columns=COLUMNS)
    below.estimate = events.paging.FAR_BEYOND_EXACT - 1
    assert (below.count, below.count_is_estimate) == (14, False)
    other = paginator({"event_type": "Battles"}, 3, columns=COLUMNS)
    other.estimate = events.paging.FAR_BEYOND_EXACT
    assert (other.count, other.count_is_estimate) == (len(plain({"event_type": "Battles"})), False)


@pytest.mark.postgres
@pytest.mark.parametrize("words", ["market", " Market ", "markets"])
def test_one_word_the_planner_puts_well_beyond_the_exact_limit_reports_its_estimate(
    listed, monkeypatch, words
):
    """One word's estimate is its share of the notes' sample: beyond 1.5 times the exact limit, so
    is its count. Several words are counted up to FAR_BEYOND_EXACT."""
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)  # not gathered
    beyond = events.paging.ONE_WORD_BEYOND_EXACT
    pages = paginator({"q": words}, 3, columns=COLUMNS)
    pages.estimate = beyond
    sql = statements(lambda: pages.page(2).object_list)
    assert not any("count(" in s.lower() for s in sql)
    assert (pages.count, pages.count_is_estimate) == (beyond, True)
    assert [row["event_id"] for row in pages.page(2).object_list] == plain({"q": words})[3:6]
    for several in ["shelling market", "market -road", '"near the market"', "market or road", "market_s"]:
        counted = paginator({"q": several}, 3, columns=COLUMNS)
        counted.estimate = beyond
        assert (counted.count, counted.count_is_estimate) == (len(plain({"q": several})), False)
    below = paginator({"q": words}, 3, columns=COLUMNS)
    below.estimate = beyond - 1
    assert (below.count, below.count_is_estimate) == (14, False)


@pytest.mark.postgres
def test_one_word_reported_by_its_estimate_reads_its_newest_first_pages_from_the_latest_dates(
    listed, monkeypatch
):
    """Within the gather limit, a word whose count is its estimate uncounted is not gathered when
    listed newest first: its page comes from the window of the latest dates (which holds every
    event here), the same rows the list holds. Other orders still gather it."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")  # the row count that sizes the window
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", 1000)
    beyond = events.paging.ONE_WORD_BEYOND_EXACT
    assert beyond <= events.paging.TEXT_GATHER_LIMIT
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    pages.estimate = beyond
    sql = statements(lambda: pages.page(2).object_list)
    assert pages.gathered is None and (pages.count, pages.count_is_estimate) == (beyond, True)
    assert any("reltuples" in statement for statement in sql)  # the window's statement
    assert [row["event_id"] for row in pages.page(2).object_list] == plain({"q": "market"})[3:6]
    by_fatalities = paginator({"q": "market", "ordering": "-fatalities"}, 3, columns=COLUMNS)
    by_fatalities.estimate = beyond
    assert by_fatalities.gathered == list(
        EventFilter(
            as_query_dict({"q": "market", "ordering": "-fatalities"}), queryset=Event.objects.all()
        ).qs.values_list("pk", flat=True)
    )


@pytest.mark.postgres
def test_a_small_exact_count_gathers_the_page_s_ids_and_a_large_one_walks(listed, monkeypatch):
    gathered = statements(lambda: paginator({}, 3, columns=COLUMNS).page(2).object_list)
    assert 'ORDER BY COALESCE(U0."event_date", U0."event_date") DESC' in gathered[-1]
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 35)  # 40 matches: more than a small set
    walked = statements(lambda: paginator({}, 3, columns=COLUMNS).page(2).object_list)
    assert "COALESCE" not in walked[-1]
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 40)
    monkeypatch.setattr(CappedCountPaginator, "exact_limit", 10)  # an estimated count walks too
    pages = paginator({}, 3, columns=COLUMNS)
    estimated = statements(lambda: pages.page(2).object_list)
    assert pages.count_is_estimate and "COALESCE" not in estimated[-1]


@pytest.mark.postgres
def test_a_period_s_keyset_pages_merge_its_date_buckets(listed, monkeypatch, django_assert_max_num_queries):
    params = {"year": 2020}
    with django_assert_max_num_queries(2):  # the reach and the latest date, the page's rows
        sql = statements(lambda: paginator(params, 3, columns=COLUMNS).after(None).rows)
    assert "generate_series" in sql[-1]
    merged = pulled(paginator(params, 3, columns=COLUMNS))
    monkeypatch.setattr(events.paging, "PERIOD_BUCKET_LIMIT", 0)  # too many buckets: walk
    assert not any("generate_series" in s for s in statements(lambda: paginator(params, 3).after(None).rows))
    assert (
        pulled(paginator(params, 3, columns=COLUMNS)) == merged == plain(params, order=("updated_at", "id"))
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "params", [{"country": "SYR", "year": 2020}, {"country": "IQ", "date_after": "2019-06-01"}]
)
def test_a_country_s_period_keyset_pages_gather_from_its_places_or_check_them_in_the_buckets(
    listed, params, monkeypatch, django_assert_max_num_queries
):
    """The fixture's events are in Syria; one in three moves to a town of Iraq, another of Syria
    gets none."""
    syria_town = Event.objects.first().place
    PlaceFactory(parent=syria_town.parent)
    iraq_town = PlaceFactory(parent=CountryFactory(name="Iraq", country_code="IRQ"))
    Event.objects.filter(event_id__in=[f"PAG{n}" for n in range(0, 40, 3)]).update(place=iraq_town)
    # few matches: gathered from the country's places (the reach, latest date and place ids; the
    # gathered page's ids; its rows)
    with django_assert_max_num_queries(3):
        sql = statements(lambda: paginator(params, 3, columns=COLUMNS).after(None).rows)
    assert sql[-2].startswith("WITH matches AS MATERIALIZED") and '"events_event"."place_id" IN (' in sql[-2]
    assert "generate_series" not in sql[-1]
    gathered = pulled(paginator(params, 3, columns=COLUMNS))
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 1)  # more matches than that: the buckets
    sql = statements(lambda: paginator(params, 3, columns=COLUMNS).after(None).rows)
    assert "generate_series" in sql[-1] and '"events_event"."place_id" IN (' in sql[-1]
    merged = pulled(paginator(params, 3, columns=COLUMNS))
    monkeypatch.setattr(events.paging, "COUNTRY_PLACE_LIMIT", 1)  # more places than that: the join
    sql = statements(lambda: paginator(params, 3, columns=COLUMNS).after(None).rows)
    assert not any('"events_event"."place_id" IN (' in statement for statement in sql)
    joined = pulled(paginator(params, 3, columns=COLUMNS))
    assert joined == merged == gathered == plain(params, order=("updated_at", "id"))
    assert len(merged) > 3  # more than one page


def test_without_filter_parameters_nothing_is_gathered_nor_merged(listed):
    """The admin passes none: its search gathers its own ids, and it has no keyset pages."""
    events = EventFilter(as_query_dict({"q": "market", "year": 2020}), queryset=Event.objects.all()).qs
    pages = EventPaginator(events, 3, columns=COLUMNS)
    sql = statements(lambda: (list(pages.page(1).object_list), pages.after(None)))
    assert not any(s.startswith("SELECT chronicle_row_estimate(") for s in sql)
    assert not any("generate_series" in s for s in sql)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "params", [{"year": 2020}, {"date_after": "2021-06-01"}, {"year": 2019, "event_type": "Battles"}]
)
def test_a_period_s_count_is_bounded_by_event_date_and_counts_the_long_periods(listed, monkeypatch, params):
    """The count reads event_date from the period's first day minus the longest reach, so an event
    dated long before the period whose period reaches into it is still counted."""
    long = Event(
        event_id="PAGLONG",
        event_date=dt.date(2015, 3, 1),
        end_date=dt.date(2021, 7, 1),
        event_type="Battles",
        sub_event_type="Armed clash",
        place=Event.objects.first().place,
        status=Status.PUBLISHED,
    )
    long.derive()
    long.save()
    pages = paginator(params, 3, columns=COLUMNS)
    counting = statements(lambda: [pages.count])
    assert '"events_event"."event_date" >= ANY(ARRAY[(' in counting[0]
    assert "period_end - event_date" in counting[0]
    expected = plain(params)
    assert "PAGLONG" in expected
    assert (pages.count, pages.count_is_estimate) == (len(expected), False)
    assert numbered(paginator(params, 3, columns=COLUMNS)) == expected
    # Beyond the exact limit the estimate is the planner's for the filters as they are.
    monkeypatch.setattr(CappedCountPaginator, "exact_limit", 2)
    beyond = paginator(params, 3, columns=COLUMNS)
    assert (beyond.count, beyond.count_is_estimate) == (max(beyond.estimate, 3), True)


def test_a_count_without_a_period_is_not_bounded(listed):
    pages = paginator({"event_type": "Battles", "date_before": "2020-01-01"}, 3, columns=COLUMNS)
    assert not any("period_end - event_date" in sql for sql in statements(lambda: [pages.count]))


def analyzed():
    """The planner's row count of the events (pg_class.reltuples), which sizes a recent window."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")


def recent_window(sql: list[str]) -> bool:
    return any("reltuples" in statement for statement in sql)


def walked(sql: list[str]) -> bool:
    return any('ORDER BY U0."event_date" DESC' in statement for statement in sql)


@pytest.mark.postgres
@pytest.mark.parametrize("margin", [1, 2, 4, 100])
def test_a_counted_search_reads_its_pages_from_the_latest_dates_like_the_walk(listed, monkeypatch, margin):
    """Newest first, each page of a counted and walked search is read from a window of the latest
    event dates when that holds the page (a wide margin: every page), else walked; every page
    lists exactly the plain queryset's rows, whichever way."""
    analyzed()
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)  # counted, not gathered
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)  # and walked
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", margin)
    for params in ({"q": "market"}, {"q": "market", "status": "published"}, {"q": "road -market"}):
        pages = paginator(params, 3, columns=COLUMNS)
        read = [statements(lambda n=n, p=pages: p.page(n).object_list) for n in pages.page_range]
        assert all(recent_window(sql) for sql in read)
        if margin == 100:  # the window is every event: no page walks
            assert not any(walked(sql) for sql in read)
        assert numbered(pages) == plain(params) != []
        assert numbered(paginator(params, 1, columns=COLUMNS)) == plain(params)


@pytest.mark.postgres
def test_a_recent_window_too_short_for_the_page_walks_the_list_order(listed, monkeypatch):
    analyzed()
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", 100)
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    sql = statements(lambda: pages.page(2).object_list)
    assert recent_window(sql[-1:]) and len(sql) == 3  # the estimate, the count, the window's page
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", 0)  # a window of the latest date
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    sql = statements(lambda: pages.page(2).object_list)
    assert recent_window(sql[-2:-1]) and walked(sql[-1:])
    assert [row["event_id"] for row in pages.page(2).object_list] == plain({"q": "market"})[3:6]
    # A window of more events than RECENT_WINDOW_ROWS is not read (its date bitmap turns lossy).
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_MARGIN", 100)
    monkeypatch.setattr(events.paging, "RECENT_WINDOW_ROWS", 10)
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    sql = statements(lambda: pages.page(1).object_list)
    assert recent_window(sql[-2:-1]) and walked(sql[-1:])
    assert [row["event_id"] for row in pages.page(1).object_list] == plain({"q": "market"})[:3]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "params",
    [{"q": "market", "ordering": "event_date"}, {"q": "market", "ordering": "-fatalities"}, {"year": 2020}],
)
def test_other_orders_and_lists_without_a_search_walk(listed, monkeypatch, params):
    analyzed()
    monkeypatch.setattr(events.paging, "TEXT_GATHER_LIMIT", 0)
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    pages = paginator(params, 3, columns=COLUMNS)
    assert not recent_window(statements(lambda: pages.page(1).object_list))
    assert numbered(pages) == plain(params)


@pytest.mark.postgres
def test_a_search_the_planner_puts_far_beyond_the_exact_limit_walks_without_a_window(listed, monkeypatch):
    """A common word's matches are dense: its walk is short, and its GIN bitmap long."""
    analyzed()
    monkeypatch.setattr(events.paging, "SMALL_MATCH_SET", 0)
    pages = paginator({"q": "market"}, 3, columns=COLUMNS)
    pages.estimate = events.paging.FAR_BEYOND_EXACT
    assert not recent_window(statements(lambda: pages.page(2).object_list))
