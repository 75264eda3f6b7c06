"""Every door of the admin, for every role: a write the role may not make changes no row.

The test walks every URL pattern the admin registers (the site's own views and each ModelAdmin's:
list, add, change, delete, history, a historical version, import and export, custom views) and
fills each with real objects: a published, a retracted and a draft event, their citations, an
actor, a relation, a place, a source, an import run, a tombstone, an export job, a user, a group
and a token. Each role (anonymous, a staff user without a role, Viewer, Curator, Reviewer,
superuser) sends GET and a POST with a plausible form (the object's current form data with a
text field changed, an actor row added to an event, a citation added to or moved onto an event,
the historical values for a version, a CSV row for the import). Every POST runs in a savepoint
that is rolled back; the checksum of every table is compared with the one before it.

`may_write` is the rule book the admin must follow, written here independently of events.rules:
a cell whose role may not write must leave every table as it was; a cell whose role may write a
change, an addition or a deletion must actually change something (so the payloads are known to
be good, and a refusal is a real refusal).

A new admin screen is a new door: a URL pattern this file does not know fails the test.
The world, the checksums and the rule book are shared with the API walker (tests/doors.py).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import MultiWidget
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver
from rest_framework.authtoken.models import TokenProxy

from core.vocab import ActorRole
from events.models import Event
from tests.doors import (
    BULK_SETTINGS,
    RECORD_MODELS,
    REFERENCE_MODELS,
    ROLES,
    TEXT_FIELDS,
    WRITERS,
    World,
    acled_file_upload,
    build_world,
    changed_tables,
    may_import_file,
    may_set_field,
    may_take_step,
    may_write_model,
    quiet_requests,  # noqa: F401 - a fixture
    table_checksums,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.slow  # every admin door for every role

# --- the doors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    """One URL pattern of the admin: its kind, its model (if any) and its route."""

    kind: str
    model: str | None  # "events.event"
    route: str  # the admin-relative pattern, e.g. "events/event/<path:object_id>/change/"
    name: str | None


def _route(pattern) -> str:
    return str(pattern.pattern)


def walk(patterns, prefix: str = "", model: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner_model = model
            match = re.fullmatch(r"(\w+)/(\w+)/", _route(pattern))
            if match and (match.group(1), match.group(2)) in {
                (m._meta.app_label, m._meta.model_name) for m in admin.site._registry
            }:
                inner_model = f"{match.group(1)}.{match.group(2)}"
            yield from walk(pattern.url_patterns, prefix + _route(pattern), inner_model)
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix, pattern, model


MODEL_DOORS = {
    # name suffix (or unnamed route) -> kind
    "changelist": "changelist",
    "add": "add",
    "change": "change",
    "delete": "delete",
    "history": "history",
    "simple_history": "history_form",
    "import": "import",
    "process_import": "process_import",
    "export": "export",
    "errors_csv": "errors_csv",
    "password_change": "user_password",  # auth.user: set another user's password
    "duplicates": "duplicates_queue",  # events.event: the possible-duplicates queue (reads)
    "duplicates_decide": "duplicates_decide",  # records "not duplicates" for a pair
    "duplicates_merge": "duplicates_merge",  # merges one event of a pair into the other
    "import_file": "import_file",  # events.event: an ACLED / UCDP file, previewed then confirmed
    # events.event: the workflow buttons of the event page, one POST each (events/workflow_admin.py)
    "mark_reviewed": "workflow",
    "publish": "workflow",
    "retract": "workflow",
    "back_to_draft": "workflow",
}
SITE_DOORS = {
    "index": "index",
    "login": "login",
    "logout": "logout",
    "password_change": "password_change",
    "password_change_done": "read",
    "autocomplete": "autocomplete",
    "jsi18n": "read",
    "view_on_site": "view_on_site",
    "app_list": "read",
}


def admin_doors() -> list[Door]:
    doors = []
    for prefix, pattern, model in walk(admin.site.get_urls()):
        route = prefix + _route(pattern)
        name = pattern.name
        if model is not None:
            app, model_name = model.split(".")
            suffix = (name or "").removeprefix(f"{app}_{model_name}_") if name else None
            if suffix in MODEL_DOORS:
                kind = MODEL_DOORS[suffix]
            elif name is None and _route(pattern) == "<path:object_id>/":
                kind = "redirect"
            else:
                kind = f"unknown: {route} ({name})"
        elif name in SITE_DOORS:
            kind = SITE_DOORS[name]
        elif name is None and "(?P<url>" in _route(pattern):
            kind = "catch_all"
        else:
            kind = f"unknown: {route} ({name})"
        doors.append(Door(kind, model, route, name))
    return doors


def test_every_admin_door_is_known():
    unknown = [door.kind for door in admin_doors() if door.kind.startswith("unknown")]
    assert unknown == [], "New admin URLs: say in this file what they are and which roles may write there."


# --- payloads -------------------------------------------------------------------------------


def model_admin(label: str):
    return next(ma for model, ma in admin.site._registry.items() if model._meta.label_lower == label)


def _encode(name: str, value: Any, data: dict, widget=None) -> None:
    if isinstance(widget, MultiWidget):  # a date and a time: one input each
        for index, part in enumerate(widget.decompress(value)):
            _encode(f"{name}_{index}", part, data)
    elif value is None:
        data[name] = ""
    elif isinstance(value, bool):
        if value:
            data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(item) for item in value]
    else:
        data[name] = str(value)


def superuser_request(world: World):
    request = RequestFactory().get("/admin/")
    request.user = world.users["superuser"]
    return request


def form_payload(world: World, label: str, obj) -> dict:
    """The object's admin form (and inline formsets) as POST data, as the change page would send it."""
    key = (label, obj.pk)
    if key not in world.payloads:
        world.payloads[key] = _form_payload(world, label, obj)
    return dict(world.payloads[key])


