"""The ACLED-compatible API's limits (docs/security.md, "Limits"): LIKE without regular
expressions, `%` collapsed, wildcards and alternatives capped, `=` alternatives as one IN list;
and the issue's attacks, which pinned a worker for 30 s and more, answered at once.

No test asserts a duration: the structure is asserted (the SQL holds no regex, one IN list, the
caps answer 400), and the 2,000-`%` sweep over a 10,000-event database runs in a subprocess that is
killed after 30 s, so nothing can hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.countries import COUNTRIES
from core.sql import Like
from events.acled_api.query import (
    EVENT_FILTERS,
    MAX_COSTLY_ALTERNATIVES,
    MAX_IN_VALUES,
    MAX_WILDCARDS,
    TEXT,
    LikePattern,
)
from events.models import Source
from tests.acled_api.helpers import ORDER, URL, body, error, names, read

ROOT = Path(__file__).resolve().parents[2]
REGEX_OPERATORS = ("~*", " ~ ", "REGEXP", "SIMILAR TO", "regexp_")


def queries_of(url: str) -> tuple[object, bytes, list[str]]:
    """The response, its body and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url)
        content = body(response)
    return response, content, [query["sql"] for query in captured.captured_queries]


def assert_no_regex(sql: list[str]) -> None:
    for statement in sql:
        assert not any(operator in statement.upper() for operator in REGEX_OPERATORS), statement


# --- one matcher, in SQL and in Python -----------------------------------------------------------

NAMES = [
    "Reuters",
    "REUTERS Africa",
    "Agence France-Presse",
    "AFP_wire",
    "AFPxwire",
    "100% Radio",
    "100 Radio",
    "Back\\slash",
    "ab",
    "ba",
    "aaa",
    "ababab",
    "ababa",
    "Zaza",
]
PATTERNS = [
    "reuters",
    "a",
    "%",
    "%%%",
    "a%",
    "%a",
    "a%b",
    "%b%a%",
    "%%a%%b%%",
    "AFP_wire",
    "afp_%",
    "100%",
    "100%%Radio",
    "back\\%",
    "aba%bab",
    "abab%baba",
    "%za",
    "z%z%",
    "%e%e%e%",
]


@pytest.mark.django_db
def test_the_sql_like_and_the_python_matcher_agree():
    for name in NAMES:
        Source.objects.create(name=name, kind="other")
    disagree = {}
    for text in PATTERNS:
        pattern = LikePattern.parse(text, parameter="source")
        in_sql = set(Source.objects.filter(Like(F("name"), pattern.sql)).values_list("name", flat=True))
        in_python = {name for name in NAMES if pattern.matches(name)}
        if in_sql != in_python:
            disagree[text] = {"sql": sorted(in_sql), "python": sorted(in_python)}
    assert disagree == {}
    # and they mean what the API promises
    assert LikePattern.parse("AFP_wire", parameter="x").matches("AFP_wire")
    assert not LikePattern.parse("AFP_wire", parameter="x").matches("AFPxwire")  # `_` is itself
    assert LikePattern.parse("reuters", parameter="x").matches("REUTERS Africa")  # a part is enough
    assert not LikePattern.parse("reuters%", parameter="x").matches("The Reuters")  # % anchors


def test_runs_of_percent_collapse_to_one_wildcard():
    assert LikePattern.parse("%" * 2000, parameter="notes").parts == ("", "")
    assert LikePattern.parse("%%a%%%b%%", parameter="notes").parts == ("", "a", "b", "")
    assert LikePattern.parse("a%%%%b", parameter="notes").sql == "a%b"
    assert LikePattern.parse("50%_off", parameter="notes").sql == "50%\\_off"
    assert LikePattern.parse("plain", parameter="notes").sql == "%plain%"


# --- the attacks of the security review ----------------------------------------------------------


def test_forty_percent_signs_on_region_read_answer_at_once_with_the_right_rows(world):
    query = "/api/region/read?region_name_where=LIKE&region_name="
    assert read(query + "%25" * 40 + "Z")["data"] == []
    assert [row["region_name"] for row in read(query + "%25" * 40 + "east")["data"]] == ["Middle East"]
    assert [row["region_name"] for row in read(query + "%25" * 40 + "d%25" * 2 + "t")["data"]] == [
        "Middle East"
    ]


