"""GET /api/v1/exports/aggregate.csv and .xlsx: the aggregates API's rows as files."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from core.api.filters import FilterBackend
from core.api.parameters import QueryParametersMixin
from events.aggregates import aggregate
from events.api.aggregates import AGGREGATE_OPENAPI_PARAMETERS
from events.exports.aggregates import (
    AGGREGATE_CSV_TYPE,
    AGGREGATE_XLSX_TYPE,
    aggregate_csv_chunks,
    write_aggregate_xlsx,
)
from events.exports.views import ESCAPE_PARAMETER, ExportSchema, _escape_parameter
from events.exports.xlsx import export_about
from events.filters import EventFilter
from events.models import Event

_TYPES = {"csv": AGGREGATE_CSV_TYPE, "xlsx": AGGREGATE_XLSX_TYPE}


class AggregateExportSchema(ExportSchema):
    def get_response_serializers(self):
        media_type = _TYPES[self.view.fmt].split(";", 1)[0]
        description = f"The aggregate rows as a .{self.view.fmt} file (an attachment)."
        return {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


class AggregateExportView(QueryParametersMixin, APIView):
    """GET /api/v1/events/aggregate/'s rows, with the same parameters, as CSV or XLSX."""

    permission_classes = [AllowAny]
    fmt = "csv"
    # The event list's filters, by, period, fill and `escape` (as the event exports: the XLSX
    # file's cells are typed and need none); the format is the URL's.
    filter_backends = [FilterBackend]
    filterset_class = EventFilter
    filter_parameters = True
    format_parameter = False
    query_parameters = [*AGGREGATE_OPENAPI_PARAMETERS, ESCAPE_PARAMETER]
    queryset = Event.objects.none()  # for the schema (the filters' model)
    schema = AggregateExportSchema()

    def get(self, request, *args, **kwargs):
        escape = _escape_parameter(request)
        result = aggregate(user=request.user, params=request.query_params)
        filename = f"chronicle-aggregate-{timezone.now():%Y%m%d-%H%M}.{self.fmt}"
        if self.fmt == "xlsx":
            handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
            about = export_about(user=request.user, params=request.query_params)
            write_aggregate_xlsx(handle, result, about=about)
            handle.seek(0)
            return FileResponse(handle, as_attachment=True, filename=filename, content_type=_TYPES["xlsx"])
        response = StreamingHttpResponse(
            aggregate_csv_chunks(result, escape=escape), content_type=_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
