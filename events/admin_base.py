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
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from events import rules
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


class HistoryAdmin(RulesAdminMixin, SimpleHistoryAdmin):
    """SimpleHistoryAdmin under the rules, whose history views only show.

    Reverting is not offered (Action.REVERT is refused by the rules): a revert would bypass the
    inlines, the workflow and the optimistic version. A curator who wants an old value copies it
    into the change form, which is an ordinary change.
    """

    def revert_disabled(self, request, obj=None) -> bool:
        return True

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
            fieldsets.append((name, {**options, "fields": lines}))
        return helpers.AdminForm(
            form, fieldsets, {}, readonly_fields=flatten_fieldsets(fieldsets), model_admin=self
        )


class RulesImportExportMixin(ImportScreenMixin):
    """django-import-export's import and export screens, the import asking events.rules.

    The import screen opens to those who may add rows; each row is then an add or a change
    checked by the resource (events.resources.RulesResourceMixin).
    """

    def has_import_permission(self, request) -> bool:
        return rules.may(request.user, Action.ADD, model=self.model)
