"""Who may do what, through every entry point (docs/architecture.md, "Roles"; docs/security.md).

MATRIX is the table: one row per entry point, one column per kind of caller — anonymous, a viewer
with an API token, a viewer signed in to the admin (session), a curator, a reviewer, a superuser
(the last three signed in by session, which the API and the exports accept as well). Each cell is
a real request through the test client, made in a savepoint that is rolled back, so every cell
starts from the same data.

Unpublished events (a draft, a reviewed draft, a retracted event) must never reach anonymous
callers: not in lists, counts, search results, exports, history, the ACLED-compatible API,
the tombstone feed (for events never public), nor error messages.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from actors.models import Actor
from core.vocab import ActorRole, InterCode
from events.duplicates import duplicates_check
from events.models import Event, ExportJob, ImportBatch, Source, Tombstone
from events.roles import CURATOR
from events.services import event_create, event_delete, event_mark_reviewed, event_publish, event_retract
from places.models import Place, PlaceKind
from tests.factories import SourceFactory, UserFactory

ROLES = ("anonymous", "viewer_token", "viewer_session", "curator", "reviewer", "superuser")
UNPUBLISHED = ("draft", "retracted", "reviewed")  # what only viewers and up may see
NONE: tuple = ()
SECRET_WORD = "Zanzibarsecret"  # only in the draft's notes
SECRET_ACTOR = "Secret Militia"  # only in the draft


@dataclass
class World:
    events: dict[str, Event]
    users: dict[str, Any]
    tokens: dict[str, str]
    source_id: int
    place_id: int
    batch_id: int
    job_ids: dict[str, int] = field(default_factory=dict)

    def id(self, label: str) -> str:
        return self.events[label].event_id

    def label_of(self, event_id: str) -> str | None:
        return next((label for label, event in self.events.items() if event.event_id == event_id), None)

    def unpublished_in(self, text: str) -> tuple[str, ...]:
        """Which unpublished events (by label) show up in a response body."""
        return tuple(label for label in UNPUBLISHED if self.id(label) in text)


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_BROKER_URL = None  # export jobs run inline


@pytest.fixture
def world(db, viewer, curator, reviewer, superuser) -> World:
    syria = Place.objects.create(
        name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR", latitude=35.0, longitude=38.5
    )
    palmyra = Place.objects.create(
        name="Palmyra", kind=PlaceKind.LOCALITY, parent=syria, latitude=34.5, longitude=38.3
    )
    source = SourceFactory(name="Syrian Observatory")
    public_army = Actor.objects.create(name="Public Army", kind=InterCode.STATE_FORCES, country="SYR")
    secret = Actor.objects.create(name=SECRET_ACTOR, kind=InterCode.POLITICAL_MILITIA, country="SYR")

    def make(event_id: str, notes: str, actor: Actor) -> Event:
        return event_create(
            event_id=event_id,
            event_date="2015-05-20",
            event_type="Battles",
            sub_event_type="Armed clash",
            place=palmyra,
            notes=notes,
            by=curator,
            actors=[(actor, ActorRole.ACTOR1)],
            citations=[{"source": source, "quote": "Fighting was reported."}],
        )

    # Four distinct events at one place and day: likely duplicates of one another, confirmed
    # not to be (so the workflow's duplicates check lets every role's attempt through).
    published = event_publish(
        event=make("SYR1001", "Clashes near the citadel.", public_army),
        by=reviewer,
        confirm_not_duplicate=True,
    )
    draft = make("SYR2002", f"{SECRET_WORD} meeting of commanders.", secret)
    reviewed = event_mark_reviewed(
        event=make("SYR3003", "Reviewed, not yet public.", public_army),
        by=curator,
        confirm_not_duplicate=True,
    )
    retracted = event_publish(
        event=make("SYR4004", "Retractedword clash.", public_army), by=reviewer, confirm_not_duplicate=True
    )
    duplicates_check(event=draft, by=curator, confirm_not_duplicate=True)
    retracted = event_retract(event=retracted, by=reviewer, reason="safety")
    # The services record no user outside a request (the API's and admin's middleware do): say who.
    Event.history.filter(event_id=published.event_id).update(history_user=curator)
    users = {"viewer": viewer, "curator": curator, "reviewer": reviewer, "superuser": superuser}
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    world = World(
        events={"published": published, "draft": draft, "reviewed": reviewed, "retracted": retracted},
        users=users,
        tokens=tokens,
        source_id=source.pk,
        place_id=palmyra.pk,
        batch_id=ImportBatch.objects.create(
            file_name="acled.csv", format="acled", errors=[{"row": 2, "column": "notes", "reason": "bad"}]
        ).pk,
    )
    # An export job of the reviewer's, which only the reviewer and superusers may see.
    job = ExportJob.objects.create(created_by=reviewer, format="csv", state=ExportJob.State.QUEUED)
    world.job_ids["reviewer"] = job.pk
    return world


@dataclass
class Caller:
    role: str
    user: Any
    client: Client
    acled: dict[str, str]  # ACLED-style key/email credentials, for token callers


def caller_for(world: World, role: str) -> Caller:
    if role == "anonymous":
        return Caller(role, None, Client(), {})
    name = role.removesuffix("_token").removesuffix("_session")
    user = world.users[name]
    if role.endswith("_token"):
        client = Client(HTTP_AUTHORIZATION=f"Token {world.tokens[name]}")
        return Caller(role, user, client, {"key": world.tokens[name], "email": user.email})
    client = Client()
    client.force_login(user)
    return Caller(role, user, client, {})


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def status_after(world: World, label: str) -> str:
    return Event.objects.get(pk=world.events[label].pk).status


# --- the cells: each makes one request (sometimes two) and returns what the table compares ----


def get_status(url: Callable[[World], str]):
    return lambda w, c: c.client.get(url(w)).status_code


def admin_action(action: str, label: str, **extra):
    def run(w: World, c: Caller) -> str:
        data = {"action": action, "_selected_action": [w.events[label].pk], **extra}
        c.client.post("/admin/events/event/", data)
        return status_after(w, label)

    return run


def api_list_unpublished(params: str = ""):
    def run(w: World, c: Caller):
        response = c.client.get(f"/api/v1/events/?page_size=100{params}")
        assert response.status_code == 200
        return w.unpublished_in(response.content.decode())

    return run


def api_count(w: World, c: Caller) -> int:
    return c.client.get("/api/v1/events/").json()["count"]


def api_search_count(w: World, c: Caller) -> int:
    return c.client.get(f"/api/v1/events/?q={SECRET_WORD}").json()["count"]


def api_history(label: str):
    return lambda w, c: c.client.get(f"/api/v1/events/{w.id(label)}/history/").status_code


def api_history_names_users(w: World, c: Caller) -> bool:
    entries = c.client.get(f"/api/v1/events/{w.id('published')}/history/").json()
    return any(entry["user"] for entry in entries)


def api_tombstones(w: World, c: Caller) -> tuple:
    response = c.client.get("/api/v1/events/tombstones/")
    return tuple(sorted(filter(None, (w.label_of(row["event_id"]) for row in response.json()["results"]))))


def api_write(method: str, url: Callable[[World], str], payload: Callable[[World], dict] | None = None):
    def run(w: World, c: Caller) -> int:
        data = payload(w) if payload else {}
        return getattr(c.client, method)(
            url(w), json.dumps(data), content_type="application/json"
        ).status_code

    return run


def new_event(w: World) -> dict:
    return {
        "event_date": "2015-07-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "place": w.place_id,
    }


def export_unpublished(fmt: str, params: str = ""):
    def run(w: World, c: Caller):
        response = c.client.get(f"/api/v1/exports/events.{fmt}?{params}")
        assert response.status_code == 200, response.content
        return w.unpublished_in(export_text(fmt, body(response)))

    return run


def export_text(fmt: str, data: bytes) -> str:
    """Everything a file says, as text (every cell of every sheet of a workbook)."""
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True) for value in row
        )
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return data.decode()


def export_mentions_the_secret_actor(w: World, c: Caller) -> bool:
    """The XLSX report's summary sheets (top actors) count only what the caller may see."""
    data = body(c.client.get("/api/v1/exports/events.xlsx"))
    return SECRET_ACTOR in export_text("xlsx", data)


