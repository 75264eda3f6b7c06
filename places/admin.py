"""Curation admin for the place hierarchy (country > admin1 > … > site)."""

from django.contrib import admin
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from events.importers.upload import BulkImportMixin, LimitedImportForm
from events.resources import PlaceResource
from places.models import Place


@admin.register(Place)
class PlaceAdmin(BulkImportMixin, ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [PlaceResource]  # the parent as a path of names
    import_form_class = LimitedImportForm  # size limits, no zip bombs
    list_display = ["name", "kind", "parent", "country_code", "latitude", "longitude", "geo_precision"]
    list_filter = ["kind", "geo_precision"]
    list_select_related = ["parent"]
    search_fields = ["name", "=country_code"]
    search_help_text = "Name, or a country's ISO alpha-3 code."
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "parent", "country_code"]}),
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
