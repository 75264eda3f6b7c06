"""The ACLED-compatible read API over raw HTTP: ACLED's URLs, parameters, JSON envelope and CSV,
every `_where` operator and `|`, ACLED-style errors, key/email authentication, drafts kept from
callers without access, streaming and constant query counts."""

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from actors.models import Actor
from core.vocab import ActorRole, EventType, InterCode, RetractionReason, Status, SubEventType
from events.acled import ACLED_COLUMNS
from events.models import Citation, Event, EventActor, Tombstone
from tests.acled_api.helpers import (
    ORDER,
    URL,
    body,
    credentials,
    error,
    names,
    read,
    read_csv,
    unix,
)
from tests.api_helpers import UTC
from tests.factories import UserFactory

# --- the answer ------------------------------------------------------------------------------


def test_events_come_in_acled_columns_and_value_formats_newest_first(world):
    payload = read(URL)
    assert names(world, payload["data"]) == ORDER
    assert isinstance(payload["last_update"], int) and payload["last_update"] >= 0
    battle = payload["data"][2]
    assert list(battle) == list(ACLED_COLUMNS)
    assert battle == {
        "event_id_cnty": world.events["battle"].event_id,
        "event_date": "2015-03-10",
        "year": "2015",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Syria (2000-2024)",
        "assoc_actor_1": "Liwa al-Quds; Hezbollah",
        "inter1": "1",
        "actor2": "Islamic State (Syria)",
        "assoc_actor_2": "",
        "inter2": "2",
        "interaction": "12",
        "civilian_targeting": "",
        "iso": "760",
        "region": "Middle East",
        "country": "Syria",
        "admin1": "Aleppo",
        "admin2": "Jebel Saman",
        "admin3": "",
        "location": "Aleppo",
        "latitude": "36.2000",  # four decimals, as ACLED writes them
        "longitude": "37.1600",
        "geo_precision": "1",
        "source": "Syrian Observatory for Human Rights; Reuters",
        "source_scale": "National-International",
        "notes": "Government forces clashed with Islamic State fighters near the airport.",
        "fatalities": "10",
        "tags": "local sources",
        "timestamp": str(unix(2024, 1, 1)),
    }
    protest, airstrike = payload["data"][0], payload["data"][1]
    assert (protest["actor2"], protest["inter2"], protest["interaction"]) == ("", "0", "60")
    assert (protest["iso"], protest["country"], protest["time_precision"]) == ("368", "Iraq", "3")
    assert airstrike["civilian_targeting"] == "Civilian targeting"