def export_rows_for_search(w: World, c: Caller) -> int:
    data = body(c.client.get(f"/api/v1/exports/events.csv?q={SECRET_WORD}")).decode()
    return len(list(csv.reader(io.StringIO(data)))) - 1


def job_start_and_read(fmt: str):
    """POST a background export job (it runs inline without a broker) and read its file."""

    def run(w: World, c: Caller):
        response = c.client.post("/api/v1/exports/jobs/", {"format": fmt}, content_type="application/json")
        if response.status_code != 202:
            return response.status_code
        job = ExportJob.objects.get(pk=response.json()["id"])
        download = c.client.get(f"/api/v1/exports/jobs/{job.pk}/download")
        return w.unpublished_in(export_text(fmt, body(download)))

    return run


def job_of_someone_else(suffix: str):
    return lambda w, c: c.client.get(f"/api/v1/exports/jobs/{w.job_ids['reviewer']}/{suffix}").status_code


def acled(path: str, **params: str):
    def run(w: World, c: Caller):
        query = {**params, **c.acled}
        response = c.client.get(path, query)
        return response.status_code, json.loads(body(response))

    return run


def acled_unpublished(w: World, c: Caller):
    status, data = acled("/api/acled/read", limit="100")(w, c)
    return w.unpublished_in(json.dumps(data["data"]))


