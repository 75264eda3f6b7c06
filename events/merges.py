"""Merging duplicate events: the survivor keeps its event_id, the other becomes a tombstone.

Citations and actors move to the survivor (exact duplicates stay behind), every change writes
a history row, and all of it happens in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.vocab import ActorRole, RetractionReason, Status
from events.models import Citation, DuplicateDecision, Event, Tombstone
from events.rules import may_merge_events
from events.services import event_sync_interaction

# A moved actor 1 or 2 whose role the survivor already fills becomes an associate of that side.
_ASSOCIATE_OF = {ActorRole.ACTOR1: ActorRole.ASSOC_ACTOR_1, ActorRole.ACTOR2: ActorRole.ASSOC_ACTOR_2}
_CITATION_FIELDS = (
    "source_id",
    "url",
    "quote",
    "published_on",
    "accessed_on",
    "archive_url",
    "field",
    "reported_fatalities",
)


def event_merge(*, survivor: Event, other: Event, by) -> Event:
    """Merge `other` into `survivor`; returns the survivor. See the module docstring."""
    if survivor.pk == other.pk:
        raise ValidationError("An event cannot be merged into itself.")
    with transaction.atomic():
        locked = Event.objects.select_for_update().in_bulk(sorted([survivor.pk, other.pk]))
        if len(locked) != 2:
            raise ValidationError("One of the events no longer exists.")
        survivor, other = locked[survivor.pk], locked[other.pk]
        if not may_merge_events(by, survivor, other):
            raise PermissionDenied("Only reviewers can merge published events; curators merge drafts.")
        for event in (survivor, other):
            if event.status == Status.RETRACTED:
                raise ValidationError(
                    f"{event.event_id} is retracted (or already merged) and cannot be merged."
                )
        if other.status == Status.PUBLISHED and survivor.status != Status.PUBLISHED:
            raise ValidationError(
                f"{other.event_id} is published and {survivor.event_id} is not: keep the published "
                f"event ({other.event_id}) as the survivor, so the public record keeps its id."
            )
        reason = f"Merged {other.event_id} into {survivor.event_id}"
        now = timezone.now()
        # Both events' new versions first: the citations and actors moved next belong to them in
        # the history (events.history reads the parts' rows up to each event's next version).
        survivor.version += 1
        survivor.updated_by = by
        survivor._history_user = by
        survivor._change_reason = reason
        survivor.save()
        was_public = (
            other.status == Status.PUBLISHED or Tombstone.objects.filter(event_id=other.event_id).exists()
        )
        other.status = Status.RETRACTED
        other.retracted_at = now
        other.retraction_reason = RetractionReason.DUPLICATE
        other.merged_into = survivor
        other.version += 1
        other.updated_by = by
        other._history_user = by
        other._change_reason = reason
        other.save()
        _move_citations(survivor, other, reason)
        _move_actors(survivor, other, reason)
        event_sync_interaction(event=survivor)
        if was_public:
            # Mirrors delete the id and find the event under the survivor's.
            Tombstone.objects.update_or_create(
                event_id=other.event_id,
                defaults={
                    "removed_at": now,
                    "reason": RetractionReason.DUPLICATE,
                    "merged_into": survivor.event_id,
                },
            )
        DuplicateDecision.objects.filter(event_a=other).delete()
        DuplicateDecision.objects.filter(event_b=other).delete()
    return survivor


def _citation_identity(citation: Citation) -> tuple:
    return tuple(getattr(citation, name) for name in _CITATION_FIELDS)


def _move_citations(survivor: Event, other: Event, reason: str) -> None:
    kept = {_citation_identity(citation) for citation in survivor.citations.all()}
    for citation in other.citations.order_by("id"):
        if _citation_identity(citation) in kept:
            continue  # the same claim from the same source: it stays with the tombstone
        citation.event = survivor
        citation._change_reason = reason
        citation.save()
        kept.add(_citation_identity(citation))


def _move_actors(survivor: Event, other: Event, reason: str) -> None:
    rows = list(survivor.event_actors.all())
    present = {row.actor_id for row in rows}
    filled = {row.role for row in rows}
    last_position = {
        role: max((r.position for r in rows if r.role == role), default=-1) for role in ActorRole
    }
    for row in other.event_actors.order_by("role", "position", "id"):
        if row.actor_id in present:
            continue  # already in the survivor (in some role)
        role = row.role
        if role in _ASSOCIATE_OF and role in filled:
            role = _ASSOCIATE_OF[role]
        last_position[role] += 1
        row.event, row.role, row.position = survivor, role, last_position[role]
        row._change_reason = reason
        row.save()
        present.add(row.actor_id)
        filled.add(role)
