"""GET /api/v1/events/aggregate/ and its exports, against counts computed here in Python from the
events themselves (their places' parents walked one by one, weeks found by stepping back a day at
a time), never from the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import openpyxl
import pytest
from django.core.management import call_command

from core.vocab import ActorRole, EventType, Status, SubEventType
from events.models import Event
from places.models import Place, PlaceKind
from tests.api_helpers import client_for
from tests.factories import ActorFactory, CitationFactory, EventActorFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/aggregate/"
TYPES = [
    (EventType.BATTLES, SubEventType.ARMED_CLASH),
    (EventType.BATTLES, SubEventType.GOVERNMENT_REGAINS_TERRITORY),
    (EventType.EXPLOSIONS, SubEventType.AIR_DRONE_STRIKE),
    (EventType.PROTESTS, SubEventType.PEACEFUL_PROTEST),
    (EventType.RIOTS, SubEventType.MOB_VIOLENCE),
]
STATUSES = [Status.PUBLISHED] * 6 + [Status.DRAFT, Status.REVIEWED, Status.RETRACTED]


def _place(name, kind, parent=None, **extra) -> Place:
    place = Place(name=name, kind=kind, parent=parent, **extra)
    place.full_clean()
    place.save()
    return place


@pytest.fixture
def world():
    """Places at every depth (an admin2 straight under its country, a town with no admin1, a place
    in no country, an admin1 in no country), 120 events from mid-December 2014 to February 2016 in
    every status, actors in two roles of one event, a source cited twice."""
    syria = _place("Syria", PlaceKind.COUNTRY, country_code="SYR", latitude=35.0, longitude=38.5)
    iraq = _place("Iraq", PlaceKind.COUNTRY, country_code="IRQ", latitude=33.0, longitude=44.0)
    aleppo = _place("Aleppo", PlaceKind.ADMIN1, syria, latitude=36.2, longitude=37.2)
    saman = _place("Jebel Saman", PlaceKind.ADMIN2, aleppo, latitude=36.1, longitude=37.1)
    places = [
        _place("Aleppo", PlaceKind.LOCALITY, saman, latitude=36.2, longitude=37.16),
        _place("Saraqib", PlaceKind.LOCALITY, _place("Idlib", PlaceKind.ADMIN1, syria), latitude=35.86),
        _place("Tadmur", PlaceKind.LOCALITY, syria, latitude=34.56, longitude=38.28),
        _place("Sinjar", PlaceKind.LOCALITY, _place("Sinjar district", PlaceKind.ADMIN2, iraq)),
        _place("Karkh", PlaceKind.ADMIN2, _place("Baghdad", PlaceKind.ADMIN1, iraq)),
        _place("Open sea", PlaceKind.LOCALITY, latitude=34.0, longitude=34.0),
        _place("Camp", PlaceKind.LOCALITY, _place("Free province", PlaceKind.ADMIN1)),  # no country
        saman,
    ]
    actors = [ActorFactory(name=f"Group {n}", kind=1 + n % 8) for n in range(5)]
    sources = [SourceFactory(name=f"=Source {n}" if n == 0 else f"Source {n}") for n in range(4)]
    rng = random.Random(20151110)
    start = dt.date(2014, 12, 15)
    events = []
    for number in range(120):
        event_type, sub_event_type = TYPES[number % len(TYPES)]
        event = EventFactory(
            event_date=start + dt.timedelta(days=rng.randrange(0, 430) if number > 10 else number),
            event_type=event_type,
            sub_event_type=sub_event_type,
            place=places[number % len(places)],
            fatalities=rng.choice([0, 0, 1, 3, 10]),
            status=STATUSES[number % len(STATUSES)],
        )
        first, second = rng.sample(actors, 2)
        EventActorFactory(event=event, actor=first, role=ActorRole.ACTOR1)
        if number % 3:
            EventActorFactory(event=event, actor=second, role=ActorRole.ACTOR2)
        if number % 10 == 0:  # the same actor again, as an associate: its event counts once
            EventActorFactory(event=event, actor=first, role=ActorRole.ASSOC_ACTOR_1)
        source = sources[number % len(sources)]
        CitationFactory(event=event, source=source)
        if number % 7 == 0:  # cited twice: counts once
            CitationFactory(event=event, source=source)
        if number % 5 == 0:
            CitationFactory(event=event, source=sources[(number + 1) % len(sources)])
        events.append(event)
    return events


# ---------------------------------------------------------------------------------------------
# The reference: every count from the events, in Python.


def ancestor(place: Place, kind: str) -> Place | None:
    while place is not None:
        if place.kind == kind:
            return place
        place = place.parent
    return None


def saturday_week(day: dt.date) -> dt.date:
    while day.strftime("%A") != "Saturday":
        day -= dt.timedelta(days=1)
    return day


def monday_week(day: dt.date) -> dt.date:
    while day.strftime("%A") != "Monday":
        day -= dt.timedelta(days=1)
    return day


PERIOD_OF = {
    None: lambda day: None,
    "day": lambda day: day,
    "week": saturday_week,
    "isoweek": monday_week,
    "month": lambda day: dt.date(day.year, day.month, 1),
    "year": lambda day: dt.date(day.year, 1, 1),
}


def key_values(event: Event, key: str) -> list:
    """The values an event has for a key (several for actors and sources)."""
    place = Place.objects.get(pk=event.place_id)
    if key == "country":
        return [place.country_code]
    if key in ("admin1", "admin2"):
        found = ancestor(place, key)
        return [found.pk if found else None]
    if key == "place":
        return [place.pk]
    if key == "actor":
        return sorted(set(event.event_actors.values_list("actor_id", flat=True)))
    if key == "source":
        return sorted(set(event.citations.values_list("source_id", flat=True)))
    return [getattr(event, key)]


ROW_KEY = {
    "country": "country_code",
    "admin1": "admin1_id",
    "admin2": "admin2_id",
    "place": "place_id",
    "actor": "actor_id",
    "source": "source_id",
}


WITH = {
    "admin1": ["country", "admin1"],
    "admin2": ["country", "admin1", "admin2"],
    "place": ["country", "place"],
    "sub_event_type": ["event_type", "sub_event_type"],
}


def expand(by: list[str]) -> list[str]:
    """The keys a row is identified by: an admin1 within its country, …"""
    keys: list[str] = []
    for key in by:
        keys += [item for item in WITH.get(key, [key]) if item not in keys]
    return keys


def expected(events, by: list[str], period: str | None) -> dict:
    by = expand(by)
    table: dict[tuple, list] = {}
    for event in events:
        combos = [()]
        for key in by:
            combos = [(*combo, value) for combo in combos for value in key_values(event, key)]
        bucket = PERIOD_OF[period](event.event_date)
        for combo in combos:
            entry = table.setdefault((*combo, bucket), [0, 0, event.event_date, event.event_date])
            entry[0] += 1
            entry[1] += event.fatalities
            entry[2] = min(entry[2], event.event_date)
            entry[3] = max(entry[3], event.event_date)
    return {key: tuple(value) for key, value in table.items()}


def answered(payload: dict, by: list[str], period: str | None) -> dict:
    by = expand(by)
    table = {}
    for row in payload["results"]:
        combo = tuple(row[ROW_KEY.get(key, key)] for key in by)
        bucket = dt.date.fromisoformat(row["period"]) if period else None
        first = dt.date.fromisoformat(row["first_date"]) if row["first_date"] else None
        last = dt.date.fromisoformat(row["last_date"]) if row["last_date"] else None
        assert (*combo, bucket) not in table, row
        table[(*combo, bucket)] = (row["events"], row["fatalities"], first, last)
    return table


def get(params: str, user=None):
    response = client_for(user).get(f"{URL}?{params}")
    assert response.status_code == 200, response.content
    return response.json()


def published(events):
    return [event for event in events if event.status == Status.PUBLISHED]


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "by",
    [
        "country",
        "admin1",
        "admin2",
        "place",
        "event_type",
        "sub_event_type",
        "disorder_type",
        "actor",
        "source",
    ],
)
def test_each_key_counts_what_python_counts(world, by):
    payload = get(f"by={by}")
    assert payload["statuses"] == ["published"]
    assert answered(payload, [by], None) == expected(published(world), [by], None)


@pytest.mark.parametrize("period", ["day", "week", "isoweek", "month", "year"])
def test_each_period_buckets_event_dates_as_python_does(world, period):
    payload = get(f"by=country,event_type&period={period}")
    assert answered(payload, ["country", "event_type"], period) == expected(
        published(world), ["country", "event_type"], period
    )


def test_acled_weeks_start_on_saturday_across_the_year_boundary(world):
    town = _place("Boundary", PlaceKind.LOCALITY, Place.objects.get(name="Iraq"))
    days = [dt.date(2014, 12, 26), dt.date(2014, 12, 27), dt.date(2015, 1, 2), dt.date(2015, 1, 3)]
    for day in days:  # Friday, Saturday, Friday, Saturday
        EventFactory(event_date=day, place=town, status=Status.PUBLISHED, fatalities=1)
    week = get(f"period=week&place={town.pk}")
    assert [(row["period"], row["events"]) for row in week["results"]] == [
        ("2014-12-20", 1),
        ("2014-12-27", 2),
        ("2015-01-03", 1),
    ]
    iso = get(f"period=isoweek&place={town.pk}")
    assert [(row["period"], row["events"]) for row in iso["results"]] == [
        ("2014-12-22", 2),
        ("2014-12-29", 2),
    ]
    window = "date_after=2014-12-26&date_before=2015-01-09&date_mode=within"
    in_window = list(
        Event.objects.filter(status=Status.PUBLISHED, event_date__range=(days[0], dt.date(2015, 1, 9)))
    )
    assert answered(get(f"period=week&{window}"), [], "week") == expected(in_window, [], "week")


def test_rows_name_their_keys_and_carry_coordinates_of_the_finest_place(world):
    rows = get("by=admin2")["results"]
    saman = next(row for row in rows if row["admin2"] == "Jebel Saman")
    assert saman["country_code"] == "SYR" and saman["country"] == "Syria"
    assert (
        saman["admin1"] == "Aleppo"
        and saman["admin1_id"] == Place.objects.get(name="Aleppo", kind="admin1").pk
    )
    assert (saman["latitude"], saman["longitude"]) == (36.1, 37.1)
    # An admin2 straight under its country: no admin1.
    sinjar = next(row for row in rows if row["admin2"] == "Sinjar district")
    assert sinjar["admin1_id"] is None and sinjar["admin1"] == ""
    places = get("by=place&country=SYR")["results"]
    assert {row["place"] for row in places} == {"Aleppo", "Saraqib", "Tadmur", "Jebel Saman"}
    assert all("latitude" in row for row in places)
    countries = {row["country_code"]: row for row in get("by=country")["results"]}
    assert (countries["IRQ"]["latitude"], countries["IRQ"]["longitude"]) == (33.0, 44.0)
    assert countries[""]["country"] == ""  # the place in no country
    actors = get("by=actor")["results"]
    assert {row["actor"] for row in actors} <= {f"Group {n}" for n in range(5)}


def test_fill_pads_every_period_of_each_combination_with_zeros(world):
    payload = get(
        "by=country&period=month&fill=1&date_after=2014-11-01&date_before=2015-03-31&date_mode=within"
    )
    months = [
        dt.date(2014, 11, 1),
        dt.date(2014, 12, 1),
        dt.date(2015, 1, 1),
        dt.date(2015, 2, 1),
        dt.date(2015, 3, 1),
    ]
    in_range = [e for e in published(world) if dt.date(2014, 11, 1) <= e.event_date <= dt.date(2015, 3, 31)]
    counted = expected(in_range, ["country"], "month")
    countries = {combo[0] for combo in counted}
    table = answered(payload, ["country"], "month")
    assert set(table) == {(country, month) for country in countries for month in months}
    for key, value in table.items():
        assert value == counted.get(key, (0, 0, None, None))
    assert table[(next(iter(countries)), dt.date(2014, 11, 1))] == (0, 0, None, None)
    assert payload["start"] == "2014-11-01"


def test_fill_without_bounds_spans_the_data(world):
    payload = get("period=year&fill=1")
    assert [row["period"] for row in payload["results"]] == ["2014-01-01", "2015-01-01", "2016-01-01"]
    empty = get("period=month&fill=1&date_after=2030-01-01&date_before=2030-03-31")
    assert [(row["period"], row["events"]) for row in empty["results"]] == [
        ("2030-01-01", 0),
        ("2030-02-01", 0),
        ("2030-03-01", 0),
    ]


def test_fill_beyond_the_row_limit_is_refused_naming_fill(world, settings):
    response = client_for().get(f"{URL}?by=place&period=day&fill=1&date_after=1900-01-01")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "fill"
    assert "50,000" in response.json()["errors"][0]["message"]


def test_anonymous_callers_count_published_events_even_when_asking_for_drafts(world):
    everything = expected(published(world), ["event_type"], None)
    assert answered(get("by=event_type&status=draft"), ["event_type"], None) == {}
    assert get("by=event_type&status=draft")["statuses"] == []
    assert answered(get("by=event_type&status=draft,published"), ["event_type"], None) == everything


def test_viewers_count_published_events_unless_they_ask_for_other_statuses(world, viewer):
    assert answered(get("by=event_type", viewer), ["event_type"], None) == expected(
        published(world), ["event_type"], None
    )
    drafts = [event for event in world if event.status in (Status.DRAFT, Status.REVIEWED)]
    payload = get("by=event_type&status=draft,reviewed", viewer)
    assert payload["statuses"] == ["draft", "reviewed"]
    assert answered(payload, ["event_type"], None) == expected(drafts, ["event_type"], None)


def test_filters_combine_with_the_grouping(world, viewer):
    payload = get(
        "by=admin1&period=month&country=SYR&event_type=Battles,Riots&fatalities_min=1"
        "&date_after=2015-01-01&date_before=2015-12-31&date_mode=within&status=published,retracted",
        viewer,
    )
    chosen = [
        e
        for e in world
        if e.place.country_code == "SYR"
        and e.event_type in (EventType.BATTLES, EventType.RIOTS)
        and e.fatalities >= 1
        and e.event_date.year == 2015
        and e.status in (Status.PUBLISHED, Status.RETRACTED)
    ]
    assert chosen
    assert answered(payload, ["admin1"], "month") == expected(chosen, ["admin1"], "month")
    actor = world[0].event_actors.first().actor
    by_actor = get(f"by=source&actor={actor.pk}")
    assert answered(by_actor, ["source"], None) == expected(
        [e for e in published(world) if e.event_actors.filter(actor=actor).exists()], ["source"], None
    )


@pytest.mark.parametrize(
    ("query", "parameter", "allowed"),
    [
        ("by=region", "by", "country, admin1, admin2"),
        ("by=country,nope", "by", "event_type"),
        ("period=fortnight", "period", "day, week, isoweek, month, year"),
        ("period=week,month", "period", "isoweek"),
        ("fill=maybe&period=day", "fill", ""),
        ("fill=1", "fill", "month"),
        ("event_type=Skirmish", "event_type", "Battles"),
        ("date_after=yesterday", "date_after", ""),
    ],
)
def test_bad_parameters_answer_400_naming_them(world, query, parameter, allowed):
    response = client_for().get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["errors"][0]
    assert error["parameter"] == parameter
    assert allowed in error["message"]


def test_too_many_places_for_a_map_is_refused(world, monkeypatch):
    monkeypatch.setattr("events.aggregates.MAX_PLACES", 3)
    response = client_for().get(f"{URL}?by=place")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "by"
    assert client_for().get(f"{URL}?by=place&country=IRQ").status_code == 200


def test_an_aggregate_costs_at_most_three_queries(world, viewer, django_assert_max_num_queries):
    anonymous, staff = client_for(), client_for(viewer)
    for client in (anonymous, staff):
        for query in ("by=admin2,actor&period=week", "by=place&period=month&fill=1&country=SYR", "by=source"):
            with django_assert_max_num_queries(3):
                assert client.get(f"{URL}?{query}").status_code == 200


def test_the_csv_export_has_the_json_rows_with_text_cells_escaped(world):
    payload = get("by=source&period=year")
    response = client_for().get("/api/v1/exports/aggregate.csv?by=source&period=year")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(rows[0]) == payload["columns"]
    assert len(rows) == payload["count"]
    names = {row["source"] for row in rows}
    assert "'=Source 0" in names and "=Source 0" not in names
    for row, item in zip(rows, payload["results"], strict=True):
        assert int(row["events"]) == item["events"] and row["period"] == item["period"]
    raw = client_for().get("/api/v1/exports/aggregate.csv?by=source&escape=0")
    assert "=Source 0" in {
        row["source"] for row in csv.DictReader(io.StringIO(b"".join(raw.streaming_content).decode()))
    }


def test_the_xlsx_export_has_typed_cells_and_an_about_sheet(world, viewer):
    query = "by=admin1&period=month&fill=1&country=SYR&status=published,draft"
    payload = get(query, viewer)
    response = client_for(viewer).get(f"/api/v1/exports/aggregate.xlsx?{query}&escape=0")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Aggregates", "About"]
    sheet = book["Aggregates"]
    header = [cell.value for cell in sheet[1]]
    assert header == payload["columns"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == payload["count"]
    first = dict(zip(header, rows[0], strict=True))
    assert isinstance(first["period"], dt.datetime) and isinstance(first["events"], int)
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Statuses included"] == "draft, published"
    assert about["Filter: country"] == "SYR" and about["Filter: by"] == "admin1"
    assert "Filter: escape" not in about  # not a filter
    assert about["Rows"] == payload["count"]
    assert "Generated (UTC)" in about


def test_the_command_writes_csv_or_xlsx(world, tmp_path):
    target = tmp_path / "weekly.csv"
    out = io.StringIO()
    call_command(
        "export_events", "--format", "aggregate", "--by", "admin1,event_type", "--period", "week",
        "--output", str(target), "--filter", "country=SYR", stdout=out,
    )  # fmt: skip
    rows = list(csv.DictReader(target.open()))
    syrian = [e for e in published(world) if e.place.country_code == "SYR"]
    table = {
        (
            int(row["admin1_id"]) if row["admin1_id"] else None,
            row["event_type"],
            dt.date.fromisoformat(row["period"]),
        ): int(row["events"])
        for row in rows
    }
    assert table == {
        key[1:]: value[0] for key, value in expected(syrian, ["admin1", "event_type"], "week").items()
    }
    assert "rows as aggregate" in out.getvalue()
    book = tmp_path / "yearly.xlsx"
    call_command(
        "export_events", "--format", "aggregate", "--period", "year", "--fill", "--include-unpublished",
        "--output", str(book), "--filter", "status=draft", stdout=io.StringIO(),
    )  # fmt: skip
    sheet = openpyxl.load_workbook(book)["Aggregates"]
    drafts = [e for e in world if e.status == Status.DRAFT]
    assert sum(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == len(drafts)


def test_the_period_sql_matches_python_for_every_day_of_a_leap_year_and_its_neighbours(db):
    """Every day of 2015–2016 (a leap year), one event each: each period's buckets as Python's."""
    place = _place("Homs", PlaceKind.COUNTRY, country_code="SYR")
    day, events = dt.date(2015, 1, 1), []
    while day <= dt.date(2016, 12, 31):
        events.append(EventFactory(event_date=day, place=place, status=Status.PUBLISHED, fatalities=day.day))
        day += dt.timedelta(days=1)
    for period in ("week", "isoweek", "month", "year"):
        assert answered(get(f"period={period}"), [], period) == expected(events, [], period), period


def test_the_command_counts_every_status_with_include_unpublished(world, tmp_path):
    target = tmp_path / "all.csv"
    call_command(
        "export_events", "--format", "aggregate", "--include-unpublished", "--output", str(target),
        stdout=io.StringIO(),
    )  # fmt: skip
    (row,) = csv.DictReader(target.open())
    assert int(row["events"]) == len(world)


def test_the_schema_declares_the_aggregate_and_its_parameters(db):
    schema = client_for().get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/events/aggregate/",
        "/api/v1/exports/aggregate.csv",
        "/api/v1/exports/aggregate.xlsx",
    ):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert {"by", "period", "fill", "country", "status", "date_after", "actor"} <= set(parameters), path
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/events/aggregate/"]["get"]["parameters"]}
    assert parameters["period"]["schema"]["enum"] == ["day", "week", "isoweek", "month", "year"]
    assert "admin1" in parameters["by"]["schema"]["items"]["enum"]
    assert (
        "results"
        in schema["paths"]["/api/v1/events/aggregate/"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]["properties"]
    )


def test_an_unknown_parameter_is_refused_naming_it(world):
    for url in (URL, "/api/v1/exports/aggregate.csv", "/api/v1/exports/aggregate.xlsx"):
        response = client_for().get(f"{url}?by=country&periods=week")
        assert response.status_code == 400, url
        assert response.json()["errors"][0]["parameter"] == "periods"


def test_a_large_answer_is_gzipped_for_clients_that_accept_it_and_equal_to_the_plain_one(world):
    import gzip
    import json

    client = client_for(None)
    plain = client.get(URL, {"by": "country,event_type", "period": "week"})
    zipped = client.get(URL, {"by": "country,event_type", "period": "week"}, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain and zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(zipped.content) < len(plain.content) / 3