def acled_count(w: World, c: Caller) -> tuple[int, int]:
    status, data = acled("/api/acled/read", with_total="true")(w, c)
    return data["count"], data["total_count"]


def acled_draft_by_id(w: World, c: Caller) -> int:
    status, data = acled("/api/acled/read", event_id_cnty=w.id("draft"))(w, c)
    return data["count"]


def acled_secret_actor(w: World, c: Caller) -> int:
    status, data = acled("/api/actor/read", actor_name=SECRET_ACTOR)(w, c)
    return data["count"]


def acled_country_events(w: World, c: Caller) -> int:
    status, data = acled("/api/country/read", iso3="SYR")(w, c)
    return int(data["data"][0]["event_count"]) if data["data"] else 0  # ACLED writes numbers as text


def acled_deleted(w: World, c: Caller) -> tuple:
    status, data = acled("/api/deleted/read")(w, c)
    return tuple(sorted(filter(None, (w.label_of(row["event_id_cnty"]) for row in data["data"]))))


IMPORT_HEADER = ["event_id", "event_date", "event_type", "sub_event_type", "place", "sources", "status"]
IMPORT_ROW = ["SYR7777", "2015-11-10", "Battles", "Armed clash", "Syria > Palmyra", "Syrian Observatory"]
IMPORT_ROW.append("published")


def import_upload(rows: list[list[str]] | None = None) -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows or [IMPORT_HEADER, IMPORT_ROW])
    return SimpleUploadedFile("import.csv", text.getvalue().encode(), content_type="text/csv")


def admin_source_import(w: World, c: Caller):
    """Preview and confirm an import of a new source through the Source admin's import screen."""
    data = {
        "resource": "0",
        "format": "0",
        "import_file": import_upload([["name", "kind"], ["Imported agency", "other"]]),
    }
    preview = c.client.post("/admin/events/source/import/", data)
    if preview.status_code == 200 and preview.context.get("confirm_form"):
        c.client.post("/admin/events/source/process_import/", preview.context["confirm_form"].initial)
    return Source.objects.filter(name="Imported agency").exists()


def admin_import_preview(w: World, c: Caller) -> int:
    data = {"resource": "0", "format": "0", "import_file": import_upload()}
    return c.client.post("/admin/events/event/import/", data).status_code


