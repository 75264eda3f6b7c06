"""Writes on places: merging duplicates (events and sub-places re-pointed, the name kept as an alias)."""

from __future__ import annotations

from core.merging import merge_into, merged_aliases
from events.models import Event
from events.services import events_new_versions
from places.models import KIND_RANK, Place


def place_merge_problems(*, survivor: Place, other: Place) -> list[str]:
    """Why merging `other` into `survivor` would break a rule; empty when it may go ahead."""
    if survivor.pk == other.pk:
        return ["A place cannot be merged into itself."]
    if survivor.path.startswith(other.path) or other.path.startswith(survivor.path):
        upper, lower = (other, survivor) if survivor.path.startswith(other.path) else (survivor, other)
        return [f"{lower} lies under {upper}; a place cannot be merged with one above or below it."]
    problems = []
    kept = {(name, kind) for name, kind in survivor.children.values_list("name", "kind")}
    for child in other.children.order_by("name"):
        if (child.name, child.kind) in kept:
            problems.append(
                f"{survivor} already has a {child.get_kind_display().lower()} named {child.name}, as "
                f"{other} does (place #{child.pk}): merge those two first."
            )
        elif KIND_RANK[child.kind] <= KIND_RANK[survivor.kind]:
            problems.append(
                f"{child.name} ({child.get_kind_display()}) cannot sit under {survivor} "
                f"({survivor.get_kind_display()})."
            )
    return problems


def place_merge(*, survivor: Place, others: list[Place], by=None) -> Place:
    """Merge each of `others` into `survivor` in one transaction: events and sub-places re-pointed
    (events get a new version, so mirrors pull them again), names kept as aliases, history rows
    written; refused (nothing written) with the reasons when a merge would break a rule."""
    return merge_into(survivor, others, problems=place_merge_problems, merge_one=_merge_one, by=by)


def _merge_one(survivor: Place, other: Place, by) -> None:
    reason = f"Merged place {other} into {survivor}"
    events = list(Event.objects.select_for_update().filter(place=other))
    for event in events:
        event.place = survivor
    events_new_versions(events=events, by=by, change_reason=reason, fields=["place"])
    for child in other.children.all():
        child.parent = survivor
        child._history_user, child._change_reason = by, reason
        child.save()
    survivor.aliases = merged_aliases(survivor.alias_list, [other.name, *other.alias_list], survivor.name)
    survivor._history_user, survivor._change_reason = by, reason
    survivor.save()
    other.refresh_from_db()
    other._history_user, other._change_reason = by, reason
    other.delete()