@pytest.mark.parametrize("url", [f"{URL}?_format=csv", f"{URL}.csv", f"{URL}/?_format=csv", f"{URL}.txt"])
def test_csv_has_acled_header_and_the_same_rows_as_json(world, url):
    response = Client().get(url)
    assert response.status_code == 200
    expected_type = "text/plain" if url.endswith(".txt") else "text/csv"
    assert response["Content-Type"].startswith(expected_type)
    text = body(response).decode()
    assert text.splitlines()[0] == ",".join(ACLED_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == read(URL)["data"]


@pytest.mark.parametrize("url", [f"{URL}/", f"{URL}.json", f"{URL}?_format=json", f"{URL}?_format=JSON"])
def test_json_is_answered_with_and_without_trailing_slash_or_suffix(world, url):
    assert names(world, read(url)["data"]) == ORDER


# --- filters and operators -------------------------------------------------------------------

FILTER_CASES = [
    # default operators: = for numbers and dates, LIKE (substring, any case) for ACLED's LIKE text
    ("fatalities=10", ["battle"]),
    ("event_date=2015-06-15", ["airstrike"]),
    ("year=2015", ["protest", "airstrike", "battle"]),
    ("time_precision=2", ["airstrike", "regain"]),
    ("event_type=battle", ["battle", "regain"]),
    ("sub_event_type=armed", ["battle"]),
    ("disorder_type=Demonstrations", ["protest"]),
    ("actor1=military", ["airstrike", "battle", "regain"]),
    ("actor2=civilians", ["airstrike"]),
    ("assoc_actor_1=hezbollah", ["battle"]),
    ("assoc_actor_2=hezbollah", []),
    ("inter1=6", ["protest"]),
    ("inter1=State forces", ["airstrike", "battle", "regain"]),
    ("inter2=7", ["airstrike"]),
    ("inter2=0", ["protest"]),  # ACLED writes inter 0 where there is no actor 2
    ("interaction=12", ["battle", "regain"]),
    ("interaction=60", ["protest"]),
    ("civilian_targeting=Civilian targeting", ["airstrike"]),
    ("civilian_targeting=civilian", ["airstrike"]),
    ("iso=368", ["protest"]),
    ("iso=760", ["airstrike", "battle", "regain"]),
    ("region=11", ORDER),
    ("region=12", []),
    ("country=Syria", ["airstrike", "battle", "regain"]),
    ("country=iraq", ["protest"]),
    ("country=SYR", ["airstrike", "battle", "regain"]),
    ("country=Syri", []),  # = is a whole-name match
    ("admin1=aleppo", ["battle", "regain"]),
    ("admin2=jebel", ["battle"]),
    ("location=Saraqib", ["airstrike"]),
    ("latitude=36.2", ["battle", "regain"]),
    ("longitude=37.16", ["battle"]),
    ("geo_precision=1", ORDER),
    ("source=reuters", ["protest", "airstrike", "battle"]),
    ("source=observatory", ["battle", "regain"]),
    ("source_scale=international", ["battle"]),
    ("notes=market", ["airstrike"]),
    ("tags=local", ["battle"]),
    ("timestamp=1706745600", ["protest", "airstrike", "regain"]),  # >= 2024-02-01 by default
    ("timestamp=2024-03-01", ["protest", "regain"]),  # a date means its midnight (UTC)
    ("event_id_cnty=IRQ", ["protest"]),
    # every operator
    ("fatalities=10&fatalities_where==", ["battle"]),
    ("fatalities=10&fatalities_where=%3D", ["battle"]),
    ("fatalities=10&fatalities_where=>", ["regain"]),
    ("fatalities=10&fatalities_where=<", ["protest", "airstrike"]),
    ("fatalities=10&fatalities_where=>=", ["battle", "regain"]),
    ("fatalities=3&fatalities_where=<=", ["protest", "airstrike"]),
    ("fatalities=3|10&fatalities_where=BETWEEN", ["airstrike", "battle"]),
    ("event_date=2015-01-01|2015-06-30&event_date_where=BETWEEN", ["airstrike", "battle"]),
    ("event_date=2015-03-10&event_date_where=>", ["protest", "airstrike"]),
    ("event_date=2015-03-10&event_date_where=<=", ["battle", "regain"]),
    ("year=2014|2015&year_where=between", ORDER),
    ("actor1=Military Forces of Syria (2000-2024)&actor1_where==", ["airstrike", "battle", "regain"]),
    ("actor1=military&actor1_where==", []),
    ("actor1=mil%syria%&actor1_where=LIKE", ["airstrike", "battle", "regain"]),
    ("location=Sar%b", ["airstrike"]),  # % is LIKE's wildcard
    ("location=Sar%", ["airstrike"]),
    ("location=%raq", []),
    ("country=Syr&country_where=LIKE", ["airstrike", "battle", "regain"]),
    ("notes=MARKET&notes_where=like", ["airstrike"]),
    ("latitude=36&latitude_where=>", ["battle", "regain"]),
    ("timestamp=1706745600&timestamp_where=<", ["battle"]),
    ("timestamp=1706745600&timestamp_where==", ["airstrike"]),
    ("timestamp=1706745599&timestamp_where=>", ["protest", "airstrike", "regain"]),
    ("timestamp=1706745600&timestamp_where=>", ["protest", "regain"]),
    ("timestamp=1706745600&timestamp_where=<=", ["airstrike", "battle"]),
    ("timestamp=2024-01-01|2024-02-01&timestamp_where=BETWEEN", ["airstrike", "battle"]),
    # | means OR, :OR: ORs two filters, & ANDs them
    ("fatalities=3|50", ["airstrike", "regain"]),
    ("country=Iraq|Syria", ORDER),
    ("actor1=protesters|civilians", ["protest"]),
    ("actor1=Protesters:OR:actor2=Civilians", ["protest", "airstrike"]),
    ("country=Iraq:OR:country=Syria", ORDER),
    ("country=Iraq:OR:Syria", ORDER),
    ("country=Syria&event_type=Battles&fatalities=50", ["regain"]),
    ("country=Syria&year=2015&actor1=military&fatalities=10&fatalities_where=<", ["airstrike"]),
    # empty values and unknown parameters are ignored, as ACLED does
    ("timestamp=&export_type=monadic&terms=accept&?export_type=monadic&foo_where=LIKE", ORDER),
]


def test_filters_and_operators_select_the_events_an_analyst_expects(world):
    # One world for the whole table (building it per case would dominate the suite's time).
    wrong = {}
    for query, expected in FILTER_CASES:
        found = names(world, read(f"{URL}?{query}")["data"])
        if found != expected:
            wrong[query] = {"expected": expected, "found": found}
    assert wrong == {}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("country=Syria&event_date=2015-01-01|2015-12-31&event_date_where=BETWEEN", ["airstrike", "battle"]),
        ("actor1=military&actor1_where=LIKE&fatalities=3|10", ["airstrike", "battle"]),
        ("fatalities=10&fatalities_where=%3E%3D", ["battle", "regain"]),
    ],
)
def test_the_same_filters_answer_the_same_rows_in_csv(world, query, expected):
    assert names(world, read_csv(f"{URL}.csv?{query}")) == expected
    assert read_csv(f"{URL}.csv?{query}") == read(f"{URL}?{query}")["data"]