def admin_import_published(w: World, c: Caller):
    """Preview and confirm an import whose row says status=published; the status column is read-only."""
    data = {"resource": "0", "format": "0", "import_file": import_upload()}
    preview = c.client.post("/admin/events/event/import/", data)
    if preview.status_code != 200:
        return preview.status_code
    c.client.post("/admin/events/event/process_import/", preview.context["confirm_form"].initial)
    return Event.objects.get(event_id="SYR7777").status


def admin_export_selected(fmt: str):
    def run(w: World, c: Caller):
        data = {"action": f"export_selected_{fmt}", "_selected_action": [w.events["draft"].pk]}
        response = c.client.post("/admin/events/event/", data)
        return (
            "file"
            if response.get("Content-Disposition", "").startswith("attachment")
            else response.status_code
        )

    return run


def admin_user_page(kind: str):
    def run(w: World, c: Caller) -> int:
        if kind == "self-promotion":
            # A curator cannot make themselves a superuser: the change page refuses them outright.
            me = c.user.pk if c.user else w.users["curator"].pk
            return c.client.get(f"/admin/auth/user/{me}/change/").status_code
        return c.client.get({"list": "/admin/auth/user/", "add": "/admin/auth/user/add/"}[kind]).status_code

    return run


def admin_group_change(w: World, c: Caller) -> int:
    return c.client.get(f"/admin/auth/group/{Group.objects.get(name=CURATOR).pk}/change/").status_code


@dataclass(frozen=True)
class Cell:
    entry_point: str
    request: Callable[[World, Caller], Any]
    expected: tuple  # in the order of ROLES

    def __str__(self) -> str:
        return self.entry_point


def event_url(label: str, suffix: str = ""):
    return lambda w: f"/api/v1/events/{w.id(label)}/{suffix}"


def admin_event_url(label: str, suffix: str):
    return lambda w: f"/admin/events/event/{w.events[label].pk}/{suffix}"


def version_of(label: str):
    return lambda w: {"notes": "x", "version": w.events[label].version}


