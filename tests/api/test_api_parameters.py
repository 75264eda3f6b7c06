"""Query parameters of /api/v1/: every route refuses an unknown one with 400 naming it and listing
the accepted ones, accepts each of those, and the OpenAPI schema lists exactly them; the
`event_id` filter of the events and the exports."""

from __future__ import annotations

import functools
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.utils import OpenApiParameter
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.test import APIRequestFactory

from actors.models import Actor
from events.api.views import EventViewSet
from events.filters import MAX_EVENT_IDS
from events.models import Event, Source
from tests.api_helpers import build_small_world, client_for
from tests.factories import EventFactory

UNKNOWN = "Unknown parameter"
WRITE_METHODS = ("post", "put", "patch", "delete")


def api_routes() -> list[tuple[str, URLPattern]]:
    """(the route's pattern, the URL pattern) of every URL under /api/v1/, from the URLconf."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern).lstrip("^"), pattern

    return [(route, p) for route, p in walk(get_resolver().url_patterns, "") if route.startswith("api/v1/")]


def methods_of(pattern: URLPattern) -> list[str]:
    actions = getattr(pattern.callback, "actions", None)  # a viewset's route: method -> action
    if actions is not None:
        return [method for method in actions if method not in ("head", "options")]
    view = pattern.callback.view_class
    return [method for method in ("get", *WRITE_METHODS) if hasattr(view, method)]


CASES = [
    pytest.param(pattern.name, method, id=f"{method.upper()} {pattern.name}")
    for route, pattern in api_routes()
    for method in methods_of(pattern)
]
# The keyword arguments of each route (an event id, or the primary key of the route's object).
KWARGS = {pattern.name: list(pattern.pattern.regex.groupindex) for _, pattern in api_routes()}


@functools.cache
def api_schema() -> dict:
    return Client().get("/api/schema/?format=json").json()


@pytest.fixture
def world(db, superuser):
    """An event, an actor, a place, a source, a tombstone, and an export job of the superuser."""
    event = build_small_world()
    response = client_for(superuser).post("/api/v1/exports/jobs/", {"format": "csv"}, format="json")
    assert response.status_code == 202, response.content
    return {
        "event_id": event.event_id,
        "actor": Actor.objects.first().pk,
        "place": event.place_id,
        "source": Source.objects.get().pk,
        "export-job": response.json()["id"],
    }


def url_of(name: str, world: dict) -> str:
    kwargs = {
        kwarg: world["event_id"]
        if kwarg == "event_id"
        else world[next(k for k in world if name.startswith(k))]
        for kwarg in KWARGS[name]
    }
    return reverse(name, kwargs=kwargs)


def schema_parameters(url: str, method: str) -> set[str] | None:
    """The query parameters the schema lists for this URL and method; None if it lists no such.
    Literal paths first: /events/tombstones/ before /events/{event_id}/."""
    paths = sorted(api_schema()["paths"].items(), key=lambda item: item[0].count("{"))
    for path, operations in paths:
        template = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", path))
        if re.fullmatch(template, url) and method in operations:
            parameters = operations[method].get("parameters", [])
            return {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
    return None


def sample_value(parameter: dict) -> str:
    """A plausible value for a parameter of the schema (a wrong one is fine: it is not unknown)."""
    schema = parameter["schema"]
    schema = schema.get("items", schema)
    if schema.get("enum"):
        return str(schema["enum"][0])
    return {"integer": "1", "boolean": "true"}.get(schema.get("type"), "2015-01-01")


def unknown_errors(response) -> list[dict]:
    return [error for error in response.json()["errors"] if error["message"].startswith(UNKNOWN)]


def test_every_api_route_is_walked():
    names = {pattern.name for _, pattern in api_routes()}
    for name in [
        "api-root",
        "event-list",
        "event-detail",
        "event-history",
        "event-publish",
        "event-tombstones",
        "actor-list",
        "place-detail",
        "source-list",
        "auth-token",
        "export-events-csv",
        "export-events-acled",
        "export-events-xlsx",
        "export-events-geojson",
        "export-jobs",
        "export-job",
        "export-job-download",
    ]:
        assert name in names, name


@pytest.mark.parametrize(("name", "method"), CASES)
def test_every_route_refuses_an_unknown_parameter_and_accepts_each_declared_one(
    world, superuser, name, method
):
    client = client_for(superuser)
    url = url_of(name, world)
    before = Event.objects.count()

    refused = client.generic(method.upper(), f"{url}?bogus=1")
    assert refused.status_code == 400, refused.content
    (error,) = refused.json()["errors"]
    assert error["parameter"] == "bogus"
    assert error["message"].startswith("Unknown parameter 'bogus'; this URL accepts: ")
    assert "bogus" in refused.json()["detail"]
    listed = error["message"].removeprefix("Unknown parameter 'bogus'; this URL accepts: ").rstrip(".")
    accepted = set() if listed == "none" else set(listed.split(", "))
    assert Event.objects.count() == before  # refused before anything was done

    # The schema lists exactly the parameters the view accepts (the API root is not in it).
    declared = schema_parameters(url, method)
    if name == "api-root":
        assert declared is None
        assert accepted == {"format"}
    else:
        assert declared == accepted, (declared, accepted)

    if method != "get":
        return
    by_name = {
        parameter["name"]: parameter
        for path in api_schema()["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
    }
    for parameter in sorted(accepted):
        value = sample_value(by_name[parameter]) if parameter in by_name else "json"
        response = client.get(url, {parameter: value})
        assert response.status_code < 500, (parameter, response.status_code)
        if response.status_code == 400:
            assert unknown_errors(response) == [], (parameter, response.json())


def test_the_unknown_parameter_answer_names_each_one_and_lists_the_accepted(world):
    response = client_for().get("/api/v1/events/?event_idd=SYR1&country=SYR&Year=2015")
    assert response.status_code == 400
    body = response.json()
    assert [error["parameter"] for error in body["errors"]] == ["event_idd", "Year"]
    message = body["errors"][0]["message"]
    for name in ["event_id", "country", "year", "page", "page_size", "pagination", "cursor", "ordering"]:
        assert re.search(rf"\b{name}\b", message), name
    assert "fields" in message and "format" in message
    assert body["detail"].startswith("event_idd: Unknown parameter 'event_idd'")


def test_a_flood_of_unknown_parameters_gets_a_short_answer(db):
    response = client_for().get("/api/v1/sources/?" + "&".join(f"p{n}=1" for n in range(2000)))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error.get("parameter") for error in errors] == [*(f"p{n}" for n in range(20)), None]
    assert errors[-1]["message"] == "… and 1,980 more unknown parameters."
    assert len(response.content) < 10_000


def test_the_bare_list_answers_as_before(world):
    assert client_for().get("/api/v1/events/").status_code == 200
    assert client_for().get("/api/v1/events/?format=json").status_code == 200


def test_head_is_checked_like_get_and_options_not_at_all(world):
    assert client_for().head("/api/v1/events/?country=SYR&page=1").status_code == 200
    assert client_for().head("/api/v1/events/?bogus=1").status_code == 400
    # A CORS preflight asks with the query string of the request it precedes.
    assert client_for().options("/api/v1/events/?country=SYR").status_code == 200


def test_format_in_an_export_url_is_unknown_rather_than_a_404(world):
    response = client_for().get("/api/v1/exports/events.csv?format=csv")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "format"
    assert "escape" in response.json()["errors"][0]["message"]


def test_filters_are_unknown_on_a_detail_and_on_writes(world, curator):
    detail = f"/api/v1/events/{world['event_id']}/"
    assert client_for().get(f"{detail}?fields=event_id").status_code == 200
    response = client_for().get(f"{detail}?country=SYR")
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "country"
    write = client_for(curator).post("/api/v1/events/?fields=event_id", {}, format="json")
    assert write.status_code == 400
    assert write.json()["errors"][0]["parameter"] == "fields"


def test_cursor_pages_follow_their_next_links_without_an_unknown_parameter(db):
    for n in range(3):
        EventFactory(event_id=f"SYR{n}", status="published")
    url, seen = "/api/v1/events/?pagination=cursor&page_size=1&fields=event_id", []
    while url:
        page = client_for().get(url).json()
        seen += [row["event_id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == ["SYR0", "SYR1", "SYR2"]


def test_the_check_costs_no_query(world, viewer):
    client = client_for(viewer)
    client.get("/api/v1/events/")  # the token and its user are cached on neither side: warm up
    with CaptureQueriesContext(connection) as refused:
        assert client.get("/api/v1/events/?bogus=1").status_code == 400
    assert len(refused.captured_queries) == 0


# --- event_id ----------------------------------------------------------------------------------


@pytest.fixture
def three(db):
    return [
        EventFactory(event_id=event_id, status="published").event_id
        for event_id in ("SYR1", "SYR2", "UCDP214797")
    ]


def listed(url: str) -> list[str]:
    response = client_for().get(url)
    assert response.status_code == 200, response.content
    return sorted(row["event_id"] for row in response.json()["results"])


def test_event_id_selects_one_event_or_a_list(three, django_assert_max_num_queries):
    assert listed("/api/v1/events/?event_id=UCDP214797") == ["UCDP214797"]
    assert listed("/api/v1/events/?event_id=SYR1,SYR2") == ["SYR1", "SYR2"]
    assert listed("/api/v1/events/?event_id=SYR1&event_id=UCDP214797") == ["SYR1", "UCDP214797"]
    assert listed("/api/v1/events/?event_id=SYR1, SYR404") == ["SYR1"]
    assert listed("/api/v1/events/?event_id=syr1") == []  # ids match exactly
    assert listed("/api/v1/events/?event_id=") == ["SYR1", "SYR2", "UCDP214797"]
    with django_assert_max_num_queries(4):  # count + page + actors + citations
        listed("/api/v1/events/?event_id=" + ",".join(f"SYR{n}" for n in range(MAX_EVENT_IDS)))


def test_event_id_refuses_too_many_ids_and_what_cannot_be_an_id(three):
    ids = ",".join(f"SYR{n}" for n in range(MAX_EVENT_IDS + 1))
    for value, reason in [
        (ids, f"At most {MAX_EVENT_IDS} event ids"),
        ("SYR1," + "x" * 31, "Not an event id"),
        ("SYR\x001", "Not an event id"),
    ]:
        response = client_for().get("/api/v1/events/", {"event_id": value})
        assert response.status_code == 400, value
        (error,) = response.json()["errors"]
        assert error["parameter"] == "event_id"
        assert reason in error["message"]


def test_event_id_selects_the_exported_events(three):
    response = client_for().get("/api/v1/exports/events.csv?event_id=SYR2,UCDP214797")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert "UCDP214797" in body and "SYR2" in body and "SYR1," not in body


# --- the declarations, as a new endpoint uses them ---------------------------------------------


class Tally(EventViewSet):
    """An endpoint as another view adds one: an @action declares its own parameters."""

    @action(
        detail=False,
        filter_parameters=True,
        pagination_class=None,
        query_parameters=[OpenApiParameter("period", str, enum=["month", "year"])],
    )
    def tally(self, request):
        return Response({"count": self.filter_queryset(self.get_queryset()).count()})


def test_an_action_accepts_the_filters_and_the_extras_it_declares(three):
    router = SimpleRouter()
    router.register("events", Tally, basename="tally")
    view = next(pattern for pattern in router.urls if pattern.name == "tally-tally").callback
    factory = APIRequestFactory()

    assert view(factory.get("/events/tally/?period=month&country=SYR&event_id=SYR1")).data == {"count": 1}
    refused = view(factory.get("/events/tally/?page=2"))
    assert refused.status_code == 400
    assert refused.data["errors"][0]["parameter"] == "page"
    assert "period" in refused.data["errors"][0]["message"]
