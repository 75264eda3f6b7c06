"""Writes on events: create, update with optimistic locking, review, publish, retract, delete.

The admin, the API and the importers all go through these functions; who may call each, and
what it derives, is decided by events.rules. `by` is the person acting; `by=None` is a system
write (a command, the seed), to which the state rules still apply (a retracted event stays
frozen). Publishing, retracting and deleting always need a person allowed to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.models import registered_models
from simple_history.utils import bulk_update_with_history

from core.exceptions import StaleVersionError
from core.vocab import ActorRole, RetractionReason, Status
from events import rules
from events.duplicates import duplicates_check
from events.models import CLEAN_EXCLUDE, Citation, Event, EventActor, EventIdCounter, Tombstone
from events.rules import Action


def _check(by, action: Action, obj=None, *, model=Event, **kwargs: Any) -> None:
    """A person's write is checked in full; a system write (by=None) against the state rules only.
    `model`: the event's own (default), or a part hanging off `event=` (a citation, an actor's part)."""
    if by is None:
        rules.check_state(action, obj, model=model, **kwargs)
    else:
        rules.check(by, action, obj, model=model, **kwargs)


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


def event_assign_id(*, event: Event) -> None:
    """Give a new event the next id of its country (imported ACLED ids are kept)."""
    if not event.event_id:
        event.event_id = event_id_next(prefix=rules.event_id_prefix(event.place.country_code))


def event_sync_interaction(*, event: Event) -> None:
    """Re-derive `interaction` from the inter codes of the event's actor1 and actor2."""
    inters = dict(
        EventActor.objects.filter(event=event, role__in=[ActorRole.ACTOR1, ActorRole.ACTOR2]).values_list(
            "role", "inter"
        )
    )
    interaction = rules.event_interaction(inters.get(ActorRole.ACTOR1), inters.get(ActorRole.ACTOR2))
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
    change_reason: str = "",
    **fields: Any,
) -> Event:
    """Create a draft event with a fresh event_id; `actors` is a list of (Actor, role[, inter])."""
    _check(by, Action.ADD)
    with transaction.atomic():
        event = Event(**fields)
        event.created_by = event.updated_by = by
        event._change_reason = change_reason.strip() or None
        event.full_clean(exclude=CLEAN_EXCLUDE)
        event_assign_id(event=event)
        event.save()
        _version_marked(event)
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


def _mark_version(*, event: Event, by, change_reason: str, redaction: bool) -> None:
    """Carry the change reason (and the redaction mark, reviewers only) into the next history row."""
    if redaction:
        if by is not None:
            rules.check(by, Action.REDACT, event)
        if not change_reason.strip():
            raise ValidationError({"change_reason": "Say why: a redaction needs a change reason."})
    event._change_reason = change_reason.strip() or None
    event._history_redaction = redaction


def _version_marked(event: Event) -> None:
    """After the save: the redaction mark onto its history row; nothing carried to the next save."""
    if getattr(event, "_history_redaction", False):
        Event.history.filter(id=event.pk, version=event.version).update(history_redaction=True)
    event._history_redaction = False
    event._change_reason = None


def event_save(
    *, event: Event, expected_version: int, by=None, change_reason: str = "", redaction: bool = False
) -> Event:
    """Save a curator's changes to an existing event, refusing a stale copy (optimistic lock).

    `change_reason` goes into the version's history row; `redaction` (reviewers) marks the change
    as one whose replaced values only staff may see again (events.history).
    """
    with transaction.atomic():
        event_lock(event=event, expected_version=expected_version)
        _check(by, Action.CHANGE, event)
        _mark_version(event=event, by=by, change_reason=change_reason, redaction=redaction)
        event.full_clean(exclude=CLEAN_EXCLUDE)
        event.version = expected_version + 1
        event.updated_by = by
        event.save()
        _version_marked(event)
        event_sync_interaction(event=event)
    return event


def event_new_version(*, event: Event, by=None, change_reason: str = "") -> Event:
    """Give an event a new version because something hanging off it (a citation, an actor's part)
    is about to change outside the event's own form; call it before that change, in its transaction,
    so the change belongs to this version in the history (events.history)."""
    with transaction.atomic():
        current = Event.objects.select_for_update().filter(pk=event.pk).values_list("version", flat=True)
        event.version = current.get() + 1
        event.updated_by = by
        event._change_reason = change_reason.strip() or None
        event.save()
        _version_marked(event)
    return event


def events_new_versions(
    *, events: list[Event], by=None, change_reason: str, fields: Iterable[str] = ()
) -> None:
    """Give many events a new version at once (a merge re-points their actors or places), with one
    history row each; `fields`: what the caller changed on them besides. Lock them first
    (select_for_update) and call this before their parts change, as event_new_version."""
    now = timezone.now()
    for event in events:
        event.version += 1
        event.updated_at, event.updated_by = now, by
    bulk_update_with_history(
        events,
        Event,
        [*fields, "version", "updated_at", "updated_by"],
        default_user=by,
        default_change_reason=change_reason,
    )


