"""Writes on events: create, update with optimistic locking, review, publish, retract, delete.

The admin, the API and the importers all go through these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from events.duplicates import duplicates_check
from events.models import NO_COUNTRY, Citation, Event, EventActor, EventIdCounter, Tombstone
from events.vocab import ActorRole, RetractionReason, Status, interaction_for


class StaleVersionError(Exception):
    """Someone else saved the event since this copy was loaded; nothing was written."""

    def __init__(self, *, event_id: str, expected: int, current: int) -> None:
        self.event_id, self.expected, self.current = event_id, expected, current
        super().__init__(
            f"Event {event_id} was changed by someone else while you were editing it "
            f"(your copy is version {expected}, the saved one is version {current}). "
            "Reload it, re-apply your changes and save again; nothing was overwritten."
        )


def _prefix_for(event: Event) -> str:
    return (event.place.country_code or NO_COUNTRY).upper()


def event_id_next(*, prefix: str) -> str:
    """Hand out the next unused id for a country prefix; safe under concurrent transactions.

    The counter row is locked (SELECT … FOR UPDATE) until the caller's transaction ends, so
    two transactions never receive the same serial. Ids already taken (imported ACLED ids)
    are skipped.
    """
    with transaction.atomic():
        EventIdCounter.objects.bulk_create([EventIdCounter(prefix=prefix, last=0)], ignore_conflicts=True)
        counter = EventIdCounter.objects.select_for_update().get(prefix=prefix)
        serial = counter.last
        while True:
            serial += 1
            candidate = f"{prefix}{serial}"
            if not Event.objects.filter(event_id=candidate).exists():
                break
        counter.last = serial
        counter.save(update_fields=["last"])
    return candidate


def event_sync_interaction(*, event: Event) -> None:
    """Re-derive `interaction` from the inter codes of the event's actor1 and actor2."""
    inters = dict(
        EventActor.objects.filter(event=event, role__in=[ActorRole.ACTOR1, ActorRole.ACTOR2]).values_list(
            "role", "inter"
        )
    )
    interaction = interaction_for(inters.get(ActorRole.ACTOR1), inters.get(ActorRole.ACTOR2))
    if interaction != event.interaction:
        Event.objects.filter(pk=event.pk).update(interaction=interaction)
        # The history row of this version (written by the save this call follows, in the same
        # transaction) records the version as it ends up, derived values included; a call that
        # follows no new version leaves earlier versions' rows as they were.
        Event.history.filter(id=event.pk, version=event.version).update(interaction=interaction)
        event.interaction = interaction


def event_set_actors(*, event: Event, actors: Iterable[tuple]) -> None:
    """Replace the event's actors with (Actor, role) or (Actor, role, inter) items, in order.

    `inter` defaults to the actor's kind; `interaction` is re-derived.
    """
    EventActor.objects.filter(event=event).delete()
    for position, (actor, role, *rest) in enumerate(actors):
        inter = rest[0] if rest and rest[0] is not None else actor.kind
        EventActor.objects.create(event=event, actor=actor, role=role, inter=inter, position=position)
    event_sync_interaction(event=event)


def event_set_citations(*, event: Event, citations: Iterable[dict[str, Any]]) -> None:
    """Replace the event's citations; each item holds Citation fields (`source` a Source)."""
    Citation.objects.filter(event=event).delete()
    for fields in citations:
        citation = Citation(event=event, **fields)
        citation.full_clean()
        citation.save()


def event_create(
    *,
    by=None,
    actors: Iterable[tuple] = (),
    citations: Iterable[dict[str, Any]] = (),
    **fields: Any,
) -> Event:
    """Create a draft event with a fresh event_id; `actors` is a list of (Actor, role[, inter])."""
    with transaction.atomic():
        event = Event(**fields)
        event.created_by = event.updated_by = by
        event.full_clean(exclude=["event_id", "period_start", "period_end", "disorder_type"])
        event.event_id = event.event_id or event_id_next(prefix=_prefix_for(event))
        event.save()
        event_set_actors(event=event, actors=actors)
        event_set_citations(event=event, citations=citations)
    return event


def event_lock(*, event: Event, expected_version: int) -> None:
    """Lock the stored row until the transaction ends and refuse a stale copy."""
    current = Event.objects.select_for_update().filter(pk=event.pk).values_list("version", flat=True).first()
    if current is None:
        raise Event.DoesNotExist(f"Event {event.event_id} no longer exists.")
    if current != expected_version:
        raise StaleVersionError(event_id=event.event_id, expected=expected_version, current=current)


