"""What the door walkers share (tests/admin/test_admin_doors.py, tests/api/test_api_doors.py): a
world with an event in each public state and a row of every curated model, one user per role,
a checksum of every table, and the rule book the walkers hold the code to.

The rule book is written here independently of events.rules, from the roles: Viewers read;
Curators add, change and delete drafts and reference data; Reviewers also change published
events, delete public ones, publish and retract; nobody changes a retracted event; superusers
alone manage accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token, TokenProxy

from actors.models import Actor, ActorRelation
from core.vocab import ActorRole, InterCode
from events.models import Event, ExportJob, ImportBatch, Tombstone
from events.roles import CURATOR, REVIEWER, VIEWER
from events.services import event_create, event_publish, event_retract
from places.models import Place, PlaceKind
from tests.factories import SourceFactory, UserFactory

ROLES = ("anonymous", "roleless", "viewer", "curator", "reviewer", "superuser")
EVENT_STATES = ("published", "retracted", "draft")
WRITERS = ("curator", "reviewer", "superuser")
REFERENCE_MODELS = {"actors.actor", "actors.actorrelation", "places.place", "events.source"}
RECORD_MODELS = {"events.importbatch", "events.tombstone", "events.exportjob"}
ACCOUNT_MODELS = {"auth.user", "auth.group", "authtoken.tokenproxy"}
# Tables no door may write to; the session table changes with every sign-in and is left out.
IGNORED_TABLES = {"django_session", "django_migrations"}
TEXT_FIELDS = ("notes", "quote", "name", "first_name", "description")


@dataclass
class World:
    objects: dict[str, dict[str, Any]]  # model label -> {object label -> object}
    users: dict[str, Any]
    actor: Actor
    other_actor: Actor
    history_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    payloads: dict[tuple[str, Any], dict] = field(default_factory=dict)


def build_world() -> World:
    users = {
        "roleless": UserFactory(username="roleless"),
        "viewer": UserFactory(username="viewer", role=VIEWER),
        "curator": UserFactory(username="curator", role=CURATOR),
        "reviewer": UserFactory(username="reviewer", role=REVIEWER),
        "superuser": UserFactory(username="admin", is_superuser=True),
    }
    syria = Place.objects.create(name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR")
    town = Place.objects.create(
        name="Palmyra", kind=PlaceKind.LOCALITY, parent=syria, latitude=34.5, longitude=38.3
    )
    source = SourceFactory(name="Syrian Observatory")
    army = Actor.objects.create(name="Public Army", kind=InterCode.STATE_FORCES, country="SYR")
    militia = Actor.objects.create(name="Hill Militia", kind=InterCode.POLITICAL_MILITIA, country="SYR")
    relation = ActorRelation.objects.create(subject=militia, object=army, kind="allied_with")

    def make(event_id: str, month: int) -> Event:
        # Months apart, so that no two of them are likely duplicates (which would hold up publishing).
        return event_create(
            event_id=event_id,
            event_date=dt.date(2015, month, 20),
            event_type="Battles",
            sub_event_type="Armed clash",
            place=town,
            notes=f"Clashes reported ({event_id}).",
            by=users["curator"],
            actors=[(army, ActorRole.ACTOR1)],
            citations=[{"source": source, "quote": f"Fighting was reported ({event_id})."}],
        )

    reviewer = users["reviewer"]
    published = event_publish(event=make("SYR1001", 5), by=reviewer)
    retracted = event_retract(event=event_publish(event=make("SYR4004", 8), by=reviewer), by=reviewer)
    draft = make("SYR2002", 11)
    events = {"published": published, "retracted": retracted, "draft": draft}
    objects = {
        "events.event": events,
        "events.citation": {label: event.citations.get() for label, event in events.items()},
        "events.source": {"source": source},
        "actors.actor": {"actor": army},
        "actors.actorrelation": {"relation": relation},
        "places.place": {"place": town},
        "events.importbatch": {"batch": ImportBatch.objects.create(file_name="acled.csv", format="acled")},
        "events.tombstone": {"tombstone": Tombstone.objects.get(event_id="SYR4004")},
        "events.exportjob": {
            "job": ExportJob.objects.create(created_by=reviewer, format="csv", state=ExportJob.State.QUEUED)
        },
        "auth.user": {"user": users["roleless"]},
        "auth.group": {"group": Group.objects.get(name=VIEWER)},
        "authtoken.tokenproxy": {
            "token": TokenProxy.objects.get(pk=Token.objects.create(user=users["viewer"]).pk)
        },
    }
    world = World(objects=objects, users=users, actor=army, other_actor=militia)
    for label, by_name in objects.items():
        model = type(next(iter(by_name.values())))
        if not hasattr(model, "history"):
            continue
        for name, obj in by_name.items():
            versions = model.history.filter(**{model._meta.pk.attname: obj.pk})
            world.history_ids[(label, name)] = versions.earliest("history_date").history_id
    return world


def table_checksums(ignore: frozenset[str] = frozenset()) -> dict[str, str]:
    """A digest of every row of every table (order-independent), by table."""
    tables = [t for t in connection.introspection.table_names() if t not in IGNORED_TABLES | ignore]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip: md5 of the rows' text, sorted
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
                    f" FROM {quote(t)} r"
                    for t in tables
                ),
                tables,
            )
            return dict(cursor.fetchall())
        sums = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            sums[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return sums


def may_change_event(role: str, state: str) -> bool:
    if state == "retracted":
        return False
    return role in ("reviewer", "superuser") or (role == "curator" and state == "draft")


# The event list's bulk "Set a field on selected events…" action (a confirmation page, then one
# service call per event): what each setting posts, and who may make it in each state.
BULK_SETTINGS = {
    "tags": {"field": "tags", "tags": "Bulk tag"},
    "source scale": {"field": "source_scale", "source_scale": "Regional"},
    "status reviewed": {"field": "status", "status": "reviewed"},
    "status published": {"field": "status", "status": "published"},
}


def may_set_field(role: str, setting: str, state: str) -> bool:
    """Tags and source scale are a change of the event; a status is its workflow step."""
    if setting == "status reviewed":
        return role in WRITERS and state == "draft"
    if setting == "status published":
        return role in ("reviewer", "superuser") and state == "draft"
    return may_change_event(role, state)


def may_write_model(role: str, label: str, action: str, state: str | None, target: str | None = None) -> bool:
    """Whether `role` may add, change or delete (action) this kind of row in this state."""
    if role not in WRITERS:
        return False
    if label in ACCOUNT_MODELS:
        return role == "superuser"
    if label in RECORD_MODELS:
        return False
    if label in REFERENCE_MODELS:
        return True
    if label == "events.event":
        if action == "add":
            return True
        if action == "delete":
            return role in ("reviewer", "superuser") or state == "draft"
        return may_change_event(role, state)
    if label == "events.citation":
        if action == "add":
            return may_change_event(role, target)
        allowed = may_change_event(role, state)
        return allowed and (target is None or may_change_event(role, target))
    raise AssertionError(f"No rule for {label}")


def may_import_file(role: str) -> bool:
    """The admin's ACLED / UCDP file import adds events: curators (as drafts) and up."""
    return role in WRITERS