def _form_payload(world: World, label: str, obj) -> dict:
    ma = model_admin(label)
    request = superuser_request(world)
    Form = ma.get_form(request, obj, change=False)
    form = Form(instance=obj)
    data: dict[str, Any] = {}
    for name, form_field in form.fields.items():
        _encode(name, form[name].value(), data, form_field.widget)
    if isinstance(obj, Event):
        data["expected_version"] = str(obj.version)
    for formset_class, _inline in ma.get_formsets_with_inlines(request, obj):
        formset = formset_class(instance=obj, prefix=formset_class.get_default_prefix())
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(len(formset.initial_forms))
        data[f"{formset.prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{formset.prefix}-MAX_NUM_FORMS"] = "1000"
        for form_ in formset.initial_forms:
            for name in form_.fields:
                _encode(form_.add_prefix(name), form_[name].value(), data)
    return data


def change_text(label: str, data: dict, suffix: str = " (changed)") -> dict:
    data = dict(data)
    if label in RECORD_MODELS:  # no editable field at all: post what an attacker would guess
        return {**data, "file_name": "forged.csv", "event_id": "SYR9", "state": "done", "reason": "other"}
    for name in TEXT_FIELDS:
        if name in data:
            data[name] = data[name] + suffix
            return data
    if "kind" in data and label == "actors.actorrelation":  # no text: another kind of relation
        data["kind"] = {" (changed)": "backed_by", " (new)": "member_of"}.get(suffix, "splinter_of")
        return data
    raise AssertionError(f"No text field to change in the {label} form: {sorted(data)}")


def add_actor_row(world: World, data: dict) -> dict:
    """An associated actor added through the event's actor inline."""
    data = dict(data)
    prefix = next(
        key.removesuffix("-TOTAL_FORMS") for key in data if key.endswith("-TOTAL_FORMS") and "actor" in key
    )
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-role"] = ActorRole.ASSOC_ACTOR_1
    data[f"{prefix}-{index}-actor"] = str(world.other_actor.pk)
    data[f"{prefix}-{index}-inter"] = ""
    return data