# --- fields, limit, page ---------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["|", ","])
def test_fields_choose_and_order_the_columns(world, separator):
    fields = separator.join(["event_id_cnty", "fatalities", "event_date"])
    payload = read(f"{URL}?fields={fields}")
    assert [list(row) for row in payload["data"]] == [["event_id_cnty", "fatalities", "event_date"]] * 4
    assert payload["data"][2] == {
        "event_id_cnty": world.events["battle"].event_id,
        "fatalities": "10",
        "event_date": "2015-03-10",
    }
    header = body(Client().get(f"{URL}.csv?fields={fields}")).decode().splitlines()[0]
    assert header == "event_id_cnty,fatalities,event_date"


def test_limit_and_page_walk_through_the_rows_newest_first(world):
    assert names(world, read(f"{URL}?limit=2")["data"]) == ORDER[:2]
    assert names(world, read(f"{URL}?limit=2&page=1")["data"]) == ORDER[:2]
    assert names(world, read(f"{URL}?limit=2&page=2")["data"]) == ORDER[2:]
    assert read(f"{URL}?limit=2&page=3")["data"] == []
    assert names(world, read(f"{URL}?limit=0")["data"]) == ORDER  # 0: every row, as ACLED's clients ask
    assert names(world, read(f"{URL}?limit=3&page=2&_format=json")["data"]) == ORDER[3:]
    assert names(world, read_csv(f"{URL}.csv?limit=1&page=3")) == ["battle"]


def test_with_total_adds_the_number_of_matching_rows(world):
    payload = read(f"{URL}?limit=1&with_total=true")
    assert (payload["count"], payload["total_count"]) == (1, 4)
    assert "total_count" not in read(f"{URL}?limit=1")


# --- errors ----------------------------------------------------------------------------------


BAD_VALUES = [
    ("limit=-1", "limit"),
    ("limit=ten", "limit"),
    ("limit=1.5", "limit"),
    ("page=0", "page"),
    ("page=-2", "page"),
    ("event_date_where=NOPE&event_date=2015-01-01", "event_date_where"),
    ("fatalities=1&fatalities_where=!=", "fatalities_where"),
    ("fields=unknown", "fields"),
    ("fields=event_id_cnty|nope", "fields"),
    ("event_date=2015-13-01", "event_date"),
    ("event_date=yesterday", "event_date"),
    ("event_date=2015-02-30", "event_date"),
    ("event_date=2015-01-01&event_date_where=BETWEEN", "event_date"),
    ("event_date=2015-12-31|2015-01-01&event_date_where=BETWEEN", "event_date"),
    ("event_date=2015-01-01||2015-02-01", "event_date"),
    ("fatalities=ten", "fatalities"),
    ("fatalities=99999999999", "fatalities"),
    ("year=2015&year_where=LIKE", "year_where"),
    ("latitude=nan", "latitude"),
    ("inter1=9", "inter1"),
    ("inter1=Aliens", "inter1"),
    ("timestamp=soon", "timestamp"),
    ("timestamp=-5", "timestamp"),
    ("country=Syria:OR:planet=Mars", "country"),
    ("_format=xml", "_format"),
    ("with_total=maybe", "with_total"),
]


