"""The event rules: who may do what to an event and to what hangs off it, and what is derived.

Every surface asks here and nowhere else: the admin (add, change, delete and history views of
every model, inlines, actions), django-import-export resources, the API's permissions and the
services. Importers call the derivations, row by row, without queries.

Two kinds of "no":

- a *permission* refusal (PermissionDenied, 403): this user may not (no role that allows it, or a
  published event's content, which only reviewers change);
- a *state* refusal (ValidationError, 400): nobody may, in this state (a retracted event is
  frozen; only drafts are marked reviewed; only reviewed events go back to draft; earlier
  versions are never written back), or the event is not complete enough for the step: actor 1
  to mark it reviewed or publish it, and a citation to publish it (`check_complete`, which every
  surface reaches through the services, and the importers per row).

The roles (events/roles.py): Viewers read; Curators add, change and delete drafts and reference
data; Reviewers also publish, retract, change published events and delete public ones (leaving a
tombstone); superusers hold every permission. An event's actors' parts (EventActor) and its
citations change exactly when the event may: adding a citation to an event, or moving one onto
it, is a change of that event.

Nothing here queries the database (user.has_perm reads the user's cached permissions), so
admin lists and API pages keep their query counts.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from core.vocab import ActorRole, Status, TimePrecision, disorder_type_for, interaction_for

NO_COUNTRY = "XXX"  # event_id prefix for places with no country (international waters, …)
PUBLIC_STATUSES = (Status.PUBLISHED, Status.RETRACTED)
EVENT = "events.event"
EVENT_PARTS = ("events.eventactor", "events.citation")  # rows that belong to one event


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    MARK_REVIEWED = "mark_reviewed"
    PUBLISH = "publish"
    RETRACT = "retract"
    BACK_TO_DRAFT = "back_to_draft"  # a reviewed event returns to its curator
    REVERT = "revert"  # write an earlier version back: never offered (history is read-only)
    REDACT = "redact"  # mark a change as a redaction: the values it replaced are shown to staff only


REVIEWER_PERMISSION = "events.publish_event"  # changes published events, marks redactions
# The permission each action needs on top of the rules below; add/change/delete/view are the
# model's own (events.change_citation, places.add_place, …).
WORKFLOW_PERMISSIONS = {
    Action.PUBLISH: "events.publish_event",
    Action.RETRACT: "events.retract_event",
    Action.MARK_REVIEWED: "events.change_event",
    Action.REDACT: REVIEWER_PERMISSION,
    Action.BACK_TO_DRAFT: "events.change_event",
}
PUBLIC_DELETE_PERMISSION = "events.retract_event"  # deletes published or retracted events


def is_frozen(status: str) -> bool:
    """A retracted event is frozen: nobody, no import included, changes it or its parts."""
    return status == Status.RETRACTED


def _label(model) -> str:
    return model._meta.label_lower


def _events_concerned(obj, model, event) -> list:
    """The events an action on this row touches: the event itself, or a part's event(s)."""
    label = _label(model)
    if label == EVENT:
        return [obj] if obj is not None else []
    if label not in EVENT_PARTS:
        return []
    events = []
    if obj is not None and obj.pk is not None and obj.event_id is not None:
        events.append(obj.event)  # where it hangs now
    if event is not None and all(event.pk != known.pk for known in events):
        events.append(event)  # where it is being added or moved to
    return events


def permission_refusal(user, action: Action, obj=None, *, model=None, event=None) -> str | None:
    """Why `user` may not `action` this row (or, with no row, rows of `model`); None if they may.

    `event` is the event a part (citation, event actor) is being added to or moved onto.
    """
    model = model if model is not None else type(obj)
    if action == Action.REVERT:
        return None  # nobody may: see state_refusal
    if user is None or not user.is_authenticated or not user.is_active:
        return "Sign in to make changes."
    opts = model._meta
    permission = WORKFLOW_PERMISSIONS.get(action) or f"{opts.app_label}.{action}_{opts.model_name}"
    if not user.has_perm(permission):
        if action in (Action.PUBLISH, Action.RETRACT):
            return f"Only reviewers can {action} events."
        if action == Action.REDACT:
            return "Only reviewers can mark a change as a redaction."
        return f"Your role does not allow you to {action} {opts.verbose_name_plural}."
    for concerned in _events_concerned(obj, model, event):
        if concerned.status not in PUBLIC_STATUSES:
            continue
        if _label(model) == EVENT and action == Action.DELETE:
            if not user.has_perm(PUBLIC_DELETE_PERMISSION):
                return "Only reviewers can delete published or retracted events."
        elif action != Action.VIEW and not user.has_perm(REVIEWER_PERMISSION):
            if _label(model) == EVENT:
                return (
                    f"{concerned.event_id} is {concerned.status}: only reviewers can change it "
                    "(or an admin); ask one to correct or retract it."
                )
            return (
                f"{concerned.event_id} is {concerned.status}: only reviewers change "
                "the actors and citations of published events."
            )
    return None


