"""CSV exports: Chronicle's columns or ACLED's, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from events.acled import ACLED_COLUMNS
from events.exports.columns import CHRONICLE_COLUMN_NAMES, acled_values, chronicle_values
from events.exports.query import export_rows

ROWS_PER_CHUNK = 200  # CSV lines joined into one piece of the streamed response


class _Echo:
    """A file-like object whose write returns what it is given (csv.writer over a pseudo-buffer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    queryset: QuerySet, *, flavour: str = "csv", escape: bool = True, stats: dict | None = None
) -> Iterator[str]:
    """The CSV text in pieces: the header, then ROWS_PER_CHUNK events at a time (`stats["rows"]`
    counts the events written)."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    if flavour == "acled":
        header, render = ACLED_COLUMNS, acled_values
    else:
        header, render = CHRONICLE_COLUMN_NAMES, chronicle_values
    yield writer.writerow(header)
    lines: list[str] = []
    count = 0
    for row in export_rows(queryset):
        count += 1
        lines.append(writer.writerow(render(row, escape=escape)))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
    if stats is not None:
        stats["rows"] = count
