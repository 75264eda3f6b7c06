"""An event's history as versions with field-level changes: what the API's /history/ and the
admin's history page show.

Each version of an event is one django-simple-history row, and its field changes are that row's
`diff_against` the version before (non-editable fields included: the status, the derived
columns). An event's actors and citations are rows of their own, with their own history; the
services give the event a new version *before* they touch them (events.services), so the parts
a version had are the parts' history replayed up to the next version's time. That replay is the
part simple-history does not do for us (its diffs know only the model's own columns and
many-to-many fields).

Who sees what: staff (anyone with a role) see every version, the users and the values a
redaction replaced; everyone else sees the versions the public saw (published ones), with the
values a later redaction replaced hidden, and no user names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from actors.models import Actor
from core.vocab import ActorRole, Status
from events.models import Citation, Event, EventActor
from places.models import Place

ACTORS, CITATIONS = "actors", "citations"
# Bookkeeping columns every save touches: named in changed_fields only when nothing else changed.
BOOKKEEPING = ("updated_at", "updated_by", "version")
# Columns named in changed_fields but whose values `changes` leaves out: who and when (the entry
# says it), and the importers' digests.
NOT_SHOWN = {*BOOKKEEPING, "created_at", "created_by", "import_batch", "source_hash", "source_timestamp"}
CHANGE_REASON_LENGTH = Event.history.model._meta.get_field("history_change_reason").max_length
CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
_ROLE_ORDER = {role: index for index, role in enumerate(ActorRole.values)}
_CITATION_FIELDS = (
    "url",
    "quote",
    "field",
    "published_on",
    "accessed_on",
    "archive_url",
    "reported_fatalities",
)


@dataclass
class Version:
    """One version of an event: its history row and the actors and citations it had."""

    record: Any  # HistoricalEvent
    actors: list[dict] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)

    @property
    def redaction(self) -> bool:
        return bool(getattr(self.record, "history_redaction", False))


def tracked_fields(model: type[Model]) -> list[str]:
    """The names of the columns `model`'s history records (its primary key aside)."""
    return [f.name for f in model.history.model.tracked_fields if not f.primary_key]


