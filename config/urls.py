"""Chronicle's URLs: the admin, the REST API, its schema and docs, the exports."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Chronicle"
admin.site.site_title = "Chronicle curation"
admin.site.index_title = "Curate events, actors, places and sources"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/exports/", include("events.export_urls")),
    path("api/v1/", include("events.api.urls")),
]
