"""URLs of the HTTP exports under /api/v1/exports/ (same filters as /api/v1/events/)."""

from django.urls import path

from events.exports.views import EventExportView

urlpatterns = [
    path("events.csv", EventExportView.as_view(fmt="csv"), name="export-events-csv"),
    path("events.acled.csv", EventExportView.as_view(fmt="acled"), name="export-events-acled"),
    path("events.xlsx", EventExportView.as_view(fmt="xlsx"), name="export-events-xlsx"),
    path("events.geojson", EventExportView.as_view(fmt="geojson"), name="export-events-geojson"),
]
