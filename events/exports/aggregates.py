"""The aggregates (events/aggregates.py) as files: CSV (text cells formula-escaped unless asked not
to) and XLSX (typed cells, an About sheet with the filters, statuses and time)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import xlsxwriter

from events.aggregates import AggregateResult
from events.exports.columns import escape_formula
from events.exports.tabular import ROWS_PER_CHUNK, _Echo
from events.exports.xlsx import WORKBOOK_OPTIONS, ReportAbout, _header, _styles, write_about

AGGREGATE_CSV_TYPE = "text/csv; charset=utf-8"
AGGREGATE_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def aggregate_csv_chunks(result: AggregateResult, *, escape: bool = True) -> Iterator[bytes]:
    """The rows as CSV in pieces of UTF-8: dates ISO, a padded row's dates blank."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    columns = result.columns
    yield writer.writerow([column.name for column in columns]).encode()
    lines: list[str] = []
    for row in result.rows:
        values = []
        for column in columns:
            value = row.get(column.name)
            if value is None:
                value = ""
            elif column.is_text and escape:
                value = escape_formula(value)
            elif isinstance(value, dt.date):
                value = value.isoformat()
            values.append(value)
        lines.append(writer.writerow(values))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def write_aggregate_csv(result: AggregateResult, output: str | Path, *, escape: bool = True) -> int:
    with Path(output).open("wb") as handle:
        for chunk in aggregate_csv_chunks(result, escape=escape):
            handle.write(chunk)
    return len(result.rows)


def write_aggregate_xlsx(target: str | IO[bytes], result: AggregateResult, *, about: ReportAbout) -> int:
    """An Aggregates sheet (frozen header, autofilter, typed cells) and an About sheet (the
    parameters in `about`, the statuses the result counted)."""
    workbook = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles = _styles(workbook)
    sheet = workbook.add_worksheet("Aggregates")
    columns = result.columns
    _header(sheet, [column.name for column in columns], styles)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, 28 if column.is_text else 12)
    for number, row in enumerate(result.rows, start=1):
        for col, column in enumerate(columns):
            value = row.get(column.name)
            if value is None:
                continue
            if column.type == "date":
                sheet.write_datetime(number, col, value, styles["date"])
            elif column.is_text:
                sheet.write_string(number, col, value)
            else:
                sheet.write_number(number, col, value)
    if result.rows:
        sheet.autofilter(0, 0, len(result.rows), len(columns) - 1)
    about = ReportAbout(filters=about.filters, statuses=tuple(result.statuses))
    write_about(
        workbook,
        styles,
        title="Chronicle aggregates",
        about=about,
        count=("Rows", len(result.rows)),
        sheets=("Aggregates", "About"),
    )
    workbook.close()
    return len(result.rows)