def field_changes(new, old, *, fields: list[str]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for the columns that differ between two history rows, in `fields` order,
    foreign keys as ids.

    diff_against compares the editable columns (it reads them through model_to_dict, which skips
    the others); the status, the derived columns and the bookkeeping are not editable in a form,
    so they are compared here the same way, attribute by attribute.
    """
    meta = new._meta
    editable = [name for name in fields if meta.get_field(name).editable]
    by_name = {
        change.field: (change.old, change.new)
        for change in new.diff_against(old, included_fields=editable).changes
    }
    for name in fields:
        if name not in by_name:
            attname = meta.get_field(name).attname
            before, after = getattr(old, attname), getattr(new, attname)
            if before != after:
                by_name[name] = (before, after)
    return [(name, *by_name[name]) for name in fields if name in by_name]


def event_versions(*, event: Event, with_users: bool = False) -> list[Version]:
    """Every version of the event, oldest first, with its actors and citations (three queries)."""
    records = event.history.order_by("history_date", "history_id")
    if with_users:
        records = records.select_related("history_user")
    versions = [Version(record) for record in records]
    if not versions:
        return versions
    # Parts that ever hung off the event, also after they moved to another one (a merge, the
    # citation screen): the move is the moment they left.
    actor_rows = EventActor.history.filter(
        id__in=EventActor.history.filter(event_id=event.pk).values("id")
    ).select_related("actor")
    citation_rows = Citation.history.filter(
        id__in=Citation.history.filter(event_id=event.pk).values("id")
    ).select_related("source")
    actor_rows = list(actor_rows.order_by("history_date", "history_id"))
    _replay(versions, actor_rows, event.pk, ACTORS, _actor_names(actor_rows))
    _replay(versions, citation_rows.order_by("history_date", "history_id"), event.pk, CITATIONS, None)
    for version in versions:
        version.actors.sort(key=lambda a: (_ROLE_ORDER.get(a.pop("_role"), 9), a.pop("_position")))
    return versions


def _actor_names(rows) -> dict[int, str]:
    """Names of actors since deleted (merged away): their last name in their own history."""
    missing = {row.actor_id for row in rows if row.actor_id and _related(row, "actor") is None}
    names: dict[int, str] = {}
    if missing:
        for pk, name in (
            Actor.history.filter(id__in=missing).order_by("history_date").values_list("id", "name")
        ):
            names[pk] = name
    return names


def _related(row, name: str):
    try:
        return getattr(row, name)
    except Exception:  # the row it pointed to is gone (DoesNotExist of the related model)
        return None


def _describe(row, kind: str, names: dict | None) -> dict:
    if kind == ACTORS:
        actor = _related(row, "actor")
        name = actor.name if actor is not None else (names or {}).get(row.actor_id, f"actor {row.actor_id}")
        return {
            "name": name,
            "role": row.role,
            "inter": row.inter,
            "_role": row.role,
            "_position": row.position,
        }
    source = _related(row, "source")
    described = {"source": source.name if source is not None else f"source {row.source_id}"}
    for name in _CITATION_FIELDS:
        value = getattr(row, name)
        described[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return described


def _replay(versions: list[Version], rows, event_pk: int, kind: str, names: dict | None) -> None:
    """Give each version the parts present from its own time until the next version's."""
    state: dict[int, dict] = {}
    rows = iter(rows)
    pending = next(rows, None)
    for index, version in enumerate(versions):
        until = versions[index + 1].record.history_date if index + 1 < len(versions) else None
        while pending is not None and (until is None or pending.history_date < until):
            if pending.history_type == "-" or pending.event_id != event_pk:
                state.pop(pending.id, None)
            else:
                state[pending.id] = _describe(pending, kind, names)
            pending = next(rows, None)
        setattr(version, kind, [dict(part) for _, part in sorted(state.items())])


def _diff(old: Version | None, new: Version, fields: list[str]) -> list[list]:
    """[field, old, new] for what changed from `old` to `new` (the parts included)."""
    if old is None:
        return []
    changes = [list(change) for change in field_changes(new.record, old.record, fields=fields)]
    if old.actors != new.actors:
        changes.append([ACTORS, old.actors, new.actors])
    if old.citations != new.citations:
        changes.append([CITATIONS, old.citations, new.citations])
    return changes


def changed_field_names(changes: list[list]) -> list[str]:
    """The fields a version changed; the bookkeeping columns only when nothing else did."""
    names = [name for name, _, _ in changes]
    return [name for name in names if name not in BOOKKEEPING] or names


def _hidden_before(versions: list[Version], fields: list[str]) -> dict[str, int]:
    """Per field, the index of the last redaction that changed it: earlier values are hidden."""
    hidden: dict[str, int] = {}
    for index, version in enumerate(versions):
        if version.redaction and index:
            for name, _, _ in _diff(versions[index - 1], version, fields):
                hidden[name] = index
    return hidden


def _labels(changes: list[list], *, base: int, index: int, hidden: dict[str, int]) -> list[dict]:
    """The changes as {field, old, new, redacted}; values older than a redaction of them hidden."""
    shown = []
    for name, old, new in changes:
        if name in NOT_SHOWN:
            continue
        limit = hidden.get(name, -1)
        redacted = base < limit or index < limit
        shown.append(
            {
                "field": name,
                "old": None if base < limit else old,
                "new": None if index < limit else new,
                "redacted": redacted,
            }
        )
    return shown


def _named(versions: list[Version], entries: list[tuple[int, int, list[list]]]) -> None:
    """Replace the ids of the event's foreign keys in the changes by names (one query a model)."""
    wanted: dict[str, set] = {"place": set(), "merged_into": set()}
    for _, _, changes in entries:
        for name, old, new in changes:
            if name in wanted:
                wanted[name].update(value for value in (old, new) if value is not None)
    places = (
        {pk: str(place) for pk, place in Place.objects.in_bulk(wanted["place"]).items()}
        if wanted["place"]
        else {}
    )
    merged = (
        dict(Event.objects.filter(pk__in=wanted["merged_into"]).values_list("pk", "event_id"))
        if wanted["merged_into"]
        else {}
    )
    lookup = {"place": places, "merged_into": merged}
    for _, _, changes in entries:
        for change in changes:
            names = lookup.get(change[0])
            if names is not None:
                change[1] = names.get(change[1], change[1])
                change[2] = names.get(change[2], change[2])
    for _, _, changes in entries:
        for change in changes:
            change[1], change[2] = _plain(change[1]), _plain(change[2])


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def event_history(*, event: Event, show_users: bool, staff: bool | None = None) -> list[dict[str, Any]]:
    """The event's versions, oldest first: when, who, what kind of change, the changed fields and
    their old and new values, the status, the reason and whether it was a redaction.

    `staff` (callers with a role) see every version and every value; others see the published
    versions only, compared with the version the public saw before, and no value a redaction
    replaced. Users are named only when `show_users`.
    """
    staff = show_users if staff is None else staff
    versions = event_versions(event=event, with_users=show_users)
    fields = tracked_fields(Event)
    indexes = range(len(versions))
    if not staff:
        indexes = [i for i in indexes if versions[i].record.status == Status.PUBLISHED]
    entries, base = [], None
    for index in indexes:
        version = versions[index]
        previous = versions[index - 1] if index else None
        if staff or base is not None:
            changes = _diff(versions[base] if base is not None else previous, version, fields)
        else:
            changes = []  # the first public version: what came before it was never public
        if not staff and previous is not None and base != index - 1:
            # After versions the public did not see, only the status says what happened in between.
            changes = [c for c in changes if c[0] != "status"]
            if previous.record.status != version.record.status:
                changes.append(["status", previous.record.status, version.record.status])
        entries.append((index, base if base is not None else index - 1, changes))
        base = index
    _named(versions, entries)
    hidden = {} if staff else _hidden_before(versions, fields)
    result = []
    for index, base_index, changes in entries:
        record = versions[index].record
        user = record.history_user if show_users and record.history_user_id else None
        result.append(
            {
                "history_id": record.history_id,
                "changed_at": record.history_date,
                "change_type": CHANGE_TYPES.get(record.history_type, record.history_type),
                "user": user.get_username() if user else None,
                "changed_fields": changed_field_names(changes),
                "changes": _labels(changes, base=base_index, index=index, hidden=hidden),
                "version": record.version,
                "status": record.status,
                "reason": record.history_change_reason or "",
                "redaction": versions[index].redaction,
            }
        )
    return result