# How each entry point is called: one request (or two: an action and a read of its outcome).
REQUESTS: dict[str, Callable[[World, Caller], Any]] = {
    # The admin works with sessions only: a token does not open it.
    "admin event changelist": get_status(lambda w: "/admin/events/event/"),
    "admin draft change page": get_status(admin_event_url("draft", "change/")),
    "admin add event": get_status(lambda w: "/admin/events/event/add/"),
    "admin draft history page": get_status(admin_event_url("draft", "history/")),
    "admin delete published event": get_status(admin_event_url("published", "delete/")),
    "admin action publish: status after": admin_action("publish", "draft"),
    "admin action mark reviewed: status after": admin_action("mark_reviewed", "draft"),
    "admin action retract: status after": admin_action("retract", "published", apply="1", reason="error"),
    "admin import batches": get_status(lambda w: "/admin/events/importbatch/"),
    "admin import batch error report": get_status(
        lambda w: f"/admin/events/importbatch/{w.batch_id}/errors.csv"
    ),  # noqa: E501
    "admin event import screen": get_status(lambda w: "/admin/events/event/import/"),
    "admin event import preview": admin_import_preview,
    "admin event import of status=published: status after": admin_import_published,
    "admin source import screen": get_status(lambda w: "/admin/events/source/import/"),
    "admin actor import screen": get_status(lambda w: "/admin/actors/actor/import/"),
    "admin place import screen": get_status(lambda w: "/admin/places/place/import/"),
    "admin source import: source created": admin_source_import,
    "admin event export screen": get_status(lambda w: "/admin/events/event/export/"),
    "admin action export selected as ACLED CSV": admin_export_selected("acled"),
    "admin action export selected as XLSX": admin_export_selected("xlsx"),
    "admin tombstones": get_status(lambda w: "/admin/events/tombstone/"),
    "admin export jobs": get_status(lambda w: "/admin/events/exportjob/"),
    "admin users list": admin_user_page("list"),
    "admin add user": admin_user_page("add"),
    "admin own user page (self-promotion)": admin_user_page("self-promotion"),
    "admin group permissions": admin_group_change,
    "admin API tokens": get_status(lambda w: "/admin/authtoken/tokenproxy/"),
    "admin add API token": get_status(lambda w: "/admin/authtoken/tokenproxy/add/"),
    # The REST API.
    "api list: unpublished listed": api_list_unpublished(),
    "api list: count": api_count,
    "api list ?status=draft,reviewed,retracted": api_list_unpublished("&status=draft,reviewed,retracted"),
    "api search ?q=<a draft's word>: count": api_search_count,
    "api published detail": get_status(event_url("published")),
    "api draft detail": get_status(event_url("draft")),
    "api reviewed detail": get_status(event_url("reviewed")),
    "api retracted detail": get_status(event_url("retracted")),
    "api draft history": api_history("draft"),
    "api retracted history": api_history("retracted"),
    "api published history names users": api_history_names_users,
    "api tombstones": api_tombstones,
    "api create event": api_write("post", lambda w: "/api/v1/events/", new_event),
    "api change draft": api_write("patch", event_url("draft"), version_of("draft")),
    "api change published": api_write("patch", event_url("published"), version_of("published")),
    "api publish draft": api_write("post", event_url("draft", "publish/")),
    "api retract published": api_write(
        "post", event_url("published", "retract/"), lambda w: {"reason": "error"}
    ),
    "api delete draft": api_write("delete", event_url("draft")),
    "api delete published": api_write("delete", event_url("published")),
    "api create source": api_write("post", lambda w: "/api/v1/sources/", lambda w: {"name": "New agency"}),
    "api delete place in use": api_write("delete", lambda w: f"/api/v1/places/{w.place_id}/"),
    # Exports over HTTP, and background export jobs.
    "export csv": export_unpublished("csv"),
    "export acled csv": export_unpublished("acled.csv"),
    "export xlsx": export_unpublished("xlsx"),
    "export geojson": export_unpublished("geojson"),
    "export csv ?status=draft": export_unpublished("csv", "status=draft"),
    "export xlsx summaries name the draft's actor": export_mentions_the_secret_actor,
    "export csv ?q=<a draft's word>: rows": export_rows_for_search,
    "export job csv": job_start_and_read("csv"),
    "export job datapackage": job_start_and_read("datapackage"),
    "export job of another user": job_of_someone_else(""),
    "export job download of another user": job_of_someone_else("download"),
    # The ACLED-compatible API: key + email for the token caller, the session for the others.
    "acled read: unpublished rows": acled_unpublished,
    "acled read: count, total_count": acled_count,
    "acled read ?event_id_cnty=<draft>: count": acled_draft_by_id,
    "acled actor read: the draft's actor": acled_secret_actor,
    "acled country read: event_count": acled_country_events,
    "acled deleted read": acled_deleted,
}

L = 302  # the admin's redirect to its login page
H = UNPUBLISHED  # the draft, the reviewed draft and the retracted event all shown
N = NONE  # none of them shown
D, R = "draft", "reviewed"
P, X = "published", "retracted"
DRAFT = ("draft",)
TOMBSTONED = ("retracted",)