def test_bad_values_answer_acled_style_400_naming_the_parameter(world):
    wrong = {}
    for query, parameter in BAD_VALUES:
        message = error(Client().get(f"{URL}?{query}"), 400)
        if not message.startswith(f"{parameter}: "):
            wrong[query] = message
    assert wrong == {}


def test_xml_suffix_is_refused_not_misread(world):
    assert error(Client().get(f"{URL}.xml"), 400).startswith("_format: ")


def test_other_methods_and_data_chronicle_lacks_answer_acled_style(world):
    assert "GET" in error(Client().post(URL), 405)
    assert "cast" in error(Client().get("/api/cast/read?country=Syria"), 404)


def test_odd_values_never_cause_a_server_error(world):
    odd = ["'", '"', "%", "%%", "|", ":OR:", "\\", "é", "1e400", "0x10", "a|", "=b", "a\x00b"]
    parameters = {
        "acled": [
            "event_id_cnty",
            "event_date",
            "inter1",
            "iso",
            "country",
            "latitude",
            "source",
            "timestamp",
        ],
        "deleted": ["event_id_cnty", "deleted_timestamp"],
        "actor": ["actor_name", "first_event_date", "event_count"],
        "actortype": ["actor_type_id", "actor_type_name"],
        "country": ["country", "iso", "iso3"],
        "region": ["region", "region_name"],
    }
    client = Client()
    for endpoint, names_ in parameters.items():
        for name in names_:
            for value in odd:
                for where in ("", "LIKE", "BETWEEN"):
                    response = client.get(f"/api/{endpoint}/read", {name: value, f"{name}_where": where})
                    assert response.status_code in (200, 400), (endpoint, name, value, where)
                    body(response)


# --- authentication and visibility -----------------------------------------------------------


def test_drafts_never_reach_anonymous_callers(world):
    assert "riot" not in names(world, read(f"{URL}?limit=0")["data"])
    assert read(f"{URL}?event_id_cnty={world.events['riot'].event_id}")["data"] == []
    assert "Rioters (Syria)" not in {row["actor_name"] for row in read("/api/actor/read")["data"]}


def test_a_key_without_view_permission_sees_published_events_only(world):
    outsider = UserFactory(username="outsider", email="outsider@example.org")
    payload = read(f"{URL}?{credentials(outsider)}&limit=0")
    assert names(world, payload["data"]) == ORDER
    assert read(f"/api/country/read?{credentials(outsider)}&iso3=SYR")["data"][0]["event_count"] == "3"


def test_a_viewers_key_reads_published_events_only_as_acleds_api_serves(world, viewer, tombstones):
    """A synced copy (acledR's acled_update) must never keep what deleted/read removes: the rows,
    counts, summaries and last_update of every caller are the published events'."""
    key = credentials(viewer)
    Event.objects.filter(pk=tombstones.events["riot"].pk).update(updated_at=dt.datetime.now(tz=UTC))
    payload = read(f"{URL}?{key}&limit=0&with_total=1")
    assert names(world, payload["data"]) == ORDER[1:]  # the protest was retracted, the riot a draft
    assert payload["total_count"] == 3
    assert payload["last_update"] == read(f"{URL}?limit=0")["last_update"] > 0  # not the draft's change
    assert read(f"{URL}?{key}&event_id_cnty={world.events['riot'].event_id}")["data"] == []
    assert read(f"/api/country/read?{key}&iso3=SYR")["data"][0]["event_count"] == "3"
    assert read(f"/api/country/read?{key}&iso3=IRQ")["data"] == []
    assert read(f"/api/region/read?{key}")["data"][0]["event_count"] == "3"
    actors = {row["actor_name"] for row in read(f"/api/actor/read?{key}")["data"]}
    assert "Rioters (Syria)" not in actors and "Protesters (Iraq)" not in actors
    types = {row["actor_type_id"] for row in read(f"/api/actortype/read?{key}")["data"]}
    assert not types & {"5", "6"}  # rioters (the draft) and protesters (retracted)
    deleted = {row["event_id_cnty"] for row in read(f"/api/deleted/read?{key}")["data"]}
    assert world.events["protest"].event_id in deleted


def test_the_email_matches_whatever_its_case(world, viewer):
    token, _ = Token.objects.get_or_create(user=viewer)
    assert read(f"{URL}?key={token.key}&email={viewer.email.upper()}")["data"]
    assert error(Client().get(f"{URL}?key={token.key}&email=x{viewer.email}"), 403)


