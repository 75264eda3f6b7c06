"""Shapes of the API's events, sources, citations, history, tombstones and errors.

Reads embed what a consumer needs without further calls; writes take references by id or
name and hand validated data to events.services.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.models.expressions import RawSQL
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from actors.models import Actor
from core.api.serializers import (
    BoundedPrimaryKeyField,
    FullCleanModelSerializer,
    ReferenceField,
    SelectableFieldsMixin,
)
from core.bounds import MAX_INT
from core.vocab import ActorRole, CitationField, InterCode, RetractionReason, SubEventType
from events.history import CHANGE_REASON_LENGTH
from events.models import CODED_FIELDS, Event, Source, Tombstone
from events.selectors import citations_of, event_actors_of
from places.api.serializers import CountryCodeField
from places.models import Place, PlaceKind

# ---------------------------------------------------------------------------------------------
# Shared pieces


# ---------------------------------------------------------------------------------------------
# Sources


class SourceSerializer(FullCleanModelSerializer):
    country = CountryCodeField()

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "scale", "url", "country"]


# ---------------------------------------------------------------------------------------------
# Events: reads


class EventActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="actor_id", help_text="The actor's id (/api/v1/actors/{id}/).")
    name = serializers.CharField(source="actor.name")
    role = serializers.ChoiceField(choices=ActorRole.choices)
    inter = serializers.ChoiceField(
        choices=InterCode.choices, allow_null=True, help_text="The actor's inter code in this event."
    )
    kind = serializers.ChoiceField(
        source="actor.kind", choices=InterCode.choices, help_text="The actor's usual inter code."
    )


class EventPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    location = serializers.CharField(source="name", help_text="The event's place (ACLED's location).")
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    country = serializers.CharField(source="country_name")
    country_code = serializers.CharField(help_text="ISO 3166 alpha-3.")
    admin1 = serializers.CharField()
    admin2 = serializers.CharField()
    admin3 = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class CitedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = CitedSourceSerializer()
    url = serializers.CharField()
    quote = serializers.CharField()
    field = serializers.ChoiceField(choices=CitationField.choices, help_text="The claim it supports.")
    reported_fatalities = serializers.IntegerField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    accessed_on = serializers.DateField(allow_null=True)
    archive_url = serializers.CharField()


class EventSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    """An event with its actors, place hierarchy and citations embedded."""

    actors = EventActorSerializer(source="event_actors", many=True, read_only=True)
    place = EventPlaceSerializer(read_only=True)
    # Blank for legacy ACLED types without a sub-type, and for events never retracted.
    sub_event_type = serializers.ChoiceField(choices=SubEventType.choices, allow_blank=True, read_only=True)
    retraction_reason = serializers.ChoiceField(
        choices=RetractionReason.choices, allow_blank=True, read_only=True
    )
    citations = CitationSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "event_id",
            "event_date",
            "time_precision",
            "end_date",
            "period_start",
            "period_end",
            "event_type",
            "sub_event_type",
            "legacy_event_type",
            "disorder_type",
            "interaction",
            "actors",
            "place",
            "geo_precision",
            "fatalities",
            "civilian_targeting",
            "notes",
            "tags",
            "source_scale",
            "citations",
            "status",
            "retracted_at",
            "retraction_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


EVENT_FIELDS = EventSerializer.Meta.fields


# ---------------------------------------------------------------------------------------------
# Events: list pages from rows
#
# A page of 50 events through EventSerializer builds ~7,000 field objects' worth of work (model
# instances, prefetch caches, a nested serializer per actor and citation): 30–40 ms of Python for
# ~3 ms of SQL. List pages instead read `values()` rows and fill the same shape, compiled once
# from EventSerializer's own fields, so the serializer stays the one declaration of the payload
# (and of the OpenAPI schema); tests/api/test_api_rows.py checks both give the same JSON.

# Fields whose DRF representation is the database value itself (str, int, float, bool, None).
_AS_STORED = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
)


@dataclass(frozen=True)
class _Member:
    """One member of a payload: its key, the values() column it comes from, and how to render it."""

    key: str
    column: str
    render: Callable[[Any], Any] | None = None  # None: the stored value as is
    members: tuple[_Member, ...] = ()  # a nested object read from the same row (the place)
    zoned: bool = False  # an ISO 8601 date-time in the current time zone (_iso_datetime)


def _iso_datetime(value: dt.datetime, zone) -> str:
    """DateTimeField's default output ('Z' for UTC), with the time zone looked up once per page."""
    if zone is not None:
        value = value.astimezone(zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _is_plain_datetime(field: serializers.Field) -> bool:
    return (
        isinstance(field, serializers.DateTimeField)
        and getattr(field, "format", api_settings.DATETIME_FORMAT).lower() == ISO_8601
        and not hasattr(field, "timezone")
    )


def _members(serializer: serializers.Serializer, prefix: str = "") -> tuple[_Member, ...]:
    """The scalar and nested-object members of a read serializer, as values() columns."""
    members = []
    for key, field in serializer.fields.items():
        column = prefix + field.source.replace(".", "__")
        if isinstance(field, serializers.ListSerializer):
            continue  # a list of related rows (actors, citations): read in a batch of its own
        if isinstance(field, serializers.Serializer):
            members.append(_Member(key, column, members=_members(field, column + "__")))
        elif _is_plain_datetime(field):
            members.append(_Member(key, column, zoned=True))
        elif isinstance(field, (serializers.DateField, serializers.DateTimeField)):
            members.append(_Member(key, column, render=field.to_representation))
        elif isinstance(field, (serializers.ChoiceField, *_AS_STORED)):
            members.append(_Member(key, column))
        else:  # a field this compiler cannot render from a column: extend it, don't guess
            raise TypeError(f"Cannot render {type(field).__name__} {key!r} from a row.")
    return tuple(members)


def _columns(members: tuple[_Member, ...]) -> list[str]:
    columns = []
    for member in members:
        columns.append(member.column)
        columns.extend(_columns(member.members))
    return columns


def _render(row: dict, members: tuple[_Member, ...], zone) -> dict:
    payload = {}
    for member in members:
        value = row[member.column]
        if member.members:
            payload[member.key] = None if value is None else _render(row, member.members, zone)
        elif value is None or (member.render is None and not member.zoned):
            payload[member.key] = value
        elif member.zoned:
            payload[member.key] = _iso_datetime(value, zone)
        else:
            payload[member.key] = member.render(value)
    return payload


@functools.cache
def _event_shape() -> tuple[tuple[_Member, ...], dict[str, tuple[Callable, tuple[_Member, ...]]]]:
    """(the event's own members, {list key: (selector of its rows, members of one item)})."""
    fields = EventSerializer().fields
    lists = {
        "actors": (event_actors_of, _members(fields["actors"].child)),
        "citations": (citations_of, _members(fields["citations"].child)),
    }
    many = {key for key, field in fields.items() if isinstance(field, serializers.ListSerializer)}
    unknown = many - set(lists)
    if unknown:
        raise TypeError(f"No row selector for the list members {sorted(unknown)}.")
    return _members(EventSerializer()), lists


# The page's ids as one array parameter: the statement's text is then the same for every page.
_IDS = RawSQL("SELECT unnest(%s::bigint[])", ([],))
_compiled_sql: dict[tuple, str] = {}
_selector_models: dict[Callable, type] = {}


def _member_rows(selector: Callable, names: list[str], ids: list[int]) -> list[dict]:
    """`selector(event_ids=ids).values(*names)` as dicts.

    On PostgreSQL the statement is compiled once per process, column set and database (compiling
    the two member queries cost ~1.5 ms of a 10 ms page, and building their querysets only to
    find the cached statement a third of what was left) and run with the ids as its one
    parameter; the columns read need no converters there (dates, times, text and numbers come
    typed from psycopg), which tests/api/test_api_rows.py checks against the ORM's own rows.
    """
    if not ids:
        return []
    model = _selector_models.get(selector)
    if model is None:
        model = _selector_models[selector] = selector(event_ids=_IDS).model
    db = router.db_for_read(model)  # what the selector's queryset would read from
    if connections[db].vendor != "postgresql":
        return list(selector(event_ids=ids).values(*names))
    key = (selector, tuple(names), db)
    sql = _compiled_sql.get(key)
    if sql is None:
        template = selector(event_ids=_IDS).values(*names)
        sql, params = template.query.sql_with_params()
        if len(params) != 1 or template.db != db:  # a selector with its own parameters or database
            return list(selector(event_ids=ids).values(*names))
        sql = _compiled_sql[key] = sql
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [ids])
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class EventRows:
    """Event payloads (EventSerializer's JSON) built from `values()` rows in constant queries.

    `columns` are what to select for each event; `render(rows)` adds one query per list member
    asked for (actors, citations), whatever the number of rows.
    """

    def __init__(self, *, fields: list[str] | None = None) -> None:
        members, lists = _event_shape()
        wanted = set(fields or EVENT_FIELDS)
        self.members = tuple(member for member in members if member.key in wanted)
        self.lists = {key: spec for key, spec in lists.items() if key in wanted}
        self.order = [key for key in EVENT_FIELDS if key in wanted]
        # The primary key groups the list members; updated_at positions the cursor.
        self.columns = list(dict.fromkeys(["id", "updated_at", *_columns(self.members)]))

    def render(self, rows: list[dict]) -> list[dict]:
        ids = [row["id"] for row in rows]
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        items: dict[str, dict[int, list[dict]]] = {}
        for key, (selector, members) in self.lists.items():
            grouped = items[key] = {}
            for item in _member_rows(selector, ["event_id", *_columns(members)], ids):
                grouped.setdefault(item["event_id"], []).append(_render(item, members, zone))
        payloads = []
        for row in rows:
            payload = _render(row, self.members, zone)
            for key in self.lists:
                payload[key] = items[key].get(row["id"], [])
            payloads.append({key: payload[key] for key in self.order})
        return payloads


