"""Curation admin for the place hierarchy (country > admin1 > … > site)."""

from django.contrib import admin

from events.admin_base import HistoryAdmin, RulesImportExportMixin
from events.merge_admin import merge_action
from events.resources import PlaceResource
from places.models import Place
from places.services import place_merge, place_merge_problems


@admin.register(Place)
class PlaceAdmin(RulesImportExportMixin, HistoryAdmin):
    resource_classes = [PlaceResource]  # the parent as a path of names
    list_display = ["name", "kind", "parent", "country_code", "latitude", "longitude", "geo_precision"]
    list_filter = ["kind", "geo_precision"]
    list_select_related = ["parent"]
    search_fields = ["name", "aliases", "=country_code"]
    search_help_text = "Name or alias, or a country's ISO alpha-3 code."
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "parent", "country_code", "aliases"]}),
        ("Coordinates", {"fields": [("latitude", "longitude"), "geo_precision", "geonames_id"]}),
        (
            "Derived from the hierarchy",
            {
                "classes": ["collapse"],
                "fields": [("country_name", "admin1", "admin2", "admin3"), ("path", "depth")],
            },
        ),
    ]
    readonly_fields = ["country_name", "admin1", "admin2", "admin3", "path", "depth"]
    actions = [
        merge_action(
            merge=place_merge,
            problems=place_merge_problems,
            noun="place",
            description="Merge selected places…",
        )
    ]

    def autocomplete_result(self, place: Place) -> dict:
        # "Homs (admin2) — Syria › Homs": the kind and the levels above, from the row's own columns.
        return {"text": place.autocomplete_label, "kind": place.kind}
