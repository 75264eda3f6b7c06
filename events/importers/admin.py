"""Admin pieces for import runs: the row-level error report of an ImportBatch as a CSV download."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from events.exports.columns import escape_formula
from events.importers.command import ERROR_COLUMNS
from events.models import ImportBatch

ERRORS_CSV_URL = "admin:events_importbatch_errors_csv"


class ImportBatchErrorsCsvMixin:
    """Adds <batch>/errors.csv (row, column, value, reason) and a link to it on the batch page."""

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/errors.csv",
                self.admin_site.admin_view(self.errors_csv_view),
                name=ERRORS_CSV_URL.removeprefix("admin:"),
            )
        ]
        return extra + super().get_urls()

    def errors_csv_view(self, request, pk: int):
        batch = ImportBatch.objects.filter(pk=pk).first()
        if batch is None or not self.has_view_permission(request, batch):
            raise Http404("No such import batch.")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
        writer = csv.writer(response)
        writer.writerow(ERROR_COLUMNS)
        for error in batch.errors or []:
            item = error if isinstance(error, dict) else {"reason": str(error)}
            # Values come from the uploaded file: escaped, so a spreadsheet runs no formula from it.
            writer.writerow([escape_formula(str(item.get(column, ""))) for column in ERROR_COLUMNS])
        return response

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "errors_csv"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if "errors_csv" in fields else [*fields, "errors_csv"]

    def errors_csv(self, batch: ImportBatch) -> str:
        if not batch.pk or not batch.errors:
            return "No row errors."
        url = reverse(ERRORS_CSV_URL, args=[batch.pk])
        return format_html('<a href="{}">Download the {} row errors as CSV</a>', url, len(batch.errors))

    errors_csv.short_description = "error report"