@pytest.mark.parametrize("which", ["wrong key", "wrong email", "key only", "email only", "inactive"])
def test_a_wrong_key_and_email_pair_is_refused_with_403(world, viewer, which):
    token, _ = Token.objects.get_or_create(user=viewer)
    query = {
        "wrong key": f"key={'0' * 40}&email={viewer.email}",
        "wrong email": f"key={token.key}&email=someone@example.org",
        "key only": f"key={token.key}",
        "email only": f"email={viewer.email}",
        "inactive": f"key={token.key}&email={viewer.email}",
    }[which]
    if which == "inactive":
        type(viewer).objects.filter(pk=viewer.pk).update(is_active=False)
    message = error(Client().get(f"{URL}?{query}"), 403)
    assert "not authorized" in message
    assert error(Client().get(f"/api/check/read?{query}"), 403) == message


def test_chronicles_token_header_works_too(world, viewer):
    token, _ = Token.objects.get_or_create(user=viewer)
    for keyword in ("Token", "Bearer"):
        payload = read(URL, authorization=f"{keyword} {token.key}")
        assert names(world, payload["data"]) == ORDER
    refused = Client().get(URL, headers={"authorization": "Token nope"})
    assert error(refused, 401) and refused["WWW-Authenticate"] == "Token"


def test_check_read_confirms_credentials_as_acledrs_acled_access_expects(world, viewer):
    response = Client().get(f"/api/check/read/?{credentials(viewer)}")
    assert response.status_code == 200
    assert json.loads(response.content)["status"] == 200


