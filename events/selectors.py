"""Reads on events that the API, the exports and the admin share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

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


def actor_cursor_ids(
    *,
    actor_ids: Sequence[int],
    statuses: Sequence[str] | None,
    after: tuple[dt.datetime, int] | None,
    limit: int,
) -> RawSQL:
    """The ids of the first `limit` events these actors take part in, among `statuses` (None:
    any), in the cursor's order (updated_at, id) after the position `after` (from the start
    without one): a subquery for `pk__in` (PostgreSQL).

    Read from event_actor_cursor_idx alone, through the event's updated_at and status copied onto
    its actors' rows (events/actor_copies.py): for each actor and status its first `limit`
    entries after the position are one index range, and the page is the first of those (as a
    period's date buckets are merged, events.paging.merged_buckets). An event where an actor
    holds two roles, or where two of these actors take part, is listed once. Without statuses,
    each actor's entries after the position are read and sorted (no range holds them in order).
    """
    statuses = list(statuses) if statuses is not None else None
    sources, conditions, params = ["unnest(%s::bigint[]) AS actors(id)"], ["ea.actor_id = actors.id"], []
    params.append(list(actor_ids))
    if statuses is not None:
        sources.append("unnest(%s::varchar[]) AS statuses(status)")
        conditions.append("ea.status = statuses.status")
        params.append(statuses)
    branch_params = []
    if after is not None:
        conditions.append("(ea.updated_at, ea.event_id) > (%s, %s)")
        branch_params += list(after)
    table = EventActor._meta.db_table
    return RawSQL(
        f"SELECT page.event_id FROM {', '.join(sources)}, "
        f"LATERAL (SELECT DISTINCT ea.updated_at, ea.event_id FROM {table} ea "
        f"WHERE {' AND '.join(conditions)} ORDER BY ea.updated_at, ea.event_id LIMIT %s) AS page "
        "GROUP BY page.updated_at, page.event_id ORDER BY page.updated_at, page.event_id LIMIT %s",
        (*params, *branch_params, limit, limit),
    )


def citations_of(*, event_ids: list[int]) -> QuerySet[Citation]:
    """The citations of these events, in payload order (as EventQuerySet.with_related)."""
    return Citation.objects.filter(event_id__in=event_ids).order_by("id")


def event_get(*, user, event_id: str) -> Event:
    """One event by its public id, if `user` may see it (Event.DoesNotExist otherwise)."""
    return event_list(user=user).get(event_id=event_id)


def tombstone_list():
    """Retracted and deleted public events, in the order they were removed."""
    return Tombstone.objects.order_by("removed_at", "id")
