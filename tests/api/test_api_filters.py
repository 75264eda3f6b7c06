"""Event filters of /api/v1/events/, alone and combined, on hand-built data (tests/api_helpers.py)."""

import pytest
from django.db import connection
from django.http import QueryDict

from core.api.exceptions import ParameterError
from events.filters import EventFilter
from events.models import Event
from tests.api_helpers import build_world, client_for, event_ids

URL = "/api/v1/events/"


@pytest.fixture
def world(db):
    return build_world()


def found(params: str, user=None) -> set[str]:
    return set(event_ids(client_for(user).get(f"{URL}?{params}")))


def mismatches(world, cases) -> list[str]:
    """Every case whose result differs from the expected set (all reported at once)."""
    wrong = []
    for params, expected in cases:
        got = found(params)
        if got != world.ids(*expected):
            wrong.append(f"{params}: expected {sorted(world.ids(*expected))}, got {sorted(got)}")
    return wrong


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    return {error.get("parameter"): error["message"] for error in body["errors"]}


# --- each filter alone -------------------------------------------------------------------------


def test_anonymous_callers_see_published_events_only(world):
    assert found("") == world.ids("battle", "airstrike", "protest", "regain")


DATE_CASES = [
    ("year=2015", {"battle", "airstrike", "protest", "regain"}),
    ("year=2015&date_mode=within", {"battle", "airstrike", "protest"}),
    ("year=2014", {"regain"}),
    ("year=2016", set()),
    ("date_after=2015-06-17&date_before=2015-06-30", {"airstrike"}),
    ("date_after=2015-06-17&date_before=2015-06-30&date_mode=within", set()),
    ("date_after=2015-06-12&date_before=2015-06-18&date_mode=within", {"airstrike"}),
    ("date_after=2015-12-10&date_before=2015-12-20", {"protest"}),
    ("date_after=2015-12-10&date_before=2015-12-20&date_mode=within", set()),
    ("date_after=2015-12-01&date_before=2015-12-31&date_mode=within", {"protest"}),
    ("date_after=2015-03-10&date_before=2015-03-10", {"battle"}),
    ("date_after=2015-03-10&date_before=2015-03-10&date_mode=within", {"battle"}),
    ("date_before=2015-01-01", {"regain"}),
    ("date_before=2015-01-01&date_mode=within", set()),
    ("date_after=2015-06-18", {"airstrike", "protest"}),
    ("date_after=2015-06-18&date_mode=within", {"protest"}),
]


def test_dates_honour_time_precision_with_date_mode(world):
    """Week- and month-precision events match a range they overlap, or only one that holds them."""
    assert mismatches(world, DATE_CASES) == []


SINGLE_FILTER_CASES = [
    ("country=SYR", {"battle", "airstrike", "regain"}),
    ("country=sy", {"battle", "airstrike", "regain"}),
    ("country=Syria", {"battle", "airstrike", "regain"}),
    ("country=Syrian Arab Republic", {"battle", "airstrike", "regain"}),
    ("country=IRQ,SYR", {"battle", "airstrike", "protest", "regain"}),
    ("country=Iraq", {"protest"}),
    ("country=FRA", set()),
    ("event_type=Battles", {"battle", "regain"}),
    ("event_type=battles", {"battle", "regain"}),
    ("event_type=Battles,Protests", {"battle", "protest", "regain"}),
    ("event_type=Battles&event_type=Protests", {"battle", "protest", "regain"}),
    ("sub_event_type=Air/drone strike", {"airstrike"}),
    ("disorder_type=Demonstrations", {"protest"}),
    ("disorder_type=Political violence", {"battle", "airstrike", "regain"}),
    ("actor_kind=6", {"protest"}),
    ("actor_kind=7", {"airstrike"}),
    ("actor_kind=State forces", {"battle", "airstrike", "regain"}),
    ("actor_kind=6,7", {"protest", "airstrike"}),
    ("interaction=12", {"battle", "regain"}),
    ("interaction=17,60", {"airstrike", "protest"}),
    ("fatalities_min=3", {"battle", "airstrike", "regain"}),
    ("fatalities_max=3", {"airstrike", "protest"}),
    ("fatalities_min=3&fatalities_max=10", {"battle", "airstrike"}),
    ("civilian_targeting=true", {"airstrike"}),
    ("civilian_targeting=false", {"battle", "protest", "regain"}),
    ("q=market", {"airstrike"}),
    ("q=air strike", {"airstrike"}),
    ("q=corruption", {"protest"}),
    ("updated_since=2024-02-15", {"protest", "regain"}),
    ("updated_since=2024-02-01T00:00:00Z", {"airstrike", "protest", "regain"}),
    ("updated_since=2024-02-01T00:00:01%2B00:00", {"protest", "regain"}),
    ("status=published", {"battle", "airstrike", "protest", "regain"}),
    ("status=draft", set()),
]


def test_each_filter_alone(world):
    assert mismatches(world, SINGLE_FILTER_CASES) == []


def test_place_includes_everything_under_it(world):
    places = world.places
    assert found(f"place={places['syria'].pk}") == world.ids("battle", "airstrike", "regain")
    assert found(f"place={places['aleppo'].pk}") == world.ids("battle", "regain")
    assert found(f"place={places['aleppo_city'].pk}") == world.ids("battle")
    assert found(f"place={places['aleppo_city'].pk},{places['iraq'].pk}") == world.ids("battle", "protest")


def test_actor_by_id_or_name_in_any_role(world):
    army, islamic_state = world.actors["army"], world.actors["islamic_state"]
    assert found(f"actor={army.pk}") == world.ids("battle", "airstrike", "regain")
    assert found(f"actor={islamic_state.pk}") == world.ids("battle", "regain")  # as actor2
    assert found("actor=islamic state (syria)") == world.ids("battle", "regain")