def history_payload(world: World, label: str, name: str, obj) -> dict:
    """The form of the object's oldest recorded version: what a revert would post."""
    data = form_payload(world, label, obj)
    historical = type(obj).history.get(history_id=world.history_ids[(label, name)]).instance
    form = model_admin(label).get_form(superuser_request(world), historical, change=False)(
        instance=historical
    )
    for field_name in form.fields:
        if field_name in data or not any(key.startswith(field_name) for key in data):
            _encode(field_name, form[field_name].value(), data)
    if isinstance(obj, Event):  # the version an attacker would send: the current one, as the change page's
        data["expected_version"] = str(obj.version)
    return change_text(label, data, " (reverted)")


def import_upload(world: World, label: str, obj, role: str) -> dict | None:
    """The export of this one object with a text column changed, as the import form's upload."""
    ma = model_admin(label)
    request = superuser_request(world)
    resource = ma.get_export_resource_classes(request)[0]()
    dataset = resource.export(queryset=type(obj).objects.filter(pk=obj.pk))
    column = next(name for name in ("notes", "name", "description") if name in dataset.headers)
    row = list(dataset[0])
    row[dataset.headers.index(column)] = f"{row[dataset.headers.index(column)]} (imported by {role})"
    dataset[0] = row
    formats = [f.__name__ for f in ma.get_import_formats()]
    return {
        "resource": "0",
        "format": str(formats.index("CSV")),
        "import_file": SimpleUploadedFile(f"{label}.csv", dataset.csv.encode(), content_type="text/csv"),
    }


# --- the rule book --------------------------------------------------------------------------


def may_act(role: str, action: str, state: str) -> bool:
    """Admin actions on events: the workflow."""
    if action == "delete_selected":
        return may_write_model(role, "events.event", "delete", state)
    if action == "mark_reviewed":
        return role in WRITERS and state == "draft"
    if action == "publish":
        return role in ("reviewer", "superuser") and state == "draft"
    if action == "retract":
        return role in ("reviewer", "superuser") and state != "retracted"
    return False  # exports read


# --- the cells ------------------------------------------------------------------------------


@dataclass
class Cell:
    """One attempt: a URL, a POST payload, whether the role may write and must have written."""

    door: Door
    url: str
    what: str
    post: dict | None
    may_write: bool
    must_write: bool = False
    get_query: dict | None = None
    ignore: frozenset[str] = frozenset()
    before_post: Any = None  # a callable (client) -> dict, the payload computed in the savepoint


def _fill(route: str, values: list[str]) -> str:
    """The admin URL for a route, its parameters filled in order."""
    route = route.replace("^", "").replace("$", "")
    parts = iter(values)
    if "(" in route:  # a regular expression
        route = re.sub(r"\(\?P<\w+>[^)]*\)|\([^)]*\)", lambda _: next(parts), route)
    else:
        route = re.sub(r"<(?:\w+:)?\w+>", lambda _: next(parts), route)
    return "/admin/" + route


