"""Reads on events that the API, the exports and the admin share."""

from __future__ import annotations

from django.db.models import QuerySet

from events.history import event_history  # noqa: F401  (an event's history is read there)
from events.models import Citation, Event, EventActor, EventQuerySet, Tombstone


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


def tombstone_list():
    """Retracted and deleted public events, in the order they were removed."""
    return Tombstone.objects.order_by("removed_at", "id")