def test_source_by_id_or_name(world):
    assert found("source=Syrian Observatory for Human Rights") == world.ids("battle", "regain")
    assert found(f"source={world.sources['reuters'].pk}") == world.ids("airstrike", "protest")


def test_status_filter_shows_drafts_to_viewers_only(world, viewer):
    assert found("status=draft", user=viewer) == world.ids("riot")
    assert found("status=draft") == set()
    assert found("", user=viewer) == world.ids("battle", "airstrike", "protest", "regain", "riot")


def test_ordering_by_whitelisted_fields(world):
    by_fatalities = event_ids(client_for().get(f"{URL}?ordering=fatalities"))
    assert by_fatalities == [world.events[n].event_id for n in ("protest", "airstrike", "battle", "regain")]
    newest_first = event_ids(client_for().get(f"{URL}?ordering=-event_date"))
    assert newest_first == [world.events[n].event_id for n in ("protest", "airstrike", "battle", "regain")]
    by_update = event_ids(client_for().get(f"{URL}?ordering=-updated_at"))
    assert by_update == [world.events[n].event_id for n in ("regain", "protest", "airstrike", "battle")]


# --- combined ----------------------------------------------------------------------------------


COMBINED_CASES = [
    ("country=SYR&event_type=Battles&year=2015", {"battle", "regain"}),
    ("country=SYR&event_type=Battles&year=2015&date_mode=within", {"battle"}),
    ("actor=Military Forces of Syria (2000-2024)&civilian_targeting=true", {"airstrike"}),
    ("event_type=Battles,Explosions/Remote violence&fatalities_max=10", {"battle", "airstrike"}),
    ("country=SYR&source=Reuters", {"airstrike"}),
    ("interaction=12&fatalities_min=20", {"regain"}),
    ("disorder_type=Demonstrations&country=SYR", set()),
    ("q=army&country=SY&updated_since=2024-03-15", {"regain"}),
]


def test_filters_combine_with_and(world):
    assert mismatches(world, COMBINED_CASES) == []


# --- bad parameters ----------------------------------------------------------------------------


BAD_PARAMETER_CASES = [
    ("event_type=Battle", "event_type", "Battles"),  # the message lists the allowed values
    ("event_type=Battles,Nonsense", "event_type", "'Nonsense'"),
    ("sub_event_type=Clash", "sub_event_type", "Armed clash"),
    ("disorder_type=War", "disorder_type", "Political violence"),
    ("date_after=2015-13-01", "date_after", "YYYY-MM-DD"),
    ("date_before=yesterday", "date_before", "YYYY-MM-DD"),
    ("date_after=2015-02-01&date_before=2015-01-01", "date_before", "earlier"),
    ("date_mode=roughly", "date_mode", "overlap"),
    ("year=MMXV", "year", "whole number"),
    ("fatalities_min=ten", "fatalities_min", "whole number"),
    ("fatalities_min=1.5", "fatalities_min", "whole number"),
    ("fatalities_max=-1", "fatalities_max", "0"),
    ("fatalities_min=99999999999999999999", "fatalities_min", "2147483647"),
    ("country=Narnia", "country", "Narnia"),
    ("country=SYR,Atlantis", "country", "Atlantis"),
    ("place=abc", "place", "whole number"),
    ("place=999999", "place", "999999"),
    ("actor=Nobody at all", "actor", "Nobody at all"),
    ("source=Pravda", "source", "Pravda"),
    ("actor_kind=9", "actor_kind", "State forces"),
    ("interaction=99", "interaction", "12"),
    ("civilian_targeting=maybe", "civilian_targeting", "true or false"),
    ("status=secret", "status", "draft"),
    ("updated_since=last week", "updated_since", "ISO 8601"),
    ("ordering=notes", "ordering", "event_date"),
    ("q=bad%00byte", "q", "Null"),
]


def test_bad_parameters_answer_400_naming_the_parameter_and_the_reason(world):
    wrong = []
    for params, parameter, fragment in BAD_PARAMETER_CASES:
        response = client_for().get(f"{URL}?{params}")
        if response.status_code != 400:
            wrong.append(f"{params}: status {response.status_code}")
            continue
        errors = errors_of(response)
        if fragment not in errors.get(parameter, ""):
            wrong.append(f"{params}: {errors}")
    assert wrong == []


def test_several_bad_parameters_are_all_named(world):
    errors = errors_of(client_for().get(f"{URL}?event_type=Battle&fatalities_min=x&country=Narnia"))
    assert set(errors) == {"event_type", "fatalities_min", "country"}


# --- EventFilter on its own (as the exports use it) -------------------------------------------


def test_event_filter_works_without_a_request(world):
    params = QueryDict("country=SYR&event_type=Battles&year=2015")
    events = EventFilter(params, queryset=Event.objects.published()).qs
    assert {e.event_id for e in events} == world.ids("battle", "regain")


def test_event_filter_raises_a_parameter_error_naming_each_bad_parameter(world):
    with pytest.raises(ParameterError) as raised:
        EventFilter(QueryDict("event_type=Battle&year=x"), queryset=Event.objects.all()).qs  # noqa: B018
    assert set(raised.value.detail) == {"event_type", "year"}


# --- full-text search on PostgreSQL uses the GIN index -----------------------------------------


@pytest.mark.postgres
def test_full_text_search_matches_the_gin_index_expression(world):
    events = EventFilter(QueryDict("q=market"), queryset=Event.objects.all()).qs.order_by()
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "event_notes_fts_idx" in plan, plan


@pytest.mark.postgres
def test_full_text_search_stems_words_on_postgresql(world):
    assert found("q=clash") == world.ids("battle")  # "clashed" in the notes
    assert found('q="air strike" -market') == set()