def event_save(*, event: Event, expected_version: int, by=None) -> Event:
    """Save a curator's changes to an existing event, refusing a stale copy (optimistic lock)."""
    with transaction.atomic():
        event_lock(event=event, expected_version=expected_version)
        if event.status == Status.RETRACTED:
            raise ValidationError("A retracted event cannot be changed.")
        event.full_clean(exclude=["event_id", "period_start", "period_end", "disorder_type"])
        event.version = expected_version + 1
        event.updated_by = by
        event.save()
        event_sync_interaction(event=event)
    return event


def event_update(
    *,
    event: Event,
    data: dict[str, Any],
    expected_version: int,
    by=None,
    actors: Iterable[tuple] | None = None,
    citations: Iterable[dict[str, Any]] | None = None,
) -> Event:
    """Apply field changes to an event (the API's path); see event_save.

    `actors` and `citations`, when given, replace the event's (see event_set_actors).
    """
    with transaction.atomic():
        for name, value in data.items():
            setattr(event, name, value)
        event_save(event=event, expected_version=expected_version, by=by)
        if actors is not None:
            event_set_actors(event=event, actors=actors)
        if citations is not None:
            event_set_citations(event=event, citations=citations)
    return event


def _set_status(*, event: Event, status: str, by, **extra: Any) -> Event:
    with transaction.atomic():
        current = (
            Event.objects.select_for_update().filter(pk=event.pk).values_list("version", flat=True).get()
        )
        event.status = status
        event.updated_by = by
        event.version = current + 1
        for name, value in extra.items():
            setattr(event, name, value)
        event.save()
    return event


def event_mark_reviewed(*, event: Event, by, confirm_not_duplicate: bool = False) -> Event:
    """A curator's draft is ready for a reviewer (once its likely duplicates are settled)."""
    if event.status != Status.DRAFT:
        raise ValidationError(f"Only drafts can be marked reviewed; {event.event_id} is {event.status}.")
    duplicates_check(event=event, by=by, confirm_not_duplicate=confirm_not_duplicate)
    return _set_status(event=event, status=Status.REVIEWED, by=by)


def event_publish(*, event: Event, by, confirm_not_duplicate: bool = False) -> Event:
    """Make an event public; only reviewers may, only with at least one citation, and once its
    likely duplicates are merged or confirmed distinct (events.duplicates.duplicates_check)."""
    if by is None or not by.has_perm("events.publish_event"):
        raise PermissionDenied("Only reviewers can publish events.")
    if event.status == Status.PUBLISHED:
        return event
    if event.status == Status.RETRACTED:
        raise ValidationError(f"{event.event_id} was retracted and cannot be published again.")
    if not event.citations.exists():
        raise ValidationError(
            f"{event.event_id} has no citation; add the source it relies on before publishing."
        )
    duplicates_check(event=event, by=by, confirm_not_duplicate=confirm_not_duplicate)
    return _set_status(event=event, status=Status.PUBLISHED, by=by)


def event_retract(*, event: Event, by, reason: str = RetractionReason.ERROR) -> Event:
    """Withdraw an event from public view, leaving a tombstone for mirrors."""
    if by is None or not by.has_perm("events.retract_event"):
        raise PermissionDenied("Only reviewers can retract events.")
    if reason not in RetractionReason.values:
        raise ValidationError(f"Unknown retraction reason {reason!r}.")
    if event.status == Status.RETRACTED:
        return event
    now = timezone.now()
    with transaction.atomic():
        was_public = event.status == Status.PUBLISHED
        _set_status(event=event, status=Status.RETRACTED, by=by, retracted_at=now, retraction_reason=reason)
        if was_public:
            Tombstone.objects.update_or_create(
                event_id=event.event_id, defaults={"removed_at": now, "reason": reason}
            )
    return event


def event_delete(*, event: Event, by) -> None:
    """Delete an event: drafts by curators; published events only by reviewers (tombstoned)."""
    is_public = event.status in (Status.PUBLISHED, Status.RETRACTED)
    if is_public and (by is None or not by.has_perm("events.retract_event")):
        raise PermissionDenied("Only reviewers can delete published or retracted events.")
    with transaction.atomic():
        # A retracted event has a tombstone only if it was ever published: a draft's id never was public.
        tombstoned = Tombstone.objects.filter(event_id=event.event_id).exists()
        if event.status == Status.PUBLISHED or tombstoned:
            Tombstone.objects.update_or_create(
                event_id=event.event_id,
                defaults={
                    "removed_at": timezone.now(),
                    "reason": event.retraction_reason or RetractionReason.OTHER,
                    "deleted": True,
                },
            )
        event._change_reason = "deleted"
        event.delete()
