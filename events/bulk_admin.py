"""The event list's "Set a field on selected events…" action, with its confirmation page.

Each selected event goes through a service, so every change is checked by events.rules (a
curator cannot touch a published event, only reviewers publish), bumps the version and leaves a
history row with the change reason; events refused are named in messages, one each.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from core.vocab import Status
from events import rules
from events.forms import SOURCE_SCALE_CHOICES
from events.models import Event
from events.rules import Action
from events.services import event_mark_reviewed, event_publish, event_update

SETTABLE_FIELDS = [("tags", "Tags"), ("source_scale", "Source scale"), ("status", "Status")]
# A status and the workflow service (and rules action) that moves an event there.
STATUS_MOVES = {
    Status.REVIEWED: (Action.MARK_REVIEWED, event_mark_reviewed, "marked reviewed"),
    Status.PUBLISHED: (Action.PUBLISH, event_publish, "published"),
}


class SetFieldForm(forms.Form):
    """Which field to set on the selected events, and to what."""

    field = forms.ChoiceField(choices=SETTABLE_FIELDS, widget=forms.RadioSelect)
    tags = forms.CharField(
        required=False,
        max_length=Event._meta.get_field("tags").max_length,
        help_text="Replaces the events' tags (ACLED separates tags with “; ”); empty clears them.",
    )
    source_scale = forms.ChoiceField(choices=SOURCE_SCALE_CHOICES, required=False)
    status = forms.ChoiceField(choices=[], required=False, help_text="Offered as your role allows.")

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status, Status(status).label)
            for status, (action, _service, _done) in STATUS_MOVES.items()
            if rules.may(user, action, model=Event)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("field") == "status" and not cleaned.get("status"):
            self.add_error("status", "Choose the status to set.")
        return cleaned


@admin.action(description="Set a field on selected events…", permissions=["change"])
def set_field(model_admin, request, queryset):
    form = SetFieldForm(request.POST if "apply" in request.POST else None, user=request.user)
    if not form.is_valid():
        context = {
            **model_admin.admin_site.each_context(request),
            "title": "Set a field on events",
            "subtitle": None,
            "opts": model_admin.model._meta,
            "form": form,
            "events": queryset.order_by("pk"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/events/event/set_field.html", context)
    field = form.cleaned_data["field"]
    if field == "status":
        _action, service, done = STATUS_MOVES[form.cleaned_data["status"]]
        model_admin._apply(request, queryset, lambda event: service(event=event, by=request.user), done)
        return None
    value = form.cleaned_data[field]
    label = dict(SETTABLE_FIELDS)[field].lower()

    def change(event: Event) -> None:
        if getattr(event, field) == value:
            return  # already so: no new version, no history row
        event_update(
            event=event,
            data={field: value},
            expected_version=event.version,
            by=request.user,
            change_reason=f"Bulk edit: {label} set to “{value}”" if value else f"Bulk edit: {label} cleared",
        )

    model_admin._apply(
        request, queryset, change, f"now have {label} “{value}”" if value else f"have no {label}"
    )
    return None
