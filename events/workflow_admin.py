"""The workflow on an event's admin page: Mark reviewed, Publish, Retract… and Back to draft.

Each step is a POST to a URL under the event (`<pk>/publish/`, …) that calls its service; which
buttons a person sees, and what the event still lacks, are events.rules' answers. A step refused
because the event may duplicate others shows them and asks to confirm "not a duplicate" (stored as
a DuplicateDecision by the service, and not asked again); Retract… asks for the reason first.

EventAdmin mounts these views (workflow_urls) and puts `workflow_panel` into its change page
(templates/admin/events/event/change_form.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.vocab import Status
from events import rules
from events.duplicates import PossibleDuplicates
from events.forms import RetractForm
from events.models import Event
from events.rules import Action
from events.services import (
    event_back_to_draft,
    event_mark_reviewed,
    event_parts,
    event_publish,
    event_retract,
)


@dataclass(frozen=True)
class Step:
    """One workflow button: its URL segment, the rules' action, its label and what it reports."""

    name: str  # the URL's last segment
    action: Action
    target: Status  # where it takes the event: not offered to an event already there
    label: str
    done: str
    purpose: str  # "mark it reviewed": the missing parts are named "To {purpose}, add …"


STEPS = (
    Step(
        "mark_reviewed",
        Action.MARK_REVIEWED,
        Status.REVIEWED,
        "Mark reviewed",
        "marked reviewed",
        "mark it reviewed",
    ),
    Step("publish", Action.PUBLISH, Status.PUBLISHED, "Publish", "published", "publish it"),
    Step("retract", Action.RETRACT, Status.RETRACTED, "Retract…", "retracted", "retract it"),
    Step(
        "back_to_draft",
        Action.BACK_TO_DRAFT,
        Status.DRAFT,
        "Back to draft",
        "sent back to draft",
        "redraft it",
    ),
)
BY_NAME = {step.name: step for step in STEPS}


def _change_url(event: Event) -> str:
    return reverse("admin:events_event_change", args=[event.pk])


def step_url(event: Event, step: Step) -> str:
    return reverse(f"admin:events_event_{step.name}", args=[event.pk])


def workflow_panel(request: HttpRequest, event: Event) -> dict | None:
    """What the event page's workflow panel shows this person: the steps they may take, what the
    event lacks for each (those buttons are disabled), and why the page is read-only if it is."""
    if event is None or event.pk is None:
        return None
    user = request.user
    parts = event_parts(event)
    steps = []
    for step in STEPS:
        if event.status == step.target or not rules.may(user, step.action, event):
            continue
        missing = rules.missing_parts(step.action, **parts)
        steps.append({"step": step, "url": step_url(event, step), "missing": missing})
    # What the next steps need, shown even to those who cannot take them (a curator sees what a
    # reviewer will need to publish).
    needs = []
    if event.status in (Status.DRAFT, Status.REVIEWED):
        for step in (BY_NAME["mark_reviewed"], BY_NAME["publish"]):
            if step.action == Action.MARK_REVIEWED and event.status != Status.DRAFT:
                continue
            missing = rules.missing_parts(step.action, **parts)
            if missing:
                needs.append({"step": step, "missing": missing})
    read_only = None
    if not rules.may(user, Action.CHANGE, event):
        read_only = rules.refusal(user, Action.CHANGE, event)
    return {"steps": steps, "needs": needs, "read_only": read_only, "status": event.get_status_display()}


def _retract_page(model_admin, request, event: Event, form: RetractForm, status: int = 200) -> HttpResponse:
    """The retract confirmation the list action uses, for this one event."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Retract {event.event_id}",
        "subtitle": None,
        "opts": Event._meta,
        "form": form,
        "events": [event],
        "form_url": step_url(event, BY_NAME["retract"]),
        "cancel_url": _change_url(event),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/events/event/retract_selected.html", context, status=status)


def _duplicates_page(
    model_admin, request, event: Event, step: Step, error: PossibleDuplicates
) -> HttpResponse:
    """Marking reviewed or publishing an event that may duplicate others: list them, ask to confirm."""
    merge = reverse("admin:events_event_duplicates_merge")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Is {event.event_id} a duplicate?",
        "subtitle": None,
        "opts": Event._meta,
        "event": event,
        "step": step,
        "form_url": step_url(event, step),
        "cancel_url": _change_url(event),
        "candidates": [
            {
                "candidate": candidate,
                "url": reverse("admin:events_event_change", args=[candidate.pk]),
                "merge_url": f"{merge}?pair={event.pk},{candidate.pk}",
            }
            for candidate in error.candidates
        ],
        "can_merge": rules.may_merge_events(request.user, event),
    }
    return TemplateResponse(request, "admin/events/event/workflow_duplicates.html", context)


def step_view(model_admin, request: HttpRequest, object_id: str, step: Step) -> HttpResponse:
    """GET: Retract… asks for the reason (the other steps are POST only); POST: take the step."""
    event = model_admin.get_object(request, unquote(object_id))
    if event is None:
        return model_admin._get_obj_does_not_exist_redirect(request, Event._meta, object_id)
    if not model_admin.has_view_permission(request, event):
        raise PermissionDenied
    if request.method != "POST":
        if step.name == "retract":
            denied = rules.permission_refusal(request.user, Action.RETRACT, event)
            if denied:
                raise PermissionDenied(denied)
            return _retract_page(model_admin, request, event, RetractForm())
        return HttpResponseNotAllowed(["POST"])
    user = request.user
    confirmed = request.POST.get("confirm_not_duplicate") == "1"
    try:
        if step.action == Action.RETRACT:
            form = RetractForm(request.POST)
            if not form.is_valid():
                return _retract_page(model_admin, request, event, form, status=400)
            event_retract(event=event, by=user, reason=form.cleaned_data["reason"])
        elif step.action == Action.PUBLISH:
            event_publish(event=event, by=user, confirm_not_duplicate=confirmed)
        elif step.action == Action.MARK_REVIEWED:
            event_mark_reviewed(event=event, by=user, confirm_not_duplicate=confirmed)
        else:
            event_back_to_draft(event=event, by=user)
    except PossibleDuplicates as error:
        return _duplicates_page(model_admin, request, event, step, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_change_url(event))
    messages.success(request, f"{event.event_id} {step.done}.")
    return HttpResponseRedirect(_change_url(event))


def workflow_urls(model_admin) -> list:
    """One URL per step under the event, mounted by EventAdmin.get_urls before its own."""
    site = model_admin.admin_site

    def view_for(step: Step):
        return site.admin_view(lambda request, object_id: step_view(model_admin, request, object_id, step))

    return [
        path(f"<path:object_id>/{step.name}/", view_for(step), name=f"events_event_{step.name}")
        for step in STEPS
    ]