def test_sixteen_percent_signs_on_actortype_read_answer_at_once_with_the_right_rows(world):
    rows = read("/api/actortype/read?actor_type_name=" + "%25" * 16 + "s")["data"]
    assert [row["actor_type_id"] for row in rows] == ["1", "6", "7", "8"]  # the names ending in "s"


def test_1200_percent_signs_in_notes_are_one_ilike_without_regex(world):
    response, content, sql = queries_of(f"{URL}?notes_where=LIKE&notes=" + "%25" * 1200 + "Z")
    assert response.status_code == 200
    assert_no_regex(sql)
    rows = [statement for statement in sql if '"events_event"."notes"' in statement and "LIKE" in statement]
    assert rows and all("'%Z'" in statement for statement in rows)  # 1,200 `%` became one
    assert read(f"{URL}?notes_where=LIKE&notes=" + "%25" * 1200 + "Z")["data"] == []
    assert names(world, read(f"{URL}?notes=" + "%25" * 1200 + "airport.")["data"]) == ["battle"]


def test_300_inter_alternatives_are_one_subquery_per_column(world):
    url = f"{URL}?inter1=0" + ":OR:inter2=0" * 300
    response, content, sql = queries_of(url)
    assert response.status_code == 200
    assert names(world, json.loads(content)["data"]) == ["protest"]  # the one without actor 2
    rows = next(statement for statement in sql if '"events_event"."notes"' in statement)
    assert rows.count("events_eventactor") <= 8  # inter1 and inter2, not 301 subqueries


def test_every_like_filter_of_the_event_read_is_sql_ilike_never_a_regex(world):
    for name, filter_ in EVENT_FILTERS.items():
        if filter_.kind != TEXT:
            continue
        response, content, sql = queries_of(f"{URL}?{name}_where=LIKE&{name}=%25a%25b%25")
        assert response.status_code == 200, name
        assert_no_regex(sql)


# --- the caps ------------------------------------------------------------------------------------


def test_more_than_ten_wildcards_in_a_value_answer_400_naming_the_parameter(world):
    assert read(f"{URL}?notes=" + "%25x" * MAX_WILDCARDS)["data"] == []
    message = error(Client().get(f"{URL}?notes=" + "%25x" * (MAX_WILDCARDS + 1)), 400)
    assert message.startswith("notes: ") and "wildcards" in message
    message = error(Client().get("/api/actor/read?actor_name=" + "a%25" * 11 + "a"), 400)
    assert message.startswith("actor_name: ")


def test_more_than_fifty_patterns_or_subqueries_answer_400_naming_the_parameter(world):
    fifty = ":OR:".join(f"actor1=name{number}" for number in range(MAX_COSTLY_ALTERNATIVES))
    assert read(f"{URL}?{fifty}")["data"] == []
    message = error(Client().get(f"{URL}?{fifty}:OR:actor2=one-more"), 400)
    assert message.startswith("actor1: ") and "at most 50" in message
    patterns = "|".join(f"word{number}" for number in range(MAX_COSTLY_ALTERNATIVES + 1))
    assert error(Client().get(f"{URL}?notes={patterns}"), 400).startswith("notes: ")
    # spread over several parameters, the count is the request's
    half = "|".join(f"w{number}" for number in range(30))
    assert error(Client().get(f"{URL}?notes={half}&tags={half}"), 400).startswith("tags: ")


def test_equal_alternatives_are_one_in_list_of_at_most_500_values(world):
    values = "|".join(str(number) for number in range(MAX_IN_VALUES))
    response, content, sql = queries_of(f"{URL}?fatalities={values}")
    assert response.status_code == 200
    assert names(world, json.loads(content)["data"]) == ORDER
    assert any('"fatalities" IN (' in statement for statement in sql)
    message = error(Client().get(f"{URL}?fatalities={values}|{MAX_IN_VALUES}"), 400)
    assert message.startswith("fatalities: ") and "500" in message
    # the same value repeated is one value, as is a branch naming it again
    assert names(world, read(f"{URL}?fatalities=10" + ":OR:fatalities=10" * 600)["data"]) == ["battle"]


