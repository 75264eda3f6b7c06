"""Admin actions exporting the selected events with the export writers (ACLED CSV, XLSX report)."""

from __future__ import annotations

import tempfile

from django.contrib import admin
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from events.exports.formats import FORMATS, stream_export
from events.exports.xlsx import write_xlsx


def _filename(extension: str) -> str:
    return f"chronicle-selected-{timezone.now():%Y%m%d-%H%M}{extension}"


class EventExportActionsMixin:
    """`export_selected_acled` and `export_selected_xlsx` for EventAdmin's actions."""

    # Offered to curators and reviewers; viewers export through the Export screen and the API.
    @admin.action(description="Export selected events as ACLED CSV", permissions=["change"])
    def export_selected_acled(self, request, queryset):
        response = StreamingHttpResponse(
            stream_export("acled", queryset.order_by("-event_date", "-id")),
            content_type=FORMATS["acled"].content_type,
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename(".acled.csv")}"'
        return response

    @admin.action(description="Export selected events as an Excel report", permissions=["change"])
    def export_selected_xlsx(self, request, queryset):
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
        write_xlsx(handle, queryset.order_by("-event_date", "-id"))
        handle.seek(0)
        return FileResponse(
            handle, as_attachment=True, filename=_filename(".xlsx"), content_type=FORMATS["xlsx"].content_type
        )
