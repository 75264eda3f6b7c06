"""Exports: Chronicle CSV, ACLED CSV, XLSX report, GeoJSON and a Frictionless data package.

All read events through `query.export_rows` (one streamed query); `write_export` writes any
format to a path, `stream_export` feeds an HTTP response.
"""

from events.exports.formats import FORMATS, ExportFormat, stream_export, write_export

__all__ = ["FORMATS", "ExportFormat", "stream_export", "write_export"]
