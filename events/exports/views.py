"""HTTP exports under /api/v1/exports/: the same filters as the API, streamed.

Anonymous callers (and users without the view permission) get published events only. CSV,
ACLED CSV and GeoJSON stream from a server-side cursor (StreamingHttpResponse); the XLSX report
is written in constant memory to a temporary file and sent from there. Each export reads under
the bulk statement timeout (config/statement_timeout.py), in a transaction that ends with the
response.
"""

from __future__ import annotations

import tempfile

from django.db import connections
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.statement_timeout import bulk_statement_timeout, bulk_stream
from core.api.exceptions import ParameterError
from core.api.filters import FilterBackend
from core.api.parameters import QueryParametersMixin
from events.api.schema import AutoSchema
from events.exports.formats import FORMATS, stream_export
from events.exports.query import export_queryset
from events.exports.xlsx import export_about, write_xlsx
from events.filters import EventFilter
from events.models import Event

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _escape_parameter(request) -> bool:
    value = request.query_params.get("escape", "1").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ParameterError({"escape": ["Enter 1 (escape formulas, the default) or 0."]})


ESCAPE_PARAMETER = OpenApiParameter(
    "escape",
    OpenApiTypes.STR,
    description="1 (default): text cells starting with = + - @ get a leading apostrophe; "
    "0: raw values, for machine pipelines.",
)


class ExportSchema(AutoSchema):
    """Each export URL declares the media type it answers with (its view's `fmt`: text/csv,
    application/geo+json, the XLSX type), so clients and schemathesis' checks can rely on it."""

    def get_response_serializers(self):
        export = FORMATS[self.view.fmt]
        media_type = export.content_type.split(";", 1)[0]
        body = FEATURE_COLLECTION if media_type.endswith("json") else OpenApiTypes.BINARY
        description = f"The events as a {export.extension} file (an attachment)."
        return {
            (200, media_type): OpenApiResponse(body, description=description),
            **self.view.other_responses,
        }


# RFC 7946's outline of the GeoJSON export (a +json media type: clients validate it as JSON).
FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string", "description": "The event id."},
                    "geometry": {"type": "object", "nullable": True, "description": "A Point, or null."},
                    "properties": {"type": "object", "description": "The CSV export's columns."},
                },
            },
        },
    },
}


class EventExportView(QueryParametersMixin, APIView):
    """GET the events you may see, filtered like /api/v1/events/, as a file."""

    permission_classes = [AllowAny]
    fmt = "csv"
    # The event list's filters (though an export is no list view) and `escape`; the format is the
    # URL's, so no `format`, and no pages.
    filter_backends = [FilterBackend]
    filterset_class = EventFilter
    filter_parameters = True
    format_parameter = False
    query_parameters = [ESCAPE_PARAMETER]
    queryset = Event.objects.none()  # for the schema (the filters' model); get() builds its own
    schema = ExportSchema()
    other_responses: dict = {}  # status code -> OpenApiResponse, besides the file

    def get(self, request, *args, **kwargs):
        escape = _escape_parameter(request)
        queryset = export_queryset(user=request.user, params=request.query_params)
        export = FORMATS[self.fmt]
        filename = f"chronicle-events-{timezone.now():%Y%m%d-%H%M}{export.extension}"
        if self.fmt == "xlsx":
            handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
            about = export_about(user=request.user, params=request.query_params)
            with bulk_statement_timeout(using=queryset.db):
                write_xlsx(handle, queryset, about=about)
            handle.seek(0)
            return FileResponse(
                handle, as_attachment=True, filename=filename, content_type=export.content_type
            )
        # Connect before the 200 goes out: with the database down the client gets a 503, not a
        # truncated file (config/middleware.py).
        database = connections[queryset.db]
        database.close_if_health_check_failed()
        database.ensure_connection()
        # A COPY inside the bulk transaction runs on this very connection (events/exports/copy.py),
        # the one with the longer limit.
        chunks = bulk_stream(stream_export(self.fmt, queryset, escape=escape), using=queryset.db)
        response = StreamingHttpResponse(chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
