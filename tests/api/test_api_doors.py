"""Every route under /api/, every role, every method that writes: a write the role may not make
changes no row.

The walker resolves every URL pattern under api/ (the REST API, its exports and export jobs,
the token endpoint, the schema and docs, the ACLED-compatible API), fills each with the shared
world's objects (a published, a retracted and a draft event, an actor, a place, a source, an
export job) and, for each role calling with its API token, sends POST, PUT, PATCH and DELETE
with a plausible JSON body inside a rolled-back savepoint, comparing every table's checksum with
the one before. The rule book is tests/doors.py's, as for the admin walker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.doors import (
    ROLES,
    WRITERS,
    World,
    build_world,
    changed_tables,
    may_change_event,
    may_write_model,
    quiet_requests,  # noqa: F401 - a fixture
    table_checksums,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.slow  # every API route for every role

METHODS = ("post", "put", "patch", "delete")
REVIEWERS = ("reviewer", "superuser")
# Routes that only read: no method may write through them.
READ_ROUTES = {
    "export-events-csv",
    "export-events-acled",
    "export-events-xlsx",
    "export-events-geojson",
    "export-events-monadic",
    "export-aggregate-csv",
    "export-aggregate-xlsx",
    "export-job",
    "export-job-download",
    "event-tombstones",
    "event-history",
    "event-aggregate",
    "event-duplicates",
    "api-root",
    "schema",
    "api-docs",
    "api-redoc",
}
REFERENCE_ROUTES = {"actor": "actors.actor", "place": "places.place", "source": "events.source"}


def api_routes() -> list[tuple[str, str | None]]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                assert isinstance(pattern, URLPattern)
                yield prefix + str(pattern.pattern), pattern.name

    return [(route, name) for route, name in walk(get_resolver().url_patterns) if route.startswith("api/")]


def known(name: str | None) -> bool:
    if name in READ_ROUTES or (name or "").startswith("acled-"):
        return True
    base = (name or "").rsplit("-", 1)[0]
    return name in {"export-jobs", "auth-token"} or base in ("event", *REFERENCE_ROUTES)


def test_every_api_route_is_known():
    unknown = [f"{route} ({name})" for route, name in api_routes() if not known(name)]
    assert unknown == [], "New API routes: say in this file which roles may write there."


def fill(route: str, values: dict[str, str]) -> str:
    route = route.replace("^", "").replace("$", "").replace("/?", "/")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)\??", lambda m: values.get(m.group(1), ""), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    return "/" + route


@dataclass
class Cell:
    url: str
    method: str
    body: dict | None
    what: str
    may_write: bool
    must_write: bool = False


def event_body(world: World, event) -> dict:
    return {
        "event_date": str(event.event_date),
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
        "place": event.place_id,
        "notes": event.notes + " (changed)",
        "version": event.version,
        "citations": [
            {"source": world.objects["events.source"]["source"].pk, "quote": "Added through the API."}
        ],
        "actors": [{"actor": world.other_actor.pk, "role": "actor1"}],
    }


def reference_body(label: str, obj, suffix: str) -> dict:
    if label == "places.place":
        return {"name": obj.name + suffix, "kind": obj.kind, "parent": obj.parent_id}
    if label == "actors.actor":
        return {"name": obj.name + suffix, "kind": obj.kind, "country": obj.country}
    return {"name": obj.name + suffix, "kind": obj.kind}


def cells_for(world: World, role: str, route: str, name: str | None) -> list[Cell]:
    events = world.objects["events.event"]
    job = world.objects["events.exportjob"]["job"]
    cells = []
    if name in READ_ROUTES or (name or "").startswith("acled-"):
        url = fill(route, {"pk": str(job.pk), "event_id": events["published"].event_id, "data": "nothing"})
        return [Cell(url, method, {}, "read-only route", False) for method in METHODS]
    if name == "export-jobs":
        url = fill(route, {})
        body = {"format": "csv", "filters": {}}
        # A job exports what the caller may read; its row is the caller's own record.
        return [Cell(url, "post", body, "start an export", role != "anonymous")] + [
            Cell(url, method, {}, "export jobs", False) for method in ("put", "patch", "delete")
        ]
    if name == "auth-token":
        user = world.users.get(role, world.users["viewer"])
        password = PASSWORD if role != "anonymous" else "wrong"
        body = {"username": user.username, "password": password}
        return [
            Cell(
                fill(route, {}), "post", body, "exchange one's password for one's token", role != "anonymous"
            )
        ]
    base, kind = name.rsplit("-", 1)
    if base == "event":
        source = world.objects["events.source"]["source"]
        if kind == "list":
            body = {**event_body(world, events["draft"]), "version": None}
            body.pop("version")
            allowed = role in WRITERS
            cells.append(Cell(fill(route, {}), "post", body, "create an event", allowed, allowed))
            return cells
        for state, event in events.items():
            url = fill(route, {"event_id": event.event_id})
            if kind == "detail":
                body = event_body(world, event)
                allowed = may_change_event(role, state)
                cells.append(Cell(url, "put", body, f"replace the {state} event", allowed, allowed))
                patch = {"version": event.version, "citations": body["citations"] + [{"source": source.pk}]}
                cells.append(
                    Cell(url, "patch", patch, f"add a citation to the {state} event", allowed, allowed)
                )
                allowed = may_write_model(role, "events.event", "delete", state)
                cells.append(Cell(url, "delete", None, f"delete the {state} event", allowed, allowed))
                cells.append(Cell(url, "post", {}, f"post to the {state} event", False))
            elif kind == "publish":
                allowed = role in REVIEWERS and state == "draft"
                cells.append(Cell(url, "post", {}, f"publish the {state} event", allowed, allowed))
            elif kind == "retract":
                allowed = role in REVIEWERS and state != "retracted"
                cells.append(
                    Cell(url, "post", {"reason": "error"}, f"retract the {state} event", allowed, allowed)
                )
            else:
                raise AssertionError(name)
            if kind in ("publish", "retract"):
                cells += [
                    Cell(url, method, {}, f"{method} {kind}", False) for method in ("put", "patch", "delete")
                ]
        return cells
    label = REFERENCE_ROUTES[base]
    obj = next(iter(world.objects[label].values()))
    allowed = may_write_model(role, label, "change", None)
    if kind == "list":
        url = fill(route, {})
        cells.append(
            Cell(url, "post", reference_body(label, obj, " (new)"), f"create a {base}", allowed, allowed)
        )
    else:
        url = fill(route, {"pk": str(obj.pk)})
        body = reference_body(label, obj, " (changed)")
        cells.append(Cell(url, "put", body, f"replace the {base}", allowed, allowed))
        cells.append(Cell(url, "patch", {"name": body["name"]}, f"rename the {base}", allowed, allowed))
        # Events refer to the world's actor, place and source (PROTECT): a refusal, not a 500.
        cells.append(Cell(url, "delete", None, f"delete the {base}", allowed))
    return cells


def client_for(world: World, role: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    if role != "anonymous":
        token, _ = Token.objects.get_or_create(user=world.users[role])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def attempt(client: APIClient, cell: Cell, baseline: dict[str, str]) -> str | None:
    with transaction.atomic():
        response = getattr(client, cell.method)(cell.url, cell.body, format="json")
        after = table_checksums()
        transaction.set_rollback(True)
    changed = changed_tables(baseline, after)
    status = response.status_code
    if status >= 500:
        error = getattr(response, "exc_info", None)
        return f"answered {status} ({error[1]!r})" if error else f"answered {status}"
    if changed and not cell.may_write:
        return f"({status}) changed {', '.join(changed)}"
    if cell.must_write and not changed:
        return f"({status}) changed nothing, though the role may write here: {response.content[:300]!r}"
    return None


@pytest.mark.usefixtures("quiet_requests")
@pytest.mark.parametrize("role", ROLES)
def test_no_role_writes_through_an_api_route_it_may_not_use(db, settings, role):
    settings.CELERY_BROKER_URL = None  # export jobs run inline
    world = build_world()
    client = client_for(world, role)
    baseline = table_checksums()
    problems = []
    for route, name in api_routes():
        for cell in cells_for(world, role, route, name):
            problem = attempt(client, cell, baseline)
            if problem:
                problems.append(f"{role} {cell.method.upper()} {cell.url} [{cell.what}]: {problem}")
    assert table_checksums() == baseline
    assert not problems, f"{len(problems)} routes:\n" + "\n".join(problems)
