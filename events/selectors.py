"""Reads on events that the API, the exports and the admin share."""

from __future__ import annotations

from collections.abc import Sequence

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


def actor_event_ids(
    *,
    actor_ids: Sequence[int],
    statuses: Sequence[str] | None,
    descending: bool,
    limit: int,
    using: str = "default",
) -> list[int] | None:
    """The ids of the events these actors take part in, among `statuses` (None: any), ordered by
    event_date then id (both descending, or both ascending), when there are at most `limit`;
    None when there are more.

    Read from event_actor_page_idx alone, through the event's date and status copied onto its
    actors' rows (events/actor_copies.py): no probe into the events per match. An event where an
    actor holds two roles, or where two of these actors take part, is listed once.
    """
    rows = EventActor.objects.db_manager(using).filter(actor__in=list(actor_ids))
    if statuses is not None:
        rows = rows.filter(status__in=list(statuses))
    order = ("-event_date", "-event_id") if descending else ("event_date", "event_id")
    pairs = rows.order_by(*order).values_list("event_date", "event_id").distinct()[: limit + 1]
    ids = [event_id for _, event_id in pairs]
    return ids if len(ids) <= limit else None


def citations_of(*, event_ids: list[int]) -> QuerySet[Citation]:
    """The citations of these events, in payload order (as EventQuerySet.with_related)."""
    return Citation.objects.filter(event_id__in=event_ids).order_by("id")


def event_get(*, user, event_id: str) -> Event:
    """One event by its public id, if `user` may see it (Event.DoesNotExist otherwise)."""
    return event_list(user=user).get(event_id=event_id)


def tombstone_list():
    """Retracted and deleted public events, in the order they were removed."""
    return Tombstone.objects.order_by("removed_at", "id")
