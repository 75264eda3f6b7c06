"""The events changelist at scale: drill by year and month without the date hierarchy's scans,
and no full-table COUNT on a page view (docs/benchmarks.md: ≤ 150 ms at a million events)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.paging import CappedCountPaginator
from events.admin import EventAdmin
from events.models import Event
from tests.factories import PASSWORD, EventFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:events_event_changelist")


@pytest.fixture
def curator_client(client, curator):
    assert client.login(username=curator.username, password=PASSWORD)
    return client


@pytest.fixture
def events():
    """Events from March 2013 to January 2016, by name."""
    days = {
        "march_2013": dt.date(2013, 3, 2),
        "june_2015": dt.date(2015, 6, 30),
        "july_2015": dt.date(2015, 7, 1),
        "december_2015": dt.date(2015, 12, 31),
        "january_2016": dt.date(2016, 1, 1),
    }
    return {name: EventFactory(event_date=day) for name, day in days.items()}


def listed(client, **params) -> set[int]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200, response
    return {event.pk for event in response.context["cl"].result_list}


def date_choices(client, **params) -> list[tuple[str, bool]]:
    response = client.get(CHANGELIST, params)
    [date_filter] = [f for f in response.context["cl"].filter_specs if f.title == "event date"]
    return [(c["display"], c["selected"]) for c in date_filter.choices(response.context["cl"])]


def test_the_years_run_from_the_first_event_to_the_last(curator_client, events):
    years = [(str(year), False) for year in (2016, 2015, 2014, 2013)]
    assert date_choices(curator_client) == [("All dates", True), *years]


def test_curators_drill_into_a_year_then_a_month(curator_client, events):
    assert listed(curator_client, event_date__year=2015) == {
        events[name].pk for name in ("june_2015", "july_2015", "december_2015")
    }
    assert listed(curator_client, event_date__year=2015, event_date__month=6) == {events["june_2015"].pk}
    assert listed(curator_client, event_date__year=2015, event_date__month=12) == {events["december_2015"].pk}
    assert listed(curator_client, event_date__year=2014) == set()
    choices = date_choices(curator_client, event_date__year=2015, event_date__month=7)
    assert choices[:3] == [("All dates", False), ("All of 2015", False), ("January 2015", False)]
    assert ("July 2015", True) in choices and len(choices) == 14


def test_a_bad_year_or_month_is_refused_like_any_bad_filter(curator_client, events):
    for params in ({"event_date__year": "2015x"}, {"event_date__year": 2015, "event_date__month": 13}):
        assert curator_client.get(CHANGELIST, params).url.endswith("?e=1")


def test_a_page_view_neither_counts_the_whole_table_nor_scans_for_years(curator_client, events):
    with CaptureQueriesContext(connection) as queries:
        assert curator_client.get(CHANGELIST, {"event_date__year": 2015}).status_code == 200
    sql = "\n".join(query["sql"].upper() for query in queries.captured_queries)
    assert "DISTINCT" not in sql
    counts = [query for query in sql.splitlines() if "COUNT(" in query]
    assert counts and all("LIMIT 10001" in query for query in counts), counts


def test_beyond_the_exact_limit_the_count_is_an_estimate(curator_client, events, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "exact_limit", 2)
    response = curator_client.get(CHANGELIST)
    assert response.context["cl"].result_count >= 3
    assert len(response.context["cl"].result_list) == 5


def test_pages_read_through_their_ids_list_what_a_plain_slice_would(curator_client, events, monkeypatch):
    monkeypatch.setattr(EventAdmin, "list_per_page", 2)
    pages = [curator_client.get(CHANGELIST, {"p": n}).context["cl"].result_list for n in (1, 2, 3)]
    listed_in_order = [event.pk for page in pages for event in page]
    everything = list(Event.objects.order_by("-event_date", "-id").values_list("pk", flat=True))
    assert listed_in_order == everything
    assert [event.place.name for event in pages[0]]  # the place still comes with the page
