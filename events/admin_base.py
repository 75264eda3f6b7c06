"""What every Chronicle ModelAdmin shares: permissions from events.rules, read-only history.

Each admin screen is a door. Its add, change and delete permissions, its inlines', its import
screen's and its actions' are answered by events.rules, so a new admin class inherits the rules
instead of restating them. django-simple-history's "history form" shows an earlier version and,
out of the box, saves it back on POST to anyone who may view the object (hiding the Revert
button does not stop the POST): here it only shows, and every write to it is refused.
"""

from __future__ import annotations

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from core.vocab import ActorRole, Status
from events import rules
from events.history import ACTORS, CITATIONS, NOT_SHOWN, event_history, field_changes, tracked_fields
from events.importers.upload import ImportScreenMixin
from events.rules import Action


class RulesAdminMixin:
    """A ModelAdmin whose add, change, delete and import permissions are events.rules'."""

    def has_add_permission(self, request) -> bool:
        return rules.may(request.user, Action.ADD, model=self.model)

    def has_change_permission(self, request, obj=None) -> bool:
        return rules.may(request.user, Action.CHANGE, obj, model=self.model)

    def has_delete_permission(self, request, obj=None) -> bool:
        return rules.may(request.user, Action.DELETE, obj, model=self.model)

    def get_form(self, request, obj=None, **kwargs):
        # The form class is made for this request: forms that check a rule on a value (a citation's
        # event) read the person saving from it.
        form = super().get_form(request, obj, **kwargs)
        form.rules_user = request.user
        return form


class RulesInlineMixin:
    """An inline under the rules. `obj` is the parent being edited (None on the add page); the
    rows of an event (its actors, its citations) change exactly when the rules allow for it."""

    def _event(self, obj):
        return obj if obj is not None and obj._meta.label_lower == rules.EVENT else None

    def has_add_permission(self, request, obj=None) -> bool:
        return rules.may(request.user, Action.ADD, model=self.model, event=self._event(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return rules.may(request.user, Action.CHANGE, model=self.model, event=self._event(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return rules.may(request.user, Action.DELETE, model=self.model, event=self._event(obj))


# What a change of status means, as the history page names it.
STATUS_TRANSITIONS = {
    Status.REVIEWED: "Marked reviewed",
    Status.PUBLISHED: "Published",
    Status.RETRACTED: "Retracted",
    Status.DRAFT: "Back to draft",
}


class HistoryAdmin(RulesAdminMixin, SimpleHistoryAdmin):
    """SimpleHistoryAdmin under the rules, whose history views only show.

    Reverting is not offered (Action.REVERT is refused by the rules): a revert would bypass the
    inlines, the workflow and the optimistic version. A curator who wants an old value copies it
    into the change form, which is an ordinary change.

    The history table lists each version's changes as field: old → new. simple-history's own list
    compares only editable fields (so a status transition showed as an empty "Changed"), prints
    raw ids and choice values, and "None" for a blank reason; here every recorded field is compared
    (events.history.field_changes), shown as the change form would show it.
    """

    object_history_list_template = "admin/history_list.html"

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True) -> None:
        # The page lists the newest first; each version is compared with the one before it.
        records = list(historical_records)
        fields = [name for name in tracked_fields(self.model) if name not in NOT_SHOWN]
        for newer, older in zip(records, records[1:], strict=False):
            newer.history_delta_changes = [
                {
                    "field": _verbose(self.model, name),
                    "old": _shown(self.model, name, old, older),
                    "new": _shown(self.model, name, new, newer),
                }
                for name, old, new in field_changes(newer, older, fields=fields)
            ]
            newer.history_label = _transition(older, newer)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(rules.refusal(request.user, Action.REVERT, model=self.model))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # The version page shows every field as text: no input, nothing to submit.
        adminform = context.get("adminform")
        if adminform is not None:
            context["adminform"] = self._read_only(adminform)
        return super().render_history_view(request, template, context, **kwargs)

    def _read_only(self, adminform: helpers.AdminForm) -> helpers.AdminForm:
        form = adminform.form

        def shown(name: str) -> bool:  # model fields and admin displays; not form-only fields
            if hasattr(self, name):
                return True
            try:
                self.model._meta.get_field(name)
            except FieldDoesNotExist:
                return name not in form.fields
            return True

        fieldsets = []
        for name, options in adminform.fieldsets:
            lines = []
            for line in options.get("fields", ()):
                kept = [field for field in line if shown(field)] if isinstance(line, list | tuple) else line
                if kept and (not isinstance(line, str) or shown(line)):
                    lines.append(kept)
            if lines:  # a fieldset of form-only fields (the change note) has nothing to show
                fieldsets.append((name, {**options, "fields": lines}))
        return helpers.AdminForm(
            form, fieldsets, {}, readonly_fields=flatten_fieldsets(fieldsets), model_admin=self
        )


class EventHistoryAdmin(HistoryAdmin):
    """An event's history page: besides its own fields, what its actors and citations were before
    and after each version, and the redaction mark, from the same reading as the API's /history/
    (events.history.event_history), so the two never disagree."""

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True) -> None:
        records = list(historical_records)
        if not records:
            return
        event = self.model(pk=records[0].id)
        entries = {
            entry["history_id"]: entry for entry in event_history(event=event, show_users=False, staff=True)
        }
        for record in records:
            entry = entries.get(record.history_id)
            if entry is None:
                continue
            record.history_delta_changes = [
                {
                    "field": _verbose(self.model, change["field"]),
                    "old": _event_value(self.model, change["field"], change["old"]),
                    "new": _event_value(self.model, change["field"], change["new"]),
                }
                for change in entry["changes"]
            ]
            status = next((c for c in entry["changes"] if c["field"] == "status"), None)
            record.history_label = STATUS_TRANSITIONS.get(status["new"], "") if status else ""


def _event_value(model, name: str, value) -> str:
    if name == ACTORS:
        return (
            "; ".join(
                f"{ActorRole(actor['role']).label}: {actor['name']} (inter {actor['inter']})"
                for actor in value
            )
            or "—"
        )
    if name == CITATIONS:
        return "; ".join(_citation_text(citation) for citation in value) or "—"
    return _shown(model, name, value)


def _citation_text(citation: dict) -> str:
    said = citation["quote"] or citation["url"] or ""
    said = said if len(said) <= 80 else said[:79] + "…"
    return f"{citation['source']}: {said}" if said else citation["source"]


def _verbose(model, name: str) -> str:
    try:
        return capfirst(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return capfirst(name)


def _shown(model, name: str, value, record=None) -> str:
    """A value as the admin shows it: a choice's label, a related row's name, "—" for blank."""
    if value is None or value == "":
        return "—"
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation and record is not None:
        try:
            related = getattr(record, name)
        except ObjectDoesNotExist:  # the row it pointed to is gone
            related = None
        return str(related) if related is not None else f"#{value} (deleted)"
    return str(value)


def _transition(older, newer) -> str:
    """ "Published", "Marked reviewed", … when the status changed; blank otherwise."""
    before, after = getattr(older, "status", None), getattr(newer, "status", None)
    if before == after or after is None:
        return ""
    return STATUS_TRANSITIONS.get(after, "")


class RulesImportExportMixin(ImportScreenMixin):
    """django-import-export's import and export screens, the import asking events.rules.

    The import screen opens to those who may add rows; each row is then an add or a change
    checked by the resource (events.resources.RulesResourceMixin).
    """

    def has_import_permission(self, request) -> bool:
        return rules.may(request.user, Action.ADD, model=self.model)
