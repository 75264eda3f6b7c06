"""Chronicle's admin site: Django's, with "View site" on the public explorer and autocomplete
results that a ModelAdmin may label and enrich (places with their kind and path, actors with
their inter code)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Each result as the ModelAdmin's `autocomplete_result(obj)` says, when it has one.

    Django labels results with str(obj), which cannot tell admin1 "Homs" from admin2 "Homs";
    the hook reads the row's own columns, so the lookup stays one query.
    """

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        extra = getattr(self.model_admin, "autocomplete_result", None)
        return {**result, **extra(obj)} if extra else result


class ChronicleAdminSite(admin.AdminSite):
    site_header = "Chronicle"
    site_title = "Chronicle curation"
    index_title = "Curate events, actors, places and sources"
    site_url = "/explore/"  # "View site": the public explorer (the root has no page)

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)


class ChronicleAdminConfig(AdminConfig):
    default_site = "config.admin_site.ChronicleAdminSite"