def test_an_acledr_shaped_url_with_every_country_is_answered_with_one_in_list(world):
    """acledR 1.x asks for a call's countries as `country=A:OR:country=B…` (spaces as %20) with
    `country_where=%3D`, dates as BETWEEN and `inter_num=0`: one URL of several kilobytes."""
    countries = ":OR:country=".join(quote(country.name) for country in COUNTRIES.values())
    url = (
        f"{URL}?country={countries}&country_where=%3D&event_date=2014-01-01|2016-12-31"
        "&event_date_where=BETWEEN&timestamp=&inter_num=0&limit=0"
    )
    assert 4094 < len(url) < 8190  # past gunicorn's default request line, within the raised one
    response, content, sql = queries_of(url)
    assert response.status_code == 200
    assert names(world, json.loads(content)["data"]) == ORDER
    rows = next(statement for statement in sql if '"events_event"."notes"' in statement)
    assert rows.count('"country_code" IN (') == 1 and rows.count(" OR ") < 10


def test_gunicorn_reads_request_lines_up_to_its_maximum():
    from config import gunicorn

    assert gunicorn.limit_request_line == 8190


# --- 2,000 `%` on every text filter, 10,000 events, in a subprocess killed after 30 s --------------

SWEEP = textwrap.dedent(
    """
    import json, os, sys
    import django
    django.setup()
    from django.test import Client
    from events.acled_api.query import TEXT
    from events.acled_api.views import (
        ActorRead, ActorTypeRead, CountryRead, DeletedRead, EventRead, RegionRead
    )
    client = Client()
    answers = {}
    hostile = "%" * 2000 + "qqq"
    for endpoint, view in [("acled", EventRead), ("deleted", DeletedRead), ("actor", ActorRead),
                           ("actortype", ActorTypeRead), ("country", CountryRead), ("region", RegionRead)]:
        for name, filter_ in view.filters.items():
            if filter_.kind != TEXT:
                continue
            for label, value in (("collapsed", hostile), ("spread", "%q" * 1000)):
                response = client.get(f"/api/{endpoint}/read",
                                      {name: value, f"{name}_where": "LIKE", "limit": "0"})
                content = b"".join(response.streaming_content) if response.streaming else response.content
                payload = json.loads(content)
                answers[f"{endpoint}.{name}.{label}"] = [response.status_code,
                                                         len(payload.get("data", [])),
                                                         payload.get("error", {}).get("message", "")]
    print(json.dumps(answers))
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_text_filter_answers_2000_percent_signs_on_10000_events_within_the_guard():
    from events.demo import demo_seed
    from events.models import Event

    demo_seed(events=10_000, seed=12)
    assert Event.objects.count() == 10_000
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
            f"/{database['NAME']}"
        ),
        "ANON_THROTTLE_RATE": "off",
        "DEBUG": "1",
    }
    finished = subprocess.run(
        [sys.executable, "-c", SWEEP],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,  # the guard: a backtracking matcher would be killed here, and the test fail
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    answers = json.loads(finished.stdout.strip().splitlines()[-1])
    assert len(answers) >= 2 * 20
    collapsed = {key: value for key, value in answers.items() if key.endswith(".collapsed")}
    spread = {key: value for key, value in answers.items() if key.endswith(".spread")}
    assert {key: value[:2] for key, value in collapsed.items()} == {key: [200, 0] for key in collapsed}
    assert all(status == 400 and "wildcards" in message for status, _, message in spread.values())


@pytest.mark.postgres
@pytest.mark.django_db
def test_like_on_notes_and_names_is_served_by_trigram_indexes_beside_the_full_text_one():
    from events.models import Event

    expected = {
        "event_notes_trgm_idx",
        "actor_name_trgm_idx",
        "source_name_trgm_idx",
        "place_name_trgm_idx",
        "event_notes_fts_idx",  # the API's full-text `q=` keeps its own
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [sorted(expected)])
        assert {name for (name,) in cursor.fetchall()} == expected
    pattern = LikePattern.parse("airport", parameter="notes")
    queryset = Event.objects.filter(Like(F("notes"), pattern.sql)).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make the planner show its option
        plan = queryset.explain()
    assert "event_notes_trgm_idx" in plan
