"""Admin forms for events: the optimistic lock, grouped sub-event types, actor-role checks."""

import json

from django import forms
from django.db.models import CharField, URLField, Value
from django.db.models.functions import Cast, Concat

from core.exceptions import StaleVersionError
from core.vocab import EVENT_TAXONOMY, ActorRole, RetractionReason, SourceScale, SubEventType
from events import rules
from events.history import CHANGE_REASON_LENGTH
from events.models import CODED_FIELDS, Citation, Event, EventActor
from events.rules import Action
from events.services import event_lock

# The sub-event types grouped under their event type, so the select reads like the codebook.
SUB_EVENT_TYPE_CHOICES = [
    ("", "---------"),
    *[
        (event_type, [(sub, SubEventType(sub).label) for sub in sub_types])
        for event_type, sub_types in EVENT_TAXONOMY.items()
    ],
]


# event type -> its sub-event types, for the form's script (events/static/events/event_form.js),
# which shows only the chosen type's; the server still refuses a pair that does not belong.
SUB_EVENT_TYPES_BY_TYPE = json.dumps(
    {
        event_type: [[sub, SubEventType(sub).label] for sub in subs]
        for event_type, subs in EVENT_TAXONOMY.items()
    }
)
SOURCE_SCALE_CHOICES = [("", "---------"), *SourceScale.choices]


class EventAdminForm(forms.ModelForm):
    """The event form; carries the version the curator loaded and refuses a stale save."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        help_text="The version of the event this form was loaded from.",
    )
    # ACLED's source scale values; the column stays free text (imports keep what the file says),
    # so a stored value outside the list is offered too rather than lost on the next save.
    source_scale = forms.ChoiceField(choices=SOURCE_SCALE_CHOICES, required=False)
    change_reason = forms.CharField(
        required=False,
        max_length=CHANGE_REASON_LENGTH,
        help_text="Why you made this change; shown in the event's history.",
    )
    redaction = forms.BooleanField(
        required=False,
        label="Mark as a redaction",
        help_text="This change removes content that must not stay public: the history then shows the "
        "values it replaced to staff only. Give the reason above.",
    )
    rules_user = None  # the person saving, set by the admin (events.admin_base.RulesAdminMixin)

    class Meta:
        model = Event
        # A person codes what a file does, except the pre-2019 type only an import sets.
        fields = [name for name in CODED_FIELDS if name != "legacy_event_type"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if "sub_event_type" in self.fields:
            self.fields["sub_event_type"].choices = SUB_EVENT_TYPE_CHOICES
        if "event_type" in self.fields:  # a data attribute: the CSP allows no inline script
            self.fields["event_type"].widget.attrs["data-sub-event-types"] = SUB_EVENT_TYPES_BY_TYPE
        stored = self.instance.source_scale
        if "source_scale" in self.fields and stored and stored not in SourceScale.values:
            self.fields["source_scale"].choices = [
                *SOURCE_SCALE_CHOICES,
                (stored, f"{stored} (not in ACLED's list)"),
            ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk:
            self._lock_and_check_version(cleaned.get("expected_version"))
        if cleaned.get("redaction"):
            refused = rules.refusal(self.rules_user, Action.REDACT, self.instance)
            if refused:
                self.add_error("redaction", refused)
            elif not (cleaned.get("change_reason") or "").strip():
                self.add_error("change_reason", "Say why: a redaction needs a change reason.")
        return cleaned

    def _lock_and_check_version(self, expected: int | None) -> None:
        """Lock the row until the admin's transaction ends; refuse a copy someone else changed."""
        if expected is None:
            raise forms.ValidationError(
                "This form is missing the version of the event it was loaded from; reload the page.",
                code="missing_version",
            )
        try:
            event_lock(event=self.instance, expected_version=expected)
        except StaleVersionError as error:
            raise forms.ValidationError(str(error), code="stale") from error
        except Event.DoesNotExist as error:
            raise forms.ValidationError(
                f"Event {self.instance.event_id} was deleted while you were editing it.", code="deleted"
            ) from error


def https_url_fields(db_field, **kwargs):
    """Model form fields with links typed without a scheme taken as https (Django 6's default)."""
    if isinstance(db_field, URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class CitationAdminForm(forms.ModelForm):
    """A citation on its own screen: adding it to an event, or moving it onto another, is a change
    of that event, which the rules may refuse (a curator and a published event)."""

    rules_user = None  # the person saving, set by the admin (events.admin_base.RulesAdminMixin)

    class Meta:
        model = Citation
        formfield_callback = https_url_fields
        fields = [
            "event",
            "source",
            "field",
            "quote",
            "url",
            "archive_url",
            "published_on",
            "accessed_on",
            "reported_fatalities",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        event = cleaned.get("event")
        if event is not None:
            action = Action.CHANGE if self.instance.pk else Action.ADD
            reason = rules.refusal(self.rules_user, action, self.instance, event=event)
            if reason:
                self.add_error("event", reason)
        return cleaned


class EventActorInlineFormSet(forms.BaseInlineFormSet):
    """Actor rows: one actor 1 and one actor 2 at most, and swaps between rows saved safely.

    The blank rows offer the roles the event does not have yet, actor 1 then actor 2 (a row
    left without an actor is unchanged and saves nothing).
    """

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None or index < self.initial_form_count():
            return kwargs
        # The stored rows (not self.initial_forms: the forms are being built from these kwargs).
        taken = {row.role for row in self.get_queryset()} if self.instance.pk else set()
        free = [role for role in (ActorRole.ACTOR1, ActorRole.ACTOR2) if role not in taken]
        position = index - self.initial_form_count()
        if position < len(free):
            kwargs["initial"] = {**kwargs.get("initial", {}), "role": free[position]}
        return kwargs

    def clean(self) -> None:
        super().clean()
        seen: dict[str, int] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            role = data.get("role")
            if role in (ActorRole.ACTOR1, ActorRole.ACTOR2):
                seen[role] = seen.get(role, 0) + 1
                if seen[role] > 1:
                    form.add_error(
                        "role",
                        f"An event has at most one “{ActorRole(role).label}”; "
                        "make the others associated actors.",
                    )

    def save_existing_objects(self, commit=True):
        # Rows are saved one by one: park the ones that change or go under a placeholder role first,
        # so that swapping actor 1 and actor 2 never meets the unique indexes halfway through.
        if commit:
            moving = [
                form.instance.pk
                for form in self.initial_forms
                if form.instance.pk
                and (self._should_delete_form(form) or {"role", "actor"} & set(form.changed_data))
            ]
            placeholder = Concat(Value("~"), Cast("pk", output_field=CharField()))
            EventActor.objects.filter(pk__in=moving).update(role=placeholder)
        return super().save_existing_objects(commit)


class RetractForm(forms.Form):
    """The reason category published in the tombstone feed when events are retracted."""

    reason = forms.ChoiceField(
        choices=RetractionReason.choices,
        initial=RetractionReason.ERROR,
        help_text="Published in the tombstone feed; the event's content is not.",
    )
