"""Curation admin for actors and the relations between them."""

from django.contrib import admin

from actors.models import Actor, ActorRelation
from actors.services import actor_merge, actor_merge_problems
from events.admin_base import HistoryAdmin, RulesImportExportMixin, RulesInlineMixin
from events.merge_admin import merge_action
from events.resources import ActorResource


class ActorRelationInline(RulesInlineMixin, admin.TabularInline):
    model = ActorRelation
    fk_name = "subject"
    fields = ["kind", "object", "start_date", "end_date", "citation"]
    autocomplete_fields = ["object", "citation"]
    extra = 0
    verbose_name = "relation"
    verbose_name_plural = "relations (this actor is the subject)"

    def get_queryset(self, request):
        # Each row's title names both actors.
        return super().get_queryset(request).select_related("subject", "object")


@admin.register(Actor)
class ActorAdmin(RulesImportExportMixin, HistoryAdmin):
    resource_classes = [ActorResource]  # by name; the parent force by name too
    list_display = ["name", "kind", "country", "parent", "active_from", "active_to", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases"]
    search_help_text = "Name or any alias."
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", ("kind", "country"), "aliases", "parent"]}),
        ("Details", {"fields": ["description", ("active_from", "active_to")]}),
        ("Record", {"classes": ["collapse"], "fields": [("created_at", "updated_at")]}),
    ]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ActorRelationInline]
    actions = [
        merge_action(
            merge=actor_merge,
            problems=actor_merge_problems,
            noun="actor",
            description="Merge selected actors…",
        )
    ]

    def autocomplete_result(self, actor: Actor) -> dict:
        # The event form's actor rows fill their inter code from it (events/static/events/event_form.js).
        return {"kind": actor.kind}


@admin.register(ActorRelation)
class ActorRelationAdmin(HistoryAdmin):
    list_display = ["subject", "kind", "object", "start_date", "end_date"]
    list_filter = ["kind"]
    list_select_related = ["subject", "object"]
    search_fields = ["subject__name", "object__name"]
    autocomplete_fields = ["subject", "object", "citation"]