def cells_for(world: World, role: str, door: Door) -> list[Cell]:
    kind, label = door.kind, door.model
    if label is None:
        return _site_cells(world, role, door)
    objects = world.objects[label]
    ma = model_admin(label)
    cells = []

    def state(name: str) -> str | None:
        return name if label in ("events.event", "events.citation") else None

    def key(obj) -> str:
        return str(obj.user_id if isinstance(obj, TokenProxy) else obj.pk)

    if kind.startswith("duplicates_"):
        return _duplicates_cells(world, role, door)
    if kind == "import_file":
        return _import_file_cells(role, door)
    if kind == "workflow":
        step = door.name.removeprefix("events_event_")
        for name, obj in objects.items():
            allowed = may_take_step(role, step, name)
            post = {"reason": "error"} if step == "retract" else {}
            cells.append(Cell(door, _fill(door.route, [key(obj)]), f"{step} {name}", post, allowed, allowed))
        return cells
    if kind == "changelist":
        cells.append(Cell(door, _fill(door.route, []), "list", post=None, may_write=False))
        for action in ma.get_actions(superuser_request(world)):
            for name, obj in objects.items():
                if action == "set_field":  # its confirmation page, then each setting
                    for setting, fields in BULK_SETTINGS.items():
                        post = {"action": action, "_selected_action": [key(obj)], "apply": "1", **fields}
                        allowed = may_set_field(role, setting, name)
                        what = f"action {action} ({setting}) on {name}"
                        cells.append(Cell(door, _fill(door.route, []), what, post, allowed, allowed))
                    continue
                post = {
                    "action": action,
                    "_selected_action": [key(obj)],
                    "post": "yes",
                    "apply": "1",
                    "reason": "error",
                }
                if label == "events.event":
                    allowed = may_act(role, action, name)
                else:
                    allowed = action == "delete_selected" and may_write_model(
                        role, label, "delete", state(name)
                    )
                must = (
                    allowed
                    and label not in REFERENCE_MODELS
                    and action not in ("export_selected_acled", "export_selected_xlsx")
                )
                cells.append(
                    Cell(door, _fill(door.route, []), f"action {action} on {name}", post, allowed, must)
                )
    elif kind == "add":
        url = _fill(door.route, [])
        if label == "events.citation":
            for target, event in world.objects["events.event"].items():
                post = form_payload(world, label, world.objects[label]["draft"])
                post["event"] = str(event.pk)
                post = change_text(label, post, " (added)")
                allowed = may_write_model(role, label, "add", None, target)
                cells.append(Cell(door, url, f"add onto the {target} event", post, allowed, allowed))
        else:
            name, obj = next(iter(objects.items()))
            if label == "authtoken.tokenproxy":
                post = {"user": str(world.users["reviewer"].pk)}
            elif label != "auth.user":
                post = change_text(label, form_payload(world, label, obj), " (new)")
            if label == "auth.user":
                post = {
                    "username": "newcomer",
                    "password1": "An0ther-horse!",
                    "password2": "An0ther-horse!",
                    "usable_password": "true",
                }
            if label == "events.event":
                post = {
                    **post,
                    **{k: "0" for k in post if k.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS"))},
                }
            allowed = may_write_model(role, label, "add", None)
            cells.append(Cell(door, url, "add", post, allowed, allowed))
    elif kind in ("change", "delete", "history", "history_form", "redirect", "errors_csv", "user_password"):
        for name, obj in objects.items():
            history = world.history_ids.get((label, name))
            values = [key(obj)] + ([str(history)] if kind == "history_form" else [])
            url = _fill(door.route, values)
            if kind == "change":
                if label == "authtoken.tokenproxy":
                    post = {"user": str(world.users["reviewer"].pk)}
                else:
                    post = change_text(label, form_payload(world, label, obj))
                if label == "events.event":
                    post = add_actor_row(world, post)
                allowed = may_write_model(role, label, "change", state(name))
                cells.append(Cell(door, url, f"change {name}", post, allowed, allowed))
                if label == "events.citation" and name == "draft":
                    for target in ("published", "retracted"):
                        moved = dict(post, event=str(world.objects["events.event"][target].pk))
                        allowed = may_write_model(role, label, "change", "draft", target)
                        cells.append(
                            Cell(
                                door,
                                url,
                                f"move the draft's citation onto the {target} event",
                                moved,
                                allowed,
                                allowed,
                            )
                        )
            elif kind == "user_password":
                post = {"password1": "An0ther-horse!", "password2": "An0ther-horse!"}
                allowed = may_write_model(role, label, "change", None)
                cells.append(Cell(door, url, f"set the password of {name}", post, allowed, allowed))
            elif kind == "delete":
                allowed = may_write_model(role, label, "delete", state(name))
                must = allowed and label not in REFERENCE_MODELS  # events refer to these (PROTECT)
                cells.append(Cell(door, url, f"delete {name}", {"post": "yes"}, allowed, must))
            elif kind == "history_form":
                post = history_payload(world, label, name, obj)
                cells.append(Cell(door, url, f"revert {name} to its first version", post, may_write=False))
            else:
                cells.append(Cell(door, url, f"{kind} {name}", {}, may_write=False))
    elif kind in ("import", "process_import"):
        url = _fill(door.route, [])
        import_url = url.replace("process_import/", "import/")
        for name, obj in objects.items():
            allowed = may_write_model(role, label, "change", state(name))

            def upload(client, name=name, obj=obj, import_url=import_url, role=role):
                return import_upload(world, label, obj, role)

            if kind == "import":
                # The preview writes nothing but its ImportBatch record.
                cells.append(
                    Cell(
                        door,
                        url,
                        f"import preview of {name}",
                        None,
                        False,
                        before_post=upload,
                        ignore=frozenset({"events_importbatch"}),
                    )
                )
            else:

                def confirm(client, upload=upload, import_url=import_url):
                    response = client.post(import_url, upload(client))
                    form = (
                        (getattr(response, "context", None) or {}).get("confirm_form")
                        if response.status_code == 200
                        else None
                    )
                    if form is None and response.status_code == 200:
                        return None  # the preview refused the file: there is nothing to confirm
                    if form is None:  # no import permission: forge the confirmation
                        return {
                            "import_file_name": "forged.csv",
                            "original_file_name": "forged.csv",
                            "format": "0",
                            "resource": "0",
                        }
                    return {key: value for key, value in form.initial.items() if value is not None}

                cells.append(
                    Cell(
                        door,
                        url,
                        f"import a change to {name}",
                        None,
                        allowed,
                        allowed,
                        before_post=confirm,
                        ignore=frozenset({"events_importbatch"}),
                    )
                )
    elif kind == "export":
        cells.append(
            Cell(door, _fill(door.route, []), "export", {"format": "0", "resource": "0"}, may_write=False)
        )
    else:
        raise AssertionError(f"No cells for {door}")
    return cells


def _duplicates_cells(world: World, role: str, door: Door) -> list[Cell]:
    """The duplicates queue reads; a "not duplicates" decision is a curator's; a merge that
    touches a published event is a reviewer's (a draft into a published event here)."""
    events = world.objects["events.event"]
    draft, published = events["draft"], events["published"]
    url = _fill(door.route, [])
    pair = f"{draft.pk},{published.pk}"
    if door.kind == "duplicates_queue":
        return [Cell(door, url, "the duplicates queue", {}, may_write=False)]
    if door.kind == "duplicates_decide":
        return [
            Cell(
                door,
                url,
                "not duplicates",
                {"pair": pair},
                may_write=role in WRITERS,
                must_write=role in WRITERS,
            )
        ]
    reviewer = role in ("reviewer", "superuser")
    post = {"pair": pair, "survivor": str(published.pk)}
    return [
        Cell(door, url, "merge a draft into a published event", post, may_write=reviewer, must_write=reviewer)
    ]


def _import_file_cells(role: str, door: Door) -> list[Cell]:
    """The preview writes nothing but its ImportBatch record; the confirmation of one's own
    preview imports the file (writers); a forged confirmation writes nothing."""
    url = _fill(door.route, [])
    batch = frozenset({"events_importbatch"})

    def upload(client):
        content = acled_file_upload(role)
        return {"import_file": SimpleUploadedFile("acled.csv", content, content_type="text/csv")}

    def confirm(client):
        response = client.post(url, upload(client))
        token = (
            (getattr(response, "context", None) or {}).get("token") if response.status_code == 200 else None
        )
        return {"token": token or "forged"}

    allowed = may_import_file(role)
    return [
        Cell(door, url, "preview an ACLED file", None, False, before_post=upload, ignore=batch),
        Cell(door, url, "import an ACLED file", None, allowed, allowed, before_post=confirm, ignore=batch),
        Cell(door, url, "a forged confirmation", {"token": "forged"}, may_write=False, ignore=batch),
    ]


def _site_cells(world: World, role: str, door: Door) -> list[Cell]:
    kind = door.kind
    if kind == "login":
        user = world.users.get(role, world.users["viewer"])
        post = {"username": user.username, "password": PASSWORD}
        return [Cell(door, "/admin/login/", "sign in", post, may_write=True)]
    if kind == "logout":
        return [Cell(door, "/admin/logout/", "sign out", {}, may_write=True)]
    if kind == "password_change":
        post = {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-horse-9",
            "new_password2": "Brand-new-horse-9",
        }
        return [
            Cell(
                door,
                "/admin/password_change/",
                "change one's own password",
                post,
                may_write=role != "anonymous",
            )
        ]
    if kind == "index":
        return [Cell(door, "/admin/", "index", {}, may_write=False)]
    if kind == "read":
        values = ["events"] if "app_label" in door.route else []
        return [Cell(door, _fill(door.route, values), kind, {}, may_write=False)]
    if kind == "autocomplete":
        query = {"app_label": "events", "model_name": "citation", "field_name": "event", "term": "SYR"}
        return [Cell(door, "/admin/autocomplete/", "autocomplete", query, may_write=False, get_query=query)]
    if kind == "view_on_site":
        event = world.objects["events.event"]["draft"]
        url = _fill(door.route, [str(ContentType.objects.get_for_model(Event).pk), str(event.pk)])
        return [Cell(door, url, "view on site", {}, may_write=False)]
    if kind == "catch_all":
        return [Cell(door, "/admin/no/such/page/", "an unknown page", {}, may_write=False)]
    raise AssertionError(f"No cells for {door}")


# --- the walk -------------------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def attempt(client: Client, cell: Cell, baseline: dict[str, str], fetched: set[str]) -> str | None:
    """Run the cell's GET (once per URL) and its POST; the problem found, or None."""
    if cell.url not in fetched:
        fetched.add(cell.url)
        response = client.get(cell.url, cell.get_query or {})
        if response.status_code >= 500:
            return f"GET answered {response.status_code}"
    if cell.post is None and cell.before_post is None:
        return None
    cookies = copy.deepcopy(client.cookies)  # a sign-in or password change cycles the session
    with transaction.atomic():
        payload = cell.post if cell.before_post is None else cell.before_post(client)
        if payload is None:
            transaction.set_rollback(True)
            return None
        response = client.post(cell.url, payload)
        status = response.status_code
        after = table_checksums(cell.ignore)
        transaction.set_rollback(True)
    client.cookies = cookies
    ignored_baseline = {table: digest for table, digest in baseline.items() if table not in cell.ignore}
    changed = changed_tables(ignored_baseline, after)
    if status >= 500:
        error = getattr(response, "exc_info", None)
        return f"POST answered {status} ({error[1]!r})" + (f", changing {changed}" if changed else "")
    if changed and not cell.may_write:
        return f"POST ({status}) changed {', '.join(changed)}"
    if cell.must_write and not changed:
        errors = ""
        context = getattr(response, "context", None)
        if context is not None and context.get("adminform") is not None:
            errors = f" form errors {context['adminform'].form.errors.as_data()}"
            for formset in context.get("inline_admin_formsets") or []:
                errors += f" {formset.formset.errors} {formset.formset.non_form_errors()}"
        return f"POST ({status}) changed nothing, though the role may write here{errors}"
    return None


@pytest.mark.usefixtures("quiet_requests")
@pytest.mark.parametrize("role", ROLES)
def test_no_role_writes_through_a_door_it_may_not_open(db, role):
    world = build_world()
    client = client_for(world, role)
    baseline = table_checksums()
    problems, fetched = [], set()
    for door in admin_doors():
        if door.kind in ("logout",) and role != "anonymous":
            continue  # signing out would end the walk; tested by Django
        for cell in cells_for(world, role, door):
            problem = attempt(client, cell, baseline, fetched)
            if problem:
                problems.append(f"{role} {cell.url} [{cell.what}]: {problem}")
    assert table_checksums() == baseline, "A GET wrote to the database."
    assert not problems, f"{len(problems)} doors:\n" + "\n".join(problems)