def citation_save(*, citation: Citation, by=None, change_reason: str = "") -> Citation:
    """Save a citation from its own screen: the event it leaves and the one it joins get a new
    version first (moving it is a change of both)."""
    with transaction.atomic():
        previous = Citation.objects.filter(pk=citation.pk).values_list("event_id", flat=True).first()
        for event_pk in dict.fromkeys(pk for pk in (previous, citation.event_id) if pk is not None):
            event = citation.event if event_pk == citation.event_id else Event.objects.get(pk=event_pk)
            _check(by, Action.CHANGE, model=Citation, event=event)
            event_new_version(event=event, by=by, change_reason=change_reason)
        citation.full_clean()
        citation.save()
    return citation


def citation_delete(*, citation: Citation, by=None) -> None:
    """Delete a citation from its own screen; its event gets a new version first."""
    _check(by, Action.DELETE, model=Citation, event=citation.event)
    with transaction.atomic():
        event_new_version(event=citation.event, by=by)
        citation.delete()


def event_update(
    *,
    event: Event,
    data: dict[str, Any],
    expected_version: int,
    by=None,
    actors: Iterable[tuple] | None = None,
    citations: Iterable[dict[str, Any]] | None = None,
    change_reason: str = "",
    redaction: bool = False,
) -> Event:
    """Apply field changes to an event (the API's path); see event_save.

    `actors` and `citations`, when given, replace the event's (see event_set_actors), after the new
    version is saved: their history rows then belong to it.
    """
    with transaction.atomic():
        for name, value in data.items():
            setattr(event, name, value)
        event_save(
            event=event,
            expected_version=expected_version,
            by=by,
            change_reason=change_reason,
            redaction=redaction,
        )
        for part, given in ((EventActor, actors), (Citation, citations)):
            if given is not None and by is not None:
                rules.check(by, Action.CHANGE, model=part, event=event)
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


def event_parts(event: Event) -> dict[str, Any]:
    """What the completeness rules read of an event (rules.missing_parts): its actors' roles and
    its number of citations, from prefetched rows when the caller has them, else two queries."""
    cache = getattr(event, "_prefetched_objects_cache", {})
    if "event_actors" in cache:
        roles = [row.role for row in cache["event_actors"]]
    else:
        roles = list(EventActor.objects.filter(event=event).values_list("role", flat=True))
    if "citations" in cache:
        citations = len(cache["citations"])
    else:
        citations = Citation.objects.filter(event=event).count()
    return {"actor_roles": roles, "citations": citations}


def _check_complete(action: Action, event: Event) -> None:
    rules.check_complete(action, event.event_id, **event_parts(event))


def event_mark_reviewed(*, event: Event, by, confirm_not_duplicate: bool = False) -> Event:
    """A curator's draft is ready for a reviewer: it has actor 1, and its likely duplicates are
    settled (events.duplicates.duplicates_check)."""
    _check(by, Action.MARK_REVIEWED, event)
    _check_complete(Action.MARK_REVIEWED, event)
    duplicates_check(event=event, by=by, confirm_not_duplicate=confirm_not_duplicate)
    return _set_status(event=event, status=Status.REVIEWED, by=by)


def event_publish(*, event: Event, by, confirm_not_duplicate: bool = False) -> Event:
    """Make an event public; only reviewers may, only with actor 1 and at least one citation, and
    once its likely duplicates are merged or confirmed distinct (events.duplicates.duplicates_check)."""
    rules.check(by, Action.PUBLISH, event)
    if event.status == Status.PUBLISHED:
        return event
    _check_complete(Action.PUBLISH, event)
    duplicates_check(event=event, by=by, confirm_not_duplicate=confirm_not_duplicate)
    return _set_status(event=event, status=Status.PUBLISHED, by=by)


def event_back_to_draft(*, event: Event, by) -> Event:
    """Send a reviewed event back to its curator as a draft (curators and reviewers may).

    A published event does not go back to draft: it leaves public view only by retraction, which
    leaves a tombstone for mirrors (rules.state_refusal).
    """
    rules.check(by, Action.BACK_TO_DRAFT, event)
    return _set_status(event=event, status=Status.DRAFT, by=by)


def event_retract(*, event: Event, by, reason: str = RetractionReason.ERROR) -> Event:
    """Withdraw an event from public view, leaving a tombstone for mirrors."""
    rules.check(by, Action.RETRACT, event)
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
    rules.check(by, Action.DELETE, event)
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


def history_fill_missing(*, reason: str, when=None, batch_size: int = 1000) -> dict[str, int]:
    """Give every tracked object that has no history row a creation row, in bulk; returns the
    count per model. Rows loaded with `loaddata` (the seed) are saved raw, which
    django-simple-history does not record. Idempotent: objects with any history are left alone.

    Like simple-history's `populate_history`, but per object rather than per empty table, so a
    database that already has a history gets rows only for what lacks one. One date for all, so
    an event's actors and citations belong to its first version (events.history).
    """
    when = when or timezone.now()
    written: dict[str, int] = {}
    with transaction.atomic():
        for model in registered_models.values():
            history = model.history
            pk = model._meta.pk.attname
            missing = model._default_manager.exclude(**{f"{pk}__in": history.values(pk)}).order_by(pk)
            count = 0
            # Each batch written drops out of `missing`: the next slice is the next batch.
            while objs := list(missing[:batch_size]):
                history.bulk_history_create(objs, default_change_reason=reason, default_date=when)
                count += len(objs)
            if count:
                written[model._meta.label] = count
    return written
