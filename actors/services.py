"""Writes on actors: merging duplicates (every reference re-pointed, the name kept as an alias)."""

from __future__ import annotations

from django.db.models import Q
from simple_history.utils import bulk_update_with_history

from actors.models import Actor, ActorRelation
from core.merging import merge_into, merged_aliases
from events.models import Event, EventActor
from events.services import events_new_versions

SHOWN = 10  # events or relations named in a refusal


def _listed(items: list[str], total: int) -> str:
    more = f" and {total - len(items)} more" if total > len(items) else ""
    return ", ".join(items) + more


def actor_merge_problems(*, survivor: Actor, other: Actor) -> list[str]:
    """Why merging `other` into `survivor` would break a rule; empty when it may go ahead."""
    if survivor.pk == other.pk:
        return ["An actor cannot be merged into itself."]
    problems = []
    both = (
        EventActor.objects.filter(actor=survivor, event__event_actors__actor=other)
        .order_by("event__event_id")
        .values_list("event__event_id", flat=True)
        .distinct()
    )
    shared = list(both[: SHOWN + 1])
    if shared:
        total = both.count() if len(shared) > SHOWN else len(shared)
        problems.append(
            f"{other.name} and {survivor.name} both take part in {_listed(shared[:SHOWN], total)}: after the "
            "merge one actor would hold two roles there (or two actor 1s). Recode those events first."
        )
    related = ActorRelation.objects.filter(
        Q(subject=survivor, object=other) | Q(subject=other, object=survivor)
    ).select_related("subject", "object")
    for relation in related:
        problems.append(f"“{relation}” would relate {survivor.name} to itself; delete that relation first.")
    if survivor.parent_id == other.pk or other.parent_id == survivor.pk:
        unit, force = (survivor, other) if survivor.parent_id == other.pk else (other, survivor)
        problems.append(
            f"{unit.name} is recorded as a unit of {force.name}: after the merge it would be a unit of "
            "itself. Clear that parent first."
        )
    return problems


def actor_merge(*, survivor: Actor, others: list[Actor], by=None) -> Actor:
    """Merge each of `others` into `survivor` in one transaction: event roles, relations and units
    re-pointed, names kept as aliases, history rows written; refused (nothing written) with the
    reasons when a merge would break a rule."""
    return merge_into(survivor, others, problems=actor_merge_problems, merge_one=_merge_one, by=by)


def _merge_one(survivor: Actor, other: Actor, by) -> None:
    reason = f"Merged actor {other.name} into {survivor.name}"
    roles = list(EventActor.objects.filter(actor=other))
    # Each event concerned gets a new version (mirrors pull it again) before its actor rows change,
    # so the change belongs to that version in the event's history (events.history).
    events = list(Event.objects.select_for_update().filter(pk__in={row.event_id for row in roles}))
    events_new_versions(events=events, by=by, change_reason=reason)
    for row in roles:
        row.actor = survivor
    bulk_update_with_history(roles, EventActor, ["actor"], default_user=by, default_change_reason=reason)
    for relation in ActorRelation.objects.filter(Q(subject=other) | Q(object=other)):
        if relation.subject_id == other.pk:
            relation.subject = survivor
        if relation.object_id == other.pk:
            relation.object = survivor
        duplicate = ActorRelation.objects.filter(
            subject=relation.subject, object=relation.object, kind=relation.kind
        ).exclude(pk=relation.pk)
        relation._history_user = by
        relation._change_reason = reason
        if duplicate.exists():
            relation.delete()  # the survivor already records the same relation
        else:
            relation.save()
    for unit in Actor.objects.filter(parent=other):
        unit.parent = survivor
        unit._history_user, unit._change_reason = by, reason
        unit.save()
    survivor.aliases = merged_aliases(survivor.alias_list, [other.name, *other.alias_list], survivor.name)
    survivor._history_user, survivor._change_reason = by, reason
    survivor.save()
    other._history_user, other._change_reason = by, reason
    other.delete()
