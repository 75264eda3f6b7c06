"""Cursor pages of a period (date_after=, year=) gather the period's events from the date index,
bounded below by the longest reach of any period past its date: the same pages as the walk over
(updated_at, id), edge events included."""

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import events.paging
from core.vocab import Status, TimePrecision
from events.models import SHORT_PERIOD_REACH, Event, bucket_start, date_bucket
from tests.api_helpers import UTC, client_for
from tests.factories import PlaceFactory

URL = "/api/v1/events/"
PERIOD_QUERIES = [
    "year=2020",
    "date_after=2020-01-01",
    "date_after=2020-01-01&date_before=2020-03-31",
    "year=2020&date_mode=within",
    "year=2020&event_type=Battles",
    "date_after=2021-06-01",  # after the last event: an empty page
]


def _event(n: int, day: dt.date, *, precision=TimePrecision.DAY, end=None, status=Status.PUBLISHED):
    event = Event(
        event_id=f"PER{n}",
        event_date=day,
        time_precision=precision,
        end_date=end,
        event_type="Battles" if n % 3 else "Riots",
        sub_event_type="Armed clash" if n % 3 else "Mob violence",
        place=PLACE[0],
        status=status,
    )
    event.derive()
    return event


PLACE: list = []


@pytest.fixture
def periods(db):
    """Events every 5 days from mid-2018 to 2021, in a shuffled update order (some sharing a time),
    and the edges of 2020: periods that reach into it from before, or end just short of it."""
    PLACE[:] = [PlaceFactory()]
    days = [dt.date(2018, 6, 1) + dt.timedelta(days=5 * n) for n in range(220)]
    rows = [
        _event(n, day, precision=(TimePrecision.DAY, TimePrecision.WEEK, TimePrecision.MONTH)[n % 3])
        for n, day in enumerate(days)
    ]
    rows += [
        _event(1001, dt.date(2019, 12, 31)),  # the day before: out
        _event(1002, dt.date(2019, 12, 29), precision=TimePrecision.WEEK),  # its week ends 1 January
        _event(1003, dt.date(2019, 12, 15), precision=TimePrecision.MONTH),  # December: out
        _event(1004, dt.date(2018, 3, 1), end=dt.date(2020, 2, 1)),  # two years long: in
        _event(1005, dt.date(2019, 11, 1), end=dt.date(2019, 12, 31)),  # ends the day before: out
        _event(1006, dt.date(2020, 6, 1), status=Status.DRAFT),  # anonymous callers don't see it
    ]
    created = Event.objects.bulk_create(rows)
    order = list(range(len(created)))
    random.Random(17).shuffle(order)
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    for rank, index in enumerate(order):
        moment = start + dt.timedelta(minutes=rank // 3)  # three events share each time
        Event.objects.filter(pk=created[index].pk).update(updated_at=moment)
    return created


def pull(query: str) -> tuple[list[str], list[str]]:
    """Every page of a cursor pull, 7 rows a page: the event ids and the SQL statements."""
    url, ids = f"{URL}?pagination=cursor&page_size=7&{query}", []
    with CaptureQueriesContext(connection) as queries:
        while url:
            body = client_for().get(url).json()
            ids += [row["event_id"] for row in body["results"]]
            url = body["next"]
    return ids, [q["sql"] for q in queries.captured_queries]


def expected(query: str) -> list[str]:
    """The plain answer: published events whose period meets the range, in (updated_at, id) order."""
    params = dict(part.split("=") for part in query.split("&"))
    year = int(params.get("year", 0))
    after = (
        dt.date.fromisoformat(params["date_after"]) if "date_after" in params else dt.date(year or 1, 1, 1)
    )
    before = (
        dt.date.fromisoformat(params["date_before"])
        if "date_before" in params
        else dt.date(year or 9999, 12, 31)
    )
    events = Event.objects.published().order_by("updated_at", "id")
    if "event_type" in params:
        events = events.filter(event_type=params["event_type"])
    if params.get("date_mode") == "within":
        return [e.event_id for e in events if after <= e.period_start and e.period_end <= before]
    return [e.event_id for e in events if e.period_end >= after and e.period_start <= before]


@pytest.mark.postgres
@pytest.mark.parametrize("query", PERIOD_QUERIES)
def test_a_period_s_cursor_pages_merge_its_date_buckets_and_equal_the_walk(periods, query, monkeypatch):
    merged, statements = pull(query)
    assert merged == expected(query)
    if "within" not in query:  # within bounds event_date itself and walks
        assert any("generate_series" in sql for sql in statements)
    monkeypatch.setattr(events.paging, "PERIOD_BUCKET_LIMIT", 0)  # too many buckets: walk
    walked, statements = pull(query)
    assert not any("generate_series" in sql for sql in statements)
    assert walked == merged


@pytest.mark.postgres
def test_a_period_s_cursor_page_is_four_statements(periods, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # reach and latest date, the page, actors, citations
        client_for().get(f"{URL}?pagination=cursor&page_size=7&year=2020")


def buckets_of(statements: list[str]) -> tuple[int, int]:
    merged = next(sql for sql in statements if "generate_series" in sql)  # the first page's
    first, last = re.search(r"generate_series\((-?\d+), (-?\d+)\)", merged).groups()
    return int(first), int(last)


def edges_of(statements: list[str]) -> list[tuple[str, str]]:
    """The date ranges [start, end) the first page reads by date beside its walked buckets."""
    merged = next(sql for sql in statements if "generate_series" in sql)
    return re.findall(
        r'"event_date" >= \'([\d-]+)\'::date AND "events_event"\."event_date" < \'([\d-]+)\'', merged
    )


@pytest.mark.postgres
def test_the_longest_period_widens_the_dates_read(periods):
    """The buckets of the period's own days are walked; the days before them down to the longest
    reach, and after them up to a period's lead, are read by date (their matches cross an edge)."""
    assert Event.objects.period_reach() == (dt.date(2020, 2, 1) - dt.date(2018, 3, 1)).days == 702
    ids, statements = pull("year=2020&page_size=1000")
    assert "PER1004" in ids
    own = (date_bucket(dt.date(2020, 1, 1)), date_bucket(dt.date(2020, 12, 31)))
    assert buckets_of(statements) == own
    after = (bucket_start(own[1] + 1).isoformat(), "2021-02-01")  # 31 December and a month's lead
    assert edges_of(statements) == [("2018-01-29", bucket_start(own[0]).isoformat()), after]  # 702 days
    Event.objects.filter(end_date__isnull=False).delete()  # PER1004, and PER1005's 60 days
    assert Event.objects.period_reach() == SHORT_PERIOD_REACH
    ids, statements = pull("year=2020&page_size=1000")
    assert buckets_of(statements) == own
    assert edges_of(statements) == [("2019-12-01", bucket_start(own[0]).isoformat()), after]
    assert ids == expected("year=2020")
    # open-ended: up to the latest event's date, walked
    ids, statements = pull("date_after=2020-06-01")
    assert buckets_of(statements)[1] == date_bucket(Event.objects.latest("event_date").event_date)
    assert len(edges_of(statements)) == 1
    assert ids == expected("date_after=2020-06-01")


def test_the_reach_follows_every_kind_of_write(periods):
    reach = Event.objects.period_reach
    plain = lambda: max(  # noqa: E731
        SHORT_PERIOD_REACH, *((e.period_end - e.event_date).days for e in Event.objects.all())
    )
    assert reach() == plain() == 702
    # an update that lengthens a period (as importers and bulk edits write: no save())
    Event.objects.filter(event_id="PER5").update(period_end=dt.date(2030, 1, 1))
    assert reach() == plain() > 702
    # the same event shortened again, through the model's save (services)
    event = Event.objects.get(event_id="PER5")
    event.save()
    assert reach() == plain() == 702
    Event.objects.filter(event_id="PER1004").delete()
    assert reach() == plain() == 60  # PER1005's
    Event.objects.filter(event_id="PER1005").update(end_date=None, period_end=dt.date(2019, 11, 1))
    assert reach() == plain() == SHORT_PERIOD_REACH