def state_refusal(action: Action, obj=None, *, model=None, event=None) -> str | None:
    """Why nobody may `action` this row in its event's present state; None if the state allows it."""
    model = model if model is not None else type(obj)
    if action == Action.REVERT:
        return "Earlier versions are read-only; copy what you need into the change form."
    for concerned in _events_concerned(obj, model, event):
        is_event = _label(model) == EVENT
        if action == Action.MARK_REVIEWED and concerned.status != Status.DRAFT:
            return f"Only drafts can be marked reviewed; {concerned.event_id} is {concerned.status}."
        if action == Action.BACK_TO_DRAFT and concerned.status != Status.REVIEWED:
            if concerned.status == Status.PUBLISHED:
                return (
                    f"{concerned.event_id} is published: it leaves public view only by retraction, "
                    "which leaves a tombstone for mirrors; reviewers correct it in place."
                )
            return f"Only reviewed events go back to draft; {concerned.event_id} is {concerned.status}."
        if is_frozen(concerned.status) and (
            action in (Action.CHANGE, Action.PUBLISH) or (not is_event and action != Action.VIEW)
        ):
            if action == Action.PUBLISH:
                return f"{concerned.event_id} was retracted and cannot be published again."
            return f"{concerned.event_id} was retracted: it and its actors and citations cannot be changed."
    return None


def refusal(user, action: Action, obj=None, *, model=None, event=None) -> str | None:
    """The first reason `user` may not do this (permission, then state); None if they may."""
    return permission_refusal(user, action, obj, model=model, event=event) or state_refusal(
        action, obj, model=model, event=event
    )


def may(user, action: Action, obj=None, *, model=None, event=None) -> bool:
    """Whether `user` may `action` this row (or rows of `model`, or a part onto `event`)."""
    return refusal(user, action, obj, model=model, event=event) is None


# --- completeness -------------------------------------------------------------------------------

# What an event must have before each step, by name (the names refusals and row errors use).
ACTOR1, CITATION = "actor 1", "a citation"
REQUIRED_PARTS = {Action.MARK_REVIEWED: (ACTOR1,), Action.PUBLISH: (ACTOR1, CITATION)}


def missing_parts(action: Action, *, actor_roles: Iterable[str], citations: int) -> list[str]:
    """What the event lacks for this step ("actor 1", "a citation"), given its actors' roles and
    its number of citations; the caller reads them (prefetched, or one query in a service)."""
    has = {ACTOR1: ActorRole.ACTOR1 in set(actor_roles), CITATION: citations > 0}
    return [part for part in REQUIRED_PARTS.get(action, ()) if not has[part]]


def completeness_refusal(
    action: Action, event_id: str, *, actor_roles: Iterable[str], citations: int
) -> str | None:
    """Why this event is not complete enough to be marked reviewed or published; None if it is."""
    missing = missing_parts(action, actor_roles=actor_roles, citations=citations)
    if not missing:
        return None
    step = "marking it reviewed" if action == Action.MARK_REVIEWED else "publishing it"
    them = "it" if len(missing) == 1 else "them"
    return f"{event_id} is missing {' and '.join(missing)}: add {them} before {step}."


def check_complete(action: Action, event_id: str, *, actor_roles: Iterable[str], citations: int) -> None:
    """Raise ValidationError (a state refusal, 400) naming what the event lacks for this step."""
    invalid = completeness_refusal(action, event_id, actor_roles=actor_roles, citations=citations)
    if invalid:
        raise ValidationError(invalid, code="incomplete")


def may_merge_events(user, *events) -> bool:
    """Curators merge drafts and reviewed events; merging a published event takes a reviewer."""
    if user is None or not user.has_perm("events.change_event"):
        return False
    if any(event.status == Status.PUBLISHED for event in events):
        return user.has_perm("events.publish_event")
    return True