# ---------------------------------------------------------------------------------------------
# Events: writes


class EventActorInputSerializer(serializers.Serializer):
    actor = ReferenceField(model=Actor, noun="actor", help_text="Actor id or exact name.")
    role = serializers.ChoiceField(choices=ActorRole.choices)
    inter = serializers.ChoiceField(
        choices=InterCode.choices,
        required=False,
        allow_null=True,
        help_text="The actor's inter code in this event; defaults to the actor's kind.",
    )


class CitationInputSerializer(serializers.Serializer):
    source = ReferenceField(model=Source, noun="source", help_text="Source id or exact name.")
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    quote = serializers.CharField(required=False, allow_blank=True)
    field = serializers.ChoiceField(choices=CitationField.choices, required=False, allow_blank=True)
    reported_fatalities = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_INT
    )
    published_on = serializers.DateField(required=False, allow_null=True)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    archive_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)


class EventWriteSerializer(serializers.ModelSerializer):
    """What curators send to create or change an event; see events.services."""

    place = BoundedPrimaryKeyField(queryset=Place.objects.all(), help_text="Place id.")
    fatalities = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT)
    actors = EventActorInputSerializer(many=True, required=False)
    citations = CitationInputSerializer(many=True, required=False)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        write_only=True,
        help_text="The version you edited (required to update unless If-Match is sent).",
    )
    change_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=CHANGE_REASON_LENGTH,
        write_only=True,
        help_text="Why you made this change; shown in the event's history.",
    )
    redaction = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Reviewers: this change removes content that must not stay public; the values it "
        "replaces are then shown to staff only. Needs a change_reason.",
    )

    class Meta:
        model = Event
        fields = [
            *CODED_FIELDS,
            "actors",
            "citations",
            "version",
            "change_reason",
            "redaction",
        ]

    def validate(self, attrs: dict) -> dict:
        if attrs.get("redaction") and not (attrs.get("change_reason") or "").strip():
            message = "Say why: a redaction needs a change reason."
            raise serializers.ValidationError({"change_reason": message})
        return attrs

    def validate_actors(self, actors: list[dict]) -> list[dict]:
        roles = [item["role"] for item in actors]
        for role in (ActorRole.ACTOR1, ActorRole.ACTOR2):
            if roles.count(role) > 1:
                raise serializers.ValidationError(f"An event has at most one {role}.")
        pairs = [(item["actor"].pk, item["role"]) for item in actors]
        if len(set(pairs)) != len(pairs):
            raise serializers.ValidationError("The same actor is listed twice in the same role.")
        return actors

    CHANGE_NOTES = ("change_reason", "redaction")

    def change_notes(self) -> dict:
        """What the history row of this change carries: its reason and the redaction mark."""
        data = self.validated_data
        return {"change_reason": data.get("change_reason", ""), "redaction": data.get("redaction", False)}

    def service_arguments(self) -> tuple[dict, list | None, list | None]:
        """(event fields, actors, citations) for event_create / event_update; None = unchanged."""
        fields = dict(self.validated_data)
        for name in ("version", *self.CHANGE_NOTES):
            fields.pop(name, None)
        actors = fields.pop("actors", None)
        citations = fields.pop("citations", None)
        if actors is not None:
            actors = [(item["actor"], item["role"], item.get("inter")) for item in actors]
        if citations is not None:
            citations = [dict(item) for item in citations]
        return fields, actors, citations


class RetractSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RetractionReason.choices, default=RetractionReason.ERROR)


class PublishSerializer(serializers.Serializer):
    confirm_not_duplicate = serializers.BooleanField(
        default=False,
        help_text="Confirm that the event's likely duplicates (…/duplicates/) are distinct (kept per pair).",
    )


class DuplicateCandidateSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    event_date = serializers.DateField()
    event_type = serializers.CharField()
    sub_event_type = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    place = serializers.CharField(source="place_name")
    fatalities = serializers.IntegerField()
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())
    confirmed_not_duplicate = serializers.BooleanField(
        help_text="A curator recorded that this pair is not a duplicate (it holds until either event's "
        "date, place or type changes)."
    )


# ---------------------------------------------------------------------------------------------
# History and tombstones


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="An event field, or `actors` (name, role, inter) or `citations` (source, url, quote, …)."
    )
    old = serializers.JSONField(allow_null=True, help_text="The value before (null when hidden).")
    new = serializers.JSONField(allow_null=True, help_text="The value after (null when hidden).")
    redacted = serializers.BooleanField(
        help_text="A later change marked as a redaction replaced this value: shown to staff only."
    )


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True, help_text="Who made the change (shown to staff only).")
    changed_fields = serializers.ListField(child=serializers.CharField())
    changes = HistoryChangeSerializer(
        many=True,
        help_text="Old and new values of the changed fields; bookkeeping columns (updated_at, version, "
        "who) are named in changed_fields only.",
    )
    version = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, help_text="The change reason given with the change.")
    redaction = serializers.BooleanField(
        help_text="A reviewer marked this change as a redaction: the values it replaced are shown to "
        "staff only."
    )


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tombstone
        fields = ["event_id", "removed_at", "reason", "merged_into"]