def test_anonymous_callers_are_throttled_but_keys_never(world, viewer, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    client = Client()
    statuses = [client.get(URL).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get(URL)
    assert "throttled" in error(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert all(client.get(f"{URL}?{credentials(viewer)}").status_code == 200 for _ in range(5))
    cache.clear()


# --- the other endpoints ---------------------------------------------------------------------


@pytest.fixture
def tombstones(world, reviewer):
    from events.services import event_retract

    event_retract(event=world.events["protest"], by=reviewer, reason=RetractionReason.DUPLICATE)
    Tombstone.objects.filter(event_id=world.events["protest"].event_id).update(
        removed_at=dt.datetime(2024, 6, 1, tzinfo=UTC)
    )
    Tombstone.objects.create(
        event_id="SYR999", removed_at=dt.datetime(2024, 7, 1, tzinfo=UTC), reason="error", deleted=True
    )
    return world


def test_deleted_lists_tombstones_with_unix_deletion_times(tombstones):
    protest_id = tombstones.events["protest"].event_id
    payload = read("/api/deleted/read")
    assert payload["data"] == [
        {"event_id_cnty": protest_id, "deleted_timestamp": str(unix(2024, 6, 1))},
        {"event_id_cnty": "SYR999", "deleted_timestamp": str(unix(2024, 7, 1))},
    ]
    since = read(f"/api/deleted/read?deleted_timestamp={unix(2024, 6, 15)}")["data"]
    assert [row["event_id_cnty"] for row in since] == ["SYR999"]
    assert [
        row["event_id_cnty"] for row in read("/api/deleted/read?deleted_timestamp=2024-07-01")["data"]
    ] == ["SYR999"]
    assert [row["event_id_cnty"] for row in read("/api/deleted/read?event_id_cnty=IRQ")["data"]] == [
        protest_id
    ]
    rows = read_csv("/api/deleted/read.csv?limit=1&page=2")
    assert rows == [{"event_id_cnty": "SYR999", "deleted_timestamp": str(unix(2024, 7, 1))}]
    # the retracted event left the public list
    assert "protest" not in names(tombstones, read(URL)["data"])


def test_actor_summaries_count_visible_events_in_any_role(world):
    rows = {row["actor_name"]: row for row in read("/api/actor/read")["data"]}
    assert rows["Military Forces of Syria (2000-2024)"] == {
        "actor_name": "Military Forces of Syria (2000-2024)",
        "first_event_date": "2014-12-31",
        "last_event_date": "2015-06-15",
        "event_count": "3",
    }
    assert rows["Hezbollah"]["event_count"] == "1"  # associated actors count too
    assert list(rows) == sorted(rows)
    assert [row["actor_name"] for row in read("/api/actor/read?actor_name=islamic")["data"]] == [
        "Islamic State (Syria)"
    ]
    busiest = read("/api/actor/read?event_count=2")["data"]  # >= by default
    assert {row["actor_name"] for row in busiest} == {
        "Military Forces of Syria (2000-2024)",
        "Islamic State (Syria)",
    }
    exact = read("/api/actor/read?event_count=1&event_count_where==&last_event_date=2015-06-15")["data"]
    assert [row["actor_name"] for row in exact] == ["Civilians (Syria)"]
    page = read("/api/actor/read?limit=2&page=2&fields=actor_name")["data"]
    assert page == [{"actor_name": name} for name in sorted(rows)[2:4]]
    assert read_csv("/api/actor/read.csv?actor_name=hezbollah") == [rows["Hezbollah"]]


def test_actor_types_are_the_inter_codes_as_coded_per_event(world):
    rows = read("/api/actortype/read")["data"]
    assert [row["actor_type_id"] for row in rows] == ["1", "2", "3", "6", "7", "8"]
    assert rows[0] == {
        "actor_type_id": "1",
        "actor_type_name": InterCode.STATE_FORCES.label,
        "first_event_date": "2014-12-31",
        "last_event_date": "2015-06-15",
        "event_count": "3",
    }
    assert [row["actor_type_id"] for row in read("/api/actortype/read?actor_type_name=protest")["data"]] == [
        "6"
    ]
    assert [row["actor_type_id"] for row in read("/api/actortype/read?actor_type_id=2|7")["data"]] == [
        "2",
        "7",
    ]


def test_countries_and_regions_summarise_visible_events(world):
    countries = read("/api/country/read")["data"]
    assert countries == [
        {
            "country": "Iraq",
            "iso": "368",
            "iso3": "IRQ",
            "first_event_date": "2015-12-15",
            "last_event_date": "2015-12-15",
            "event_count": "1",
        },
        {
            "country": "Syria",
            "iso": "760",
            "iso3": "SYR",
            "first_event_date": "2014-12-31",
            "last_event_date": "2015-06-15",
            "event_count": "3",
        },
    ]
    assert [row["iso3"] for row in read("/api/country/read?country=syr")["data"]] == ["SYR"]
    assert [row["iso3"] for row in read("/api/country/read?iso=368")["data"]] == ["IRQ"]
    assert [row["iso3"] for row in read("/api/country/read?event_count=2")["data"]] == ["SYR"]
    assert read_csv("/api/country/read.csv?iso3=IRQ") == countries[:1]
    regions = read("/api/region/read")["data"]
    assert regions == [
        {
            "region": "11",
            "region_name": "Middle East",
            "first_event_date": "2014-12-31",
            "last_event_date": "2015-12-15",
            "event_count": "4",
        }
    ]
    assert read("/api/region/read?region_name=europe")["data"] == []
    assert read("/api/region/read?region=11")["data"] == regions


# --- streaming and query counts --------------------------------------------------------------


def _many_events(world, count: int) -> None:
    """`count` more published events with two actors, an associate and two citations each."""
    army, rebels = world.actors["army"], world.actors["islamic_state"]
    helper = Actor.objects.create(name="Helpers", kind=InterCode.POLITICAL_MILITIA)
    events = []
    for number in range(count):
        event = Event(
            event_id=f"SYR{5000 + number}",
            event_date=dt.date(2016, 1, 1) + dt.timedelta(days=number),
            event_type=EventType.BATTLES,
            sub_event_type=SubEventType.ARMED_CLASH,
            place=world.places["aleppo_city"],
            status=Status.PUBLISHED,
            interaction=12,
        )
        event.derive()
        events.append(event)
    events = Event.objects.bulk_create(events)
    links, citations = [], []
    for event in events:
        links += [
            EventActor(event=event, actor=army, role=ActorRole.ACTOR1, inter=1),
            EventActor(event=event, actor=rebels, role=ActorRole.ACTOR2, inter=2),
            EventActor(event=event, actor=helper, role=ActorRole.ASSOC_ACTOR_2, inter=3),
        ]
        citations += [
            Citation(event=event, source=world.sources["sohr"]),
            Citation(event=event, source=world.sources["reuters"]),
        ]
    EventActor.objects.bulk_create(links)
    Citation.objects.bulk_create(citations)


def _queries(url: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
        content = body(response)
    assert response.status_code == 200, content
    return len(queries), content


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_query_count_does_not_grow_with_the_page_size(world, viewer, fmt, django_assert_max_num_queries):
    _many_events(world, 200)
    key = credentials(viewer)
    small, small_body = _queries(f"{URL}?limit=10&_format={fmt}&{key}")
    large, large_body = _queries(f"{URL}?limit=200&_format={fmt}&{key}")
    assert small == large
    assert b"Helpers" in small_body and large_body.count(b"Helpers") > small_body.count(b"Helpers")
    # token, permissions, [last_update, count,] events, their actors, their sources
    with django_assert_max_num_queries(7 if fmt == "json" else 5):
        body(Client().get(f"{URL}?limit=200&_format={fmt}&{key}"))
    with django_assert_max_num_queries(5 if fmt == "json" else 3):
        body(Client().get(f"{URL}?limit=200&_format={fmt}"))


def test_every_row_streams_with_limit_zero(world):
    _many_events(world, 120)
    response = Client().get(f"{URL}?limit=0")
    assert response.streaming
    payload = json.loads(body(response))
    assert payload["count"] == len(payload["data"]) == 124
    assert len(read_csv(f"{URL}.csv?limit=0")) == 124


def test_summaries_take_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for endpoint in ("actor", "actortype", "country", "region", "deleted"):
        with django_assert_max_num_queries(4):
            body(Client().get(f"/api/{endpoint}/read"))


def test_rows_are_read_while_the_body_streams_not_before(world):
    row_query = '"events_event"."notes"'
    with CaptureQueriesContext(connection) as answering:
        response = Client().get(f"{URL}?limit=0")
    assert response.streaming
    assert not any(row_query in query["sql"] for query in answering.captured_queries)
    with CaptureQueriesContext(connection) as streaming:
        payload = json.loads(body(response))
    assert any(row_query in query["sql"] for query in streaming.captured_queries)
    assert payload["count"] == 4


# --- ACLED's newer conventions: inter labels, Unix seconds as R writes them ---------------------


def test_inter_num_0_gives_acleds_labels_and_numbers_stay_the_default(world):
    fields = "fields=event_id_cnty|inter1|inter2|interaction"
    numbers = {row["event_id_cnty"]: row for row in read(f"{URL}?{fields}")["data"]}
    assert numbers == {row["event_id_cnty"]: row for row in read(f"{URL}?{fields}&inter_num=1")["data"]}
    labels = {row["event_id_cnty"]: row for row in read(f"{URL}?{fields}&inter_num=0")["data"]}
    battle, protest, airstrike = (world.events[name].event_id for name in ("battle", "protest", "airstrike"))
    assert numbers[battle] == {"event_id_cnty": battle, "inter1": "1", "inter2": "2", "interaction": "12"}
    assert labels[battle] == {
        "event_id_cnty": battle,
        "inter1": "State forces",
        "inter2": "Rebel group",
        "interaction": "State forces-Rebel group",
    }
    assert labels[airstrike]["interaction"] == "State forces-Civilians"
    assert (labels[protest]["inter2"], labels[protest]["interaction"]) == ("", "Protesters only")
    rows = read_csv(f"{URL}.csv?{fields}&inter_num=0")
    assert {row["event_id_cnty"]: row for row in rows} == labels
    assert error(Client().get(f"{URL}?inter_num=labels"), 400).startswith("inter_num: ")


@pytest.mark.parametrize(
    "value", ["1706745600", "1.7067456e+09", "1.7067456e%2B09", "1.7067456E9", "1706745600.0", "+1706745600"]
)
def test_unix_seconds_are_taken_in_any_numeric_form_of_a_whole_number(world, value, tombstones):
    expected = names(world, read(f"{URL}?timestamp=1706745600")["data"])
    assert expected == ["airstrike", "regain"]  # changed on or after 2024-02-01 (the protest retracted)
    assert names(world, read(f"{URL}?timestamp={value}")["data"]) == expected
    deleted = read(f"/api/deleted/read?deleted_timestamp={value}")["data"]
    assert deleted == read("/api/deleted/read?deleted_timestamp=1706745600")["data"] != []


@pytest.mark.parametrize(
    "value", ["1.5", "1706745600.5", "1.7e-09", "1e400", "nan", "inf", "0x10", "1,5", "٣"]
)
def test_unix_seconds_that_are_not_a_whole_number_answer_400_naming_the_parameter(world, value):
    for parameter, url in (("timestamp", URL), ("deleted_timestamp", "/api/deleted/read")):
        message = error(Client().get(url, {parameter: value}), 400)
        assert message.startswith(f"{parameter}: "), message