# fmt: off
EXPECTED: dict[str, tuple] = {
    # entry point                                  anon v:token v:session curator reviewer superuser
    "admin event changelist":                        (L,   L,   200, 200, 200, 200),
    "admin draft change page":                       (L,   L,   200, 200, 200, 200),
    "admin add event":                               (L,   L,   403, 200, 200, 200),
    "admin draft history page":                      (L,   L,   200, 200, 200, 200),
    "admin delete published event":                  (L,   L,   403, 403, 200, 200),
    "admin action publish: status after":            (D,   D,   D,   D,   P,   P),
    "admin action mark reviewed: status after":      (D,   D,   D,   R,   R,   R),
    "admin action retract: status after":            (P,   P,   P,   P,   X,   X),
    "admin import batches":                          (L,   L,   200, 200, 200, 200),
    "admin import batch error report":               (L,   L,   200, 200, 200, 200),
    "admin event import screen":                     (L,   L,   403, 200, 200, 200),
    "admin event import preview":                    (L,   L,   403, 200, 200, 200),
    "admin event import of status=published: status after": (L, L, 403, D, D, D),
    "admin source import screen":                    (L,   L,   403, 200, 200, 200),
    "admin actor import screen":                     (L,   L,   403, 200, 200, 200),
    "admin place import screen":                     (L,   L,   403, 200, 200, 200),
    "admin source import: source created":           (False, False, False, True, True, True),
    "admin event export screen":                     (L,   L,   200, 200, 200, 200),
    "admin action export selected as ACLED CSV":     (L,   L,   200, "file", "file", "file"),
    "admin action export selected as XLSX":          (L,   L,   200, "file", "file", "file"),
    "admin tombstones":                              (L,   L,   200, 200, 200, 200),
    "admin export jobs":                             (L,   L,   403, 403, 403, 200),
    "admin users list":                              (L,   L,   403, 403, 403, 200),
    "admin add user":                                (L,   L,   403, 403, 403, 200),
    "admin own user page (self-promotion)":          (L,   L,   403, 403, 403, 200),
    "admin group permissions":                       (L,   L,   403, 403, 403, 200),
    "admin API tokens":                              (L,   L,   403, 403, 403, 200),
    "admin add API token":                           (L,   L,   403, 403, 403, 200),
    "api list: unpublished listed":                  (N,   H,   H,   H,   H,   H),
    "api list: count":                               (1,   4,   4,   4,   4,   4),
    "api list ?status=draft,reviewed,retracted":     (N,   H,   H,   H,   H,   H),
    "api search ?q=<a draft's word>: count":         (0,   1,   1,   1,   1,   1),
    "api published detail":                          (200, 200, 200, 200, 200, 200),
    "api draft detail":                              (404, 200, 200, 200, 200, 200),
    "api reviewed detail":                           (404, 200, 200, 200, 200, 200),
    "api retracted detail":                          (404, 200, 200, 200, 200, 200),
    "api draft history":                             (404, 200, 200, 200, 200, 200),
    "api retracted history":                         (404, 200, 200, 200, 200, 200),
    "api published history names users":            (False, True, True, True, True, True),
    "api tombstones":                                (TOMBSTONED,) * 6,
    "api create event":                              (401, 403, 403, 201, 201, 201),
    "api change draft":                              (401, 403, 403, 200, 200, 200),
    "api change published":                          (401, 403, 403, 403, 200, 200),
    "api publish draft":                             (401, 403, 403, 403, 200, 200),
    "api retract published":                         (401, 403, 403, 403, 200, 200),
    "api delete draft":                              (401, 403, 403, 204, 204, 204),
    "api delete published":                          (401, 403, 403, 403, 204, 204),
    "api create source":                             (401, 403, 403, 201, 201, 201),
    "api delete place in use":                       (401, 403, 403, 409, 409, 409),
    "export csv":                                    (N,   H,   H,   H,   H,   H),
    "export acled csv":                              (N,   H,   H,   H,   H,   H),
    "export xlsx":                                   (N,   H,   H,   H,   H,   H),
    "export geojson":                                (N,   H,   H,   H,   H,   H),
    "export csv ?status=draft":                      (N,   DRAFT, DRAFT, DRAFT, DRAFT, DRAFT),
    "export xlsx summaries name the draft's actor":  (False, True, True, True, True, True),
    "export csv ?q=<a draft's word>: rows":          (0,   1,   1,   1,   1,   1),
    "export job csv":                                (401, H,   H,   H,   H,   H),
    "export job datapackage":                        (401, H,   H,   H,   H,   H),
    "export job of another user":                    (401, 404, 404, 404, 200, 200),
    "export job download of another user":           (401, 404, 404, 404, 409, 409),
    # ACLED's API serves published events to every caller, whatever its role.
    "acled read: unpublished rows":                  (N,) * 6,
    "acled read: count, total_count":                ((1, 1),) * 6,
    "acled read ?event_id_cnty=<draft>: count":      (0,) * 6,
    "acled actor read: the draft's actor":           (0,) * 6,
    "acled country read: event_count":               (1,) * 6,
    "acled deleted read":                            (TOMBSTONED,) * 6,
}
# fmt: on

