"""CSV exports: Chronicle's columns or ACLED's, streamed as UTF-8 bytes.

On PostgreSQL the database writes the CSV (events/exports/copy.py); elsewhere (SQLite, and
querysets COPY cannot express) rows come from export_rows and Python's csv writer.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import QuerySet

from events.acled import ACLED_COLUMNS
from events.exports.columns import (
    CHRONICLE_COLUMN_NAMES,
    MONADIC_COLUMNS,
    acled_values,
    chronicle_values,
    monadic_values,
)
from events.exports.copy import copy_csv_chunks, copy_supported
from events.exports.query import export_progress, export_rows

ROWS_PER_CHUNK = 200  # CSV lines joined into one piece of the streamed response


class _Echo:
    """A file-like object whose write returns what it is given (csv.writer over a pseudo-buffer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(
    queryset: QuerySet, *, flavour: str = "csv", escape: bool = True, stats: dict | None = None
) -> Iterator[bytes]:
    """The CSV in pieces of UTF-8: the header, then the events (`stats["rows"]` counts them).
    `flavour`: csv (Chronicle's columns), acled, or monadic (ACLED's, a row per actor side)."""
    if flavour != "monadic" and copy_supported(queryset):
        return copy_csv_chunks(
            queryset, flavour=flavour, escape=escape, stats=stats, progress=export_progress.get()
        )
    return _python_csv_chunks(queryset, flavour=flavour, escape=escape, stats=stats)


def _python_csv_chunks(
    queryset: QuerySet, *, flavour: str, escape: bool, stats: dict | None
) -> Iterator[bytes]:
    """The same CSV written by Python, ROWS_PER_CHUNK events at a time."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    if flavour == "acled":
        header, render = ACLED_COLUMNS, acled_values
    elif flavour == "monadic":
        header, render = MONADIC_COLUMNS, None
    else:
        header, render = CHRONICLE_COLUMN_NAMES, chronicle_values
    yield writer.writerow(header).encode()
    lines: list[str] = []
    count = 0
    for row in export_rows(queryset):
        count += 1
        if render is None:
            lines += [writer.writerow(values) for values in monadic_values(row, escape=escape)]
        else:
            lines.append(writer.writerow(render(row, escape=escape)))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()
    if stats is not None:
        stats["rows"] = count