# --- imports of ACLED and UCDP files by a person (the admin's file import) ------------------------
# A command's import is a system write (by=None): new events with a citation are published, as
# ACLED and UCDP publish them. A person's import is held to the person's role, row by row.


def import_refusal(user) -> str | None:
    """Why `user` may not import an event file from the admin (adding events: curators and up)."""
    return permission_refusal(user, Action.ADD, model=apps.get_model("events", "Event"))


def import_publishes(user) -> bool:
    """Whether a person's import publishes the new events it creates (reviewers); a curator's
    are drafts, to be reviewed and published like the events a curator codes by hand."""
    return user is not None and user.has_perm(WORKFLOW_PERMISSIONS[Action.PUBLISH])


def import_change_refusal(user, *, event_id: str, status: str) -> str | None:
    """Why `user`'s import may not change the stored event `event_id` (a published event, for a
    curator), asked per row without a query; None if it may."""
    stored = SimpleNamespace(pk=None, event_id=event_id, status=status)
    return permission_refusal(user, Action.CHANGE, stored, model=apps.get_model("events", "Event"))


def check(user, action: Action, obj=None, *, model=None, event=None) -> None:
    """Raise PermissionDenied (who) or ValidationError (the state) unless `user` may."""
    denied = permission_refusal(user, action, obj, model=model, event=event)
    if denied:
        raise PermissionDenied(denied)
    invalid = state_refusal(action, obj, model=model, event=event)
    if invalid:
        raise ValidationError(invalid)


def check_state(action: Action, obj=None, *, model=None, event=None) -> None:
    """Raise ValidationError if the event's state forbids this to everyone (system writes included)."""
    invalid = state_refusal(action, obj, model=model, event=event)
    if invalid:
        raise ValidationError(invalid)


# --- what an event derives ----------------------------------------------------------------------

# The derived columns, in the order event_derived returns them (the importers' column order).
DERIVED_FIELDS = ("disorder_type", "interaction", "period_start", "period_end")


def event_id_prefix(country_code: str | None) -> str:
    """The prefix of a new event's id: its country's ISO alpha-3 code (SYR12345), else XXX."""
    return (country_code or NO_COUNTRY).upper()


def event_period(
    event_date: dt.date, time_precision: int, end_date: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The days an event may have happened on, given how precisely its date is known.

    Day precision is the day itself; week precision is the week centred on the date (ACLED
    codes such events to the middle of the week); month precision is the calendar month.
    An explicit end_date extends the period.
    """
    if time_precision == TimePrecision.WEEK:
        start, end = event_date - dt.timedelta(days=3), event_date + dt.timedelta(days=3)
    elif time_precision == TimePrecision.MONTH:
        last = calendar.monthrange(event_date.year, event_date.month)[1]
        start, end = event_date.replace(day=1), event_date.replace(day=last)
    else:
        start = end = event_date
    if end_date and end_date > end:
        end = end_date
    return start, end


def event_interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction from the inter codes actor 1 and actor 2 have in the event."""
    return interaction_for(inter1, inter2)


def event_derived(
    event_type: str,
    sub_event_type: str,
    event_date: dt.date,
    time_precision: int,
    end_date: dt.date | None,
    inter1: int | None,
    inter2: int | None,
) -> tuple:
    """The derived values of a valid event, in DERIVED_FIELDS order (one call per imported row)."""
    return (
        disorder_type_for(event_type, sub_event_type),
        interaction_for(inter1, inter2),
        *event_period(event_date, time_precision, end_date),
    )


def event_derive(event: Any) -> None:
    """Set the derived fields that depend only on the event's own row (Event.save calls this).

    `interaction` depends on the actor rows: the services set it with event_interaction once they
    are saved. `geo_precision` defaults to the place's.
    """
    if event.event_type and (event.sub_event_type or event.legacy_event_type):
        # An invalid pair is refused by Event.clean() and by the CHECK constraint.
        with contextlib.suppress(KeyError):
            event.disorder_type = disorder_type_for(event.event_type, event.sub_event_type)
    if event.event_date:
        event.period_start, event.period_end = event_period(
            event.event_date, event.time_precision, event.end_date
        )
    if event.geo_precision is None and event.place_id:
        event.geo_precision = event.place.geo_precision