MATRIX = [Cell(name, REQUESTS[name], EXPECTED[name]) for name in EXPECTED]


def test_the_matrix_covers_every_request():
    assert set(REQUESTS) == set(EXPECTED)


@pytest.mark.parametrize("cell", MATRIX, ids=str)
def test_permission_matrix(world, cell):
    got = {}
    for role in ROLES:
        with transaction.atomic():
            got[role] = cell.request(world, caller_for(world, role))
            transaction.set_rollback(True)
    assert got == dict(zip(ROLES, cell.expected, strict=True))


# --- what anonymous callers learn from errors -------------------------------------------------


def _without_ids(text: str) -> str:
    return re.sub(r"SYR\d+", "<id>", text)


@pytest.mark.parametrize("suffix", ["", "history/"])
def test_an_unpublished_event_answers_exactly_as_a_missing_one_for_anonymous_callers(world, suffix):
    client = Client()
    missing = client.get(f"/api/v1/events/SYR9999/{suffix}")
    for label in UNPUBLISHED:
        response = client.get(f"/api/v1/events/{world.id(label)}/{suffix}")
        assert response.status_code == missing.status_code == 404
        assert _without_ids(response.content.decode()) == _without_ids(missing.content.decode())
        assert dict(response.headers).keys() == dict(missing.headers).keys()


@pytest.mark.parametrize("action", ["publish/", "retract/"])
def test_writes_on_an_unpublished_event_tell_anonymous_callers_nothing_about_it(world, action):
    client = Client()
    missing = client.post(f"/api/v1/events/SYR9999/{action}")
    draft = client.post(f"/api/v1/events/{world.id('draft')}/{action}")
    assert draft.status_code == missing.status_code == 401
    assert draft.content == missing.content


def test_a_reviewer_publishing_an_unknown_event_and_a_curator_one_they_cannot_see_differ_only_by_role(world):
    """Refusals of curators name the permission, never the event's content."""
    curator = caller_for(world, "curator").client
    response = curator.post(f"/api/v1/events/{world.id('draft')}/publish/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only reviewers can publish events."


def test_anonymous_responses_never_contain_the_drafts_words(world):
    client = Client()
    urls = [
        "/api/v1/events/?page_size=100",
        f"/api/v1/events/?q={SECRET_WORD}",
        f"/api/v1/events/?actor={SECRET_ACTOR}",
        "/api/v1/events/tombstones/",
        "/api/v1/exports/events.csv",
        "/api/v1/exports/events.acled.csv",
        "/api/v1/exports/events.geojson",
        "/api/acled/read?limit=100",
        "/api/actor/read",
        "/api/actortype/read",
        "/api/country/read",
        "/api/region/read",
        "/api/deleted/read",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response).decode()
        assert SECRET_WORD not in text, url
        # The tombstone feeds carry the retracted event's id (only its id, time and reason), by design.
        shown = set(world.unpublished_in(text)) - (
            {"retracted"} if "tombstones" in url or "deleted" in url else set()
        )
        assert not shown, url
    assert SECRET_ACTOR not in export_text("xlsx", body(client.get("/api/v1/exports/events.xlsx")))


def test_a_viewer_token_reads_the_acled_api_with_key_and_email_only_when_they_match(world):
    key, email = world.tokens["viewer"], world.users["viewer"].email
    client = Client()
    assert client.get("/api/acled/read", {"key": key, "email": email}).status_code == 200
    assert client.get("/api/acled/read", {"key": key, "email": "someone@example.org"}).status_code == 403
    assert client.get("/api/acled/read", {"key": "0" * 40, "email": email}).status_code == 403
    assert client.get("/api/acled/read", {"key": key}).status_code == 403
    world.users["viewer"].is_active = False
    world.users["viewer"].save()
    assert client.get("/api/acled/read", {"key": key, "email": email}).status_code == 403


def test_a_deactivated_users_token_and_session_stop_working(world):
    viewer = world.users["viewer"]
    token_client = caller_for(world, "viewer_token").client
    session_client = caller_for(world, "viewer_session").client
    viewer.is_active = False
    viewer.save()
    assert token_client.get(f"/api/v1/events/{world.id('draft')}/").status_code == 401
    assert session_client.get(f"/api/v1/events/{world.id('draft')}/").status_code == 404
    assert session_client.get("/admin/events/event/").status_code == 302


def test_a_user_without_a_role_sees_what_anonymous_callers_see(world):
    member = UserFactory(username="member", is_staff=False)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member).key}")
    assert client.get(f"/api/v1/events/{world.id('draft')}/").status_code == 404
    assert client.get("/api/v1/events/").json()["count"] == 1
    assert (
        client.post("/api/v1/events/", new_event(world), content_type="application/json").status_code == 403
    )


