"""Reads on events that the API, the exports and the admin share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from events.models import Citation, Event, EventActor, EventQuerySet, Tombstone

# Bookkeeping columns every save touches; a history entry lists them only when nothing else changed.
_BOOKKEEPING = {"updated_at", "updated_by", "version"}
_CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def event_list(*, user, related: bool = True) -> EventQuerySet:
    """The events `user` may see, with everything a payload embeds loaded in constant queries.

    `related=False` leaves the place, actors and citations out (list pages read rows: EventRows).
    """
    events = Event.objects.visible_to(user)
    return events.with_related() if related else events


def event_actors_of(*, event_ids: list[int]) -> QuerySet[EventActor]:
    """The actors' parts in these events, in payload order (as EventQuerySet.with_related)."""
    return EventActor.objects.filter(event_id__in=event_ids).order_by("role", "position", "id")


def citations_of(*, event_ids: list[int]) -> QuerySet[Citation]:
    """The citations of these events, in payload order (as EventQuerySet.with_related)."""
    return Citation.objects.filter(event_id__in=event_ids).order_by("id")


def event_get(*, user, event_id: str) -> Event:
    """One event by its public id, if `user` may see it (Event.DoesNotExist otherwise)."""
    return event_list(user=user).get(event_id=event_id)


def _tracked_fields() -> list[tuple[str, str]]:
    """(name, attname) of the event columns the history records."""
    history_model = Event.history.model
    names = {field.name for field in history_model._meta.fields}
    return [
        (field.name, field.attname)
        for field in Event._meta.concrete_fields
        if field.name in names and field.name != "id"
    ]


def event_history(*, event: Event, show_users: bool) -> list[dict[str, Any]]:
    """The event's change history, oldest first: when, who, what kind of change, which fields.

    Users are named only when `show_users` (callers with a role); the content of past versions is not shown.
    """
    history = event.history.order_by("history_date", "history_id")
    if show_users:
        history = history.select_related("history_user")
    fields = _tracked_fields()
    entries, previous = [], None
    for record in history:
        changed: list[str] = []
        if previous is not None:
            changed = [
                name for name, attname in fields if getattr(record, attname) != getattr(previous, attname)
            ]
            substantive = [name for name in changed if name not in _BOOKKEEPING]
            changed = substantive or changed
        user = record.history_user if show_users and record.history_user_id else None
        entries.append(
            {
                "history_id": record.history_id,
                "changed_at": record.history_date,
                "change_type": _CHANGE_TYPES.get(record.history_type, record.history_type),
                "user": user.get_username() if user else None,
                "changed_fields": changed,
                "version": record.version,
                "status": record.status,
                "reason": record.history_change_reason or "",
            }
        )
        previous = record
    return entries


def tombstone_list():
    """Retracted and deleted public events, in the order they were removed."""
    return Tombstone.objects.order_by("removed_at", "id")
