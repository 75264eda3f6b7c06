"""The "Merge selected …" admin action of actors and places, with its confirmation page.

The services (actors.services.actor_merge, places.services.place_merge) do the work and refuse,
with reasons and nothing written, a merge that would break a rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse


def merge_action(*, merge: Callable, problems: Callable, noun: str, description: str):
    """An admin action merging the selected rows into the one the user picks on a confirmation
    page. `merge(survivor=, others=, by=)` writes; `problems(survivor=, other=)` lists refusals."""

    @admin.action(description=description, permissions=["change", "delete"])
    def merge_selected(model_admin, request, queryset):
        rows = list(queryset.order_by("pk"))
        if len(rows) < 2:
            model_admin.message_user(request, f"Select at least two {noun}s to merge.", messages.WARNING)
            return None
        by_pk = {str(row.pk): row for row in rows}
        chosen = request.POST.get("survivor") if "apply" in request.POST else None
        if chosen is not None:
            survivor = by_pk.get(chosen)
            if survivor is None:
                model_admin.message_user(request, f"Choose the {noun} to keep.", messages.ERROR)
            else:
                others = [row for row in rows if row.pk != survivor.pk]
                try:
                    merge(survivor=survivor, others=others, by=request.user)
                except ValidationError as error:
                    text = " ".join(error.messages)
                    model_admin.message_user(request, f"Nothing was merged: {text}", messages.ERROR)
                else:
                    names = ", ".join(str(row) for row in others)
                    model_admin.message_user(
                        request,
                        f"Merged {names} into {survivor}; their names are kept as aliases.",
                        messages.SUCCESS,
                    )
                return None
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Merge {noun}s",
            "subtitle": None,
            "opts": model_admin.model._meta,
            "noun": noun,
            "rows": [
                (
                    row,
                    [p for other in rows if other.pk != row.pk for p in problems(survivor=row, other=other)],
                )
                for row in rows
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/merge_selected.html", context)

    return merge_selected