def test_a_curator_cannot_grant_themselves_a_role(world):
    curator = world.users["curator"]
    client = caller_for(world, "curator").client
    reviewers = Group.objects.get(name="Reviewer")
    response = client.post(
        f"/admin/auth/user/{curator.pk}/change/",
        {
            "username": "curator",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "groups": [reviewers.pk],
        },
    )
    assert response.status_code == 403
    curator.refresh_from_db()
    assert not curator.is_superuser
    assert list(curator.groups.values_list("name", flat=True)) == [CURATOR]


def test_a_curator_cannot_mint_a_token_for_another_user(world):
    client = caller_for(world, "curator").client
    before = Token.objects.count()
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": world.users["superuser"].pk})
    assert response.status_code == 403
    assert Token.objects.count() == before


def test_a_draft_that_was_retracted_and_deleted_leaves_no_public_tombstone(world):
    """Tombstones are for events that were public; a draft's id must not appear in the feed."""
    reviewer = world.users["reviewer"]
    draft = event_retract(event=world.events["draft"], by=reviewer, reason="error")
    event_delete(event=draft, by=reviewer)
    assert not Tombstone.objects.filter(event_id=world.id("draft")).exists()
    anonymous = Client()
    assert world.id("draft") not in anonymous.get("/api/v1/events/tombstones/").content.decode()
    assert world.id("draft") not in body(anonymous.get("/api/deleted/read")).decode()


def test_deleting_a_retracted_public_event_keeps_its_tombstone_and_marks_it_deleted(world):
    event_delete(event=world.events["retracted"], by=world.users["reviewer"])
    tombstone = Tombstone.objects.get(event_id=world.id("retracted"))
    assert (tombstone.deleted, tombstone.reason) == (True, "safety")


def test_a_staff_member_without_a_role_cannot_open_or_export_events_in_the_admin(world):
    """is_staff alone opens the admin's door, not its data: no changelist, no export screen."""
    member = UserFactory(username="staff-only", is_staff=True)
    client = Client()
    client.force_login(member)
    assert client.get("/admin/events/event/").status_code == 403
    assert client.get("/admin/events/event/export/").status_code == 403
    export = client.post("/admin/events/event/export/", {"format": "0", "resource": "0"})
    assert export.status_code == 403
    assert client.get("/admin/events/event/import/").status_code == 403


# --- docs/security.md shows this very table -----------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLE_TITLES = ("anonymous", "viewer (token)", "viewer (session)", "curator", "reviewer", "superuser")


def _shown(value) -> str:
    if value == L:
        return "302 login"
    if value == H:
        return "all three"
    if value == N:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def matrix_markdown() -> str:
    lines = [
        "| entry point | " + " | ".join(ROLE_TITLES) + " |",
        "|---" * (len(ROLE_TITLES) + 1) + "|",
    ]
    for name, expected in EXPECTED.items():
        lines.append(f"| {name.replace('|', '/')} | " + " | ".join(_shown(v) for v in expected) + " |")
    return "\n".join(lines)


def test_docs_security_md_shows_the_tested_matrix():
    assert matrix_markdown() in DOC.read_text(encoding="utf-8")
