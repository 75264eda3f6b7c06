"""URLs of the HTTP exports under /api/v1/exports/ (same filters as /api/v1/events/), and of the
background export jobs (events/exports/job_views.py)."""

from django.urls import path

from events.exports.aggregate_views import AggregateExportView

# The streamed exports, handing large ones to a background job when a broker is configured.
from events.exports.job_views import BackgroundAwareEventExportView as EventExportView
from events.exports.job_views import ExportJobDetailView, ExportJobDownloadView, ExportJobListCreateView

urlpatterns = [
    path("events.csv", EventExportView.as_view(fmt="csv"), name="export-events-csv"),
    path("events.acled.csv", EventExportView.as_view(fmt="acled"), name="export-events-acled"),
    path("events.monadic.csv", EventExportView.as_view(fmt="monadic"), name="export-events-monadic"),
    path("events.xlsx", EventExportView.as_view(fmt="xlsx"), name="export-events-xlsx"),
    path("events.geojson", EventExportView.as_view(fmt="geojson"), name="export-events-geojson"),
    path("aggregate.csv", AggregateExportView.as_view(fmt="csv"), name="export-aggregate-csv"),
    path("aggregate.xlsx", AggregateExportView.as_view(fmt="xlsx"), name="export-aggregate-xlsx"),
    path("jobs/", ExportJobListCreateView.as_view(), name="export-jobs"),
    path("jobs/<int:pk>/", ExportJobDetailView.as_view(), name="export-job"),
    path("jobs/<int:pk>/download", ExportJobDownloadView.as_view(), name="export-job-download"),
]