def acled_file_upload(role: str) -> bytes:
    """An ACLED CSV of one new event at the world's Palmyra, as the file import's upload."""
    from events.acled import ACLED_COLUMNS  # the door walkers' only ACLED file
    from tests.acled_files import current_row

    row = current_row(
        event_id_cnty="SYR7007",
        event_date="2015-02-20",
        admin1="",
        admin2="",
        admin3="",
        location="Palmyra",
        latitude="34.5",
        longitude="38.3",
        notes=f"Clashes reported (imported by {role}).",
    )
    lines = [",".join(ACLED_COLUMNS), ",".join(f'"{row.get(name, "")}"' for name in ACLED_COLUMNS)]
    return ("\n".join(lines) + "\n").encode()


def may_take_step(role: str, step: str, state: str) -> bool:
    """The workflow buttons on an event's page (and the list actions): curators mark drafts
    reviewed and send reviewed events back to draft; reviewers also publish and retract; a
    published event goes back to draft for nobody (it is retracted instead), a retracted one
    moves for nobody. The world's events are complete (actor 1, a citation)."""
    if role not in WRITERS or state == "retracted":
        return False
    reviewer = role in ("reviewer", "superuser")
    return {
        "mark_reviewed": state == "draft",
        "back_to_draft": state == "reviewed",
        "publish": reviewer and state in ("draft", "reviewed"),
        "retract": reviewer,
    }[step]


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table))


@pytest.fixture
def quiet_requests():
    """Refusals (403, 405) are the point here: keep django.request's log of each out of the report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    yield
    logger.setLevel(level)
