"""The export formats by name, and the two ways out: to a path, or streamed over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db.models import QuerySet

from events.exports.datapackage import write_datapackage
from events.exports.geojson import geojson_chunks
from events.exports.tabular import csv_chunks
from events.exports.xlsx import ReportAbout, write_xlsx


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    content_type: str
    chunks: Callable[..., Iterator[str | bytes]] | None = None  # text formats stream
    escapes: bool = False  # honours escape / --no-escape-formulas


# One writer per ExportFileFormat value (tests/exports/test_export_columns.py).
FORMATS: dict[str, ExportFormat] = {
    "csv": ExportFormat(
        "csv", ".csv", "text/csv; charset=utf-8", lambda qs, escape: csv_chunks(qs, escape=escape), True
    ),
    "acled": ExportFormat(
        "acled",
        ".acled.csv",
        "text/csv; charset=utf-8",
        lambda qs, escape: csv_chunks(qs, flavour="acled", escape=escape),
        True,
    ),
    "monadic": ExportFormat(
        "monadic",
        ".monadic.csv",
        "text/csv; charset=utf-8",
        lambda qs, escape: csv_chunks(qs, flavour="monadic", escape=escape),
        True,
    ),
    "geojson": ExportFormat(
        "geojson", ".geojson", "application/geo+json", lambda qs, escape: geojson_chunks(qs)
    ),
    "xlsx": ExportFormat(
        "xlsx", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "datapackage": ExportFormat("datapackage", "", "application/zip", escapes=True),
}


def stream_export(fmt: str, queryset: QuerySet, *, escape: bool = True) -> Iterator[str | bytes]:
    """The export in pieces (csv, acled: UTF-8 bytes; geojson: text)."""
    return FORMATS[fmt].chunks(queryset, escape)


def write_export(
    fmt: str, queryset: QuerySet, output: str | Path, *, escape: bool = True, about: ReportAbout | None = None
) -> int | None:
    """Write the export to `output` (a file; for datapackage a directory or .zip). Returns the
    number of events when the format counts them. `about`: the XLSX report's filters and statuses."""
    output = Path(output)
    if fmt == "xlsx":
        return write_xlsx(str(output), queryset, about=about)
    if fmt == "datapackage":
        return write_datapackage(output, queryset, escape=escape)
    stats: dict = {}
    if fmt in ("csv", "acled", "monadic"):
        chunks = csv_chunks(queryset, flavour=fmt, escape=escape, stats=stats)
    else:
        chunks = stream_export(fmt, queryset, escape=escape)
    with output.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())
    return stats.get("rows")
