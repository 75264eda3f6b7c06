"""Background export jobs over HTTP, under /api/v1/exports/jobs/ (docs/scaling.md).

POST /api/v1/exports/jobs/ {"format": "xlsx", "filters": {"country": "SYR"}} answers 202 with the
job and a Location header; GET /api/v1/exports/jobs/{id}/ shows its state and progress; GET
/api/v1/exports/jobs/{id}/download sends the file from the exports storage once it is done.
Jobs need an authenticated caller (they hold a file and worker time for that caller); each is
visible to its creator and to superusers only — anyone else gets 404.

The streamed exports (/api/v1/exports/events.csv, …) stay as they are for small exports. When a
broker is configured, a request to events.xlsx, or to any format matching more than
EXPORT_INLINE_MAX_ROWS events, answers 202 with a new job instead (Location: the job), for an
authenticated caller; an anonymous caller gets small exports (XLSX included) inline as before and
401 for large ones.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.exceptions import Conflict
from core.api.parameters import QueryParametersMixin
from core.api.serializers import ErrorSerializer
from events.exports.formats import FORMATS
from events.exports.jobs import (
    ALWAYS_BACKGROUND,
    background_configured,
    export_file_name,
    export_filter_params,
    export_job_start,
    export_jobs_for,
    export_over_inline_limit,
)
from events.exports.query import export_queryset
from events.exports.views import EventExportView, _escape_parameter
from events.models import ExportJob


class ExportJobStartSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS), help_text="The export format.")
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text='The event filters of /api/v1/events/, by name: {"country": "SYR", "year": 2015}. '
        "A filter taking several values takes a list or a comma-separated string.",
    )
    escape = serializers.BooleanField(
        default=True, help_text="Prefix text cells starting with = + - @ with an apostrophe (CSV formats)."
    )


class ExportJobProgressSerializer(serializers.Serializer):
    rows_done = serializers.IntegerField(help_text="Events written so far.")
    rows_total = serializers.IntegerField(
        allow_null=True, help_text="Events the export covers (null until counted)."
    )
    percent = serializers.SerializerMethodField()

    def get_percent(self, job: ExportJob) -> float | None:
        if job.state == ExportJob.State.DONE:
            return 100.0
        if not job.rows_total:
            return None
        return round(100 * min(job.rows_done, job.rows_total) / job.rows_total, 1)


class ExportJobLinksSerializer(serializers.Serializer):
    self = serializers.SerializerMethodField(method_name="get_self_link")
    download = serializers.SerializerMethodField(help_text="The file, once the job is done.")

    def _url(self, name: str, job: ExportJob) -> str:
        path = reverse(name, kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_self_link(self, job: ExportJob) -> str:
        return self._url("export-job", job)

    def get_download(self, job: ExportJob) -> str | None:
        return self._url("export-job-download", job) if job.state == ExportJob.State.DONE else None


class ExportJobSerializer(serializers.ModelSerializer):
    filters = serializers.DictField(source="params", read_only=True)
    progress = ExportJobProgressSerializer(source="*", read_only=True)
    file_name = serializers.SerializerMethodField()
    links = ExportJobLinksSerializer(source="*", read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "filters",
            "escape",
            "state",
            "progress",
            "error",
            "file_name",
            "created_at",
            "started_at",
            "finished_at",
            "links",
        ]
        read_only_fields = fields

    def get_file_name(self, job: ExportJob) -> str:
        return export_file_name(job)


def _accepted(job: ExportJob, request) -> Response:
    data = ExportJobSerializer(job, context={"request": request}).data
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["links"]["self"]})


class ExportJobListCreateView(QueryParametersMixin, generics.ListAPIView):
    """Your export jobs, newest first; POST starts one."""

    permission_classes = [IsAuthenticated]
    serializer_class = ExportJobSerializer
    filter_backends: list = []

    def get_queryset(self):
        return export_jobs_for(self.request.user)

    @extend_schema(
        request=ExportJobStartSerializer,
        responses={202: ExportJobSerializer, 503: ErrorSerializer},
        description="Start a background export. Without a configured broker it runs before the "
        "answer comes (state done); with one it is queued (state queued): poll the job's link.",
    )
    def post(self, request, *args, **kwargs):
        payload = ExportJobStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = export_job_start(
            user=request.user,
            format=payload.validated_data["format"],
            params=payload.validated_data["filters"],
            escape=payload.validated_data["escape"],
        )
        return _accepted(job, request)


class ExportJobDetailView(QueryParametersMixin, generics.RetrieveAPIView):
    """One of your export jobs: its state and progress."""

    permission_classes = [IsAuthenticated]
    serializer_class = ExportJobSerializer
    filter_backends: list = []

    def get_queryset(self):
        return export_jobs_for(self.request.user)


class ExportJobDownloadView(QueryParametersMixin, APIView):
    """The file of a finished export job, streamed from the exports storage."""

    permission_classes = [IsAuthenticated]
    format_parameter = False  # the file is in the job's format

    @extend_schema(
        responses={
            # The file in its format's media type (CSV, GeoJSON, XLSX, a data package's zip).
            **{
                (200, media_type): OpenApiTypes.BINARY
                for media_type in dict.fromkeys(
                    export.content_type.split(";", 1)[0] for export in FORMATS.values()
                )
            },
            409: OpenApiResponse(ErrorSerializer, description="The job is not done."),
        }
    )
    def get(self, request, pk: int):
        job = generics.get_object_or_404(export_jobs_for(request.user), pk=pk)
        if job.state != ExportJob.State.DONE:
            raise Conflict(f"The export is not ready (state {job.state}); poll the job until it is done.")
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            raise exceptions.NotFound("The export's file is no longer in storage; start it again.") from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=export_file_name(job),
            content_type=FORMATS[job.format].content_type,
        )


class BackgroundAwareEventExportView(EventExportView):
    """The streamed export, which hands an export too large for one request to a background job
    when a broker is configured (see the module docstring)."""

    other_responses = {
        202: OpenApiResponse(
            ExportJobSerializer,
            description="Too large for one request: a background job was started (Location: the job).",
        ),
    }

    def get(self, request, *args, **kwargs):
        if background_configured():
            escape = _escape_parameter(request)
            params = export_filter_params(request.query_params)
            queryset = export_queryset(user=request.user, params=params)  # a bad filter: 400 here
            authenticated = request.user.is_authenticated
            # XLSX and data packages go to the background for signed-in callers whatever their size.
            if (authenticated and self.fmt in ALWAYS_BACKGROUND) or export_over_inline_limit(queryset):
                if not authenticated:
                    raise exceptions.NotAuthenticated(
                        "This export is too large for one request. Sign in (token or session) to run it "
                        "as a background job, or narrow the filters."
                    )
                job = export_job_start(user=request.user, format=self.fmt, params=params, escape=escape)
                return _accepted(job, request)
        return super().get(request, *args, **kwargs)
