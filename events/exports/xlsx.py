"""The XLSX report: an Events sheet and summary sheets built with SQL aggregates, and a chart.

Written with xlsxwriter in constant_memory mode (rows go to disk as they are written), so a
100,000-event report does not hold its rows in memory. Cells are typed — strings as strings
(never formulas), numbers as numbers, dates as dates — so formula injection cannot happen.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO

import xlsxwriter
from django.db import connections
from django.db.models import (
    Count,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from core.vocab import EventType, InterCode
from events.aggregates import (
    AGGREGATE_PARAMETERS,
    AggregateSpec,
    aggregate_rows,
    period_starts,
    statuses_included,
)
from events.exports.columns import XLSX_COLUMNS
from events.exports.copy import copy_supported, export_select
from events.exports.query import export_rows
from events.filters import EventFilter, as_query_dict
from events.models import Event, EventActor

SHEETS = ("Events", "By month", "By admin1 and month", "By country", "Top actors", "About")
TOP_ACTORS = 100
FETCH_ROWS = 2000  # rows per fetch from the server-side cursor
XLS_STRMAX = 32767  # Excel's longest string (UTF-16 units)


@dataclass(frozen=True)
class ReportAbout:
    """What the About sheet says of an export besides its time: its filters (parameter, value) and
    the statuses it includes (events.exports.query.export_about builds it from a request)."""

    filters: tuple[tuple[str, str], ...] = ()
    statuses: tuple[str, ...] = ()


def write_xlsx(
    target: str | IO[bytes],
    queryset: QuerySet,
    *,
    title: str = "Chronicle events",
    about: ReportAbout | None = None,
) -> int:
    """Write the report to a path or binary file; returns the number of events."""
    workbook = xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)
    styles = _styles(workbook)
    count = _events_sheet(workbook, queryset, styles)
    # The summaries group the same events; a pk subquery keeps the filters' own annotations
    # and ordering out of their GROUP BY.
    summary = Event.objects.filter(pk__in=queryset.order_by().values("pk")).order_by()
    _month_sheet(workbook, summary, styles)
    _admin1_month_sheet(workbook, summary, styles)
    _country_sheet(workbook, summary, styles)
    _actor_sheet(workbook, summary, styles)
    write_about(workbook, styles, title=title, about=about, count=("Events", count), sheets=SHEETS)
    workbook.close()
    return count


WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}


def _styles(workbook) -> dict:
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "month": workbook.add_format({"num_format": "yyyy-mm"}),
        "number": workbook.add_format({"num_format": "0.0000"}),
        "bold": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": False}),
    }


def write_about(
    workbook, styles, *, title: str, about: ReportAbout | None, count: tuple[str, int], sheets: Iterable[str]
) -> None:
    """The About sheet: the report, when it was made, how many rows, which statuses and filters."""
    known = about is not None  # None: a selection (the admin's action), not a filtered export
    about = about or ReportAbout()
    sheet = workbook.add_worksheet("About")
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 60)
    lines: list[tuple[str, str | int]] = [
        ("Report", title),
        ("Generated (UTC)", timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
        count,
        ("Statuses included", (", ".join(about.statuses) or "none") if known else "as selected"),
    ]
    if about.filters:
        lines += [(f"Filter: {name}", value) for name, value in about.filters]
    else:
        lines.append(("Filters", "none" if known else "the events selected"))
    lines.append(("Sheets", ", ".join(sheets)))
    for row, (label, value) in enumerate(lines):
        sheet.write_string(row, 0, label, styles["bold"])
        if isinstance(value, int):
            sheet.write_number(row, 1, value)
        else:
            sheet.write_string(row, 1, value)


def _header(sheet, names, styles) -> None:
    for col, name in enumerate(names):
        sheet.write_string(0, col, name, styles["header"])
    sheet.freeze_panes(1, 0)


def _events_sheet(workbook, queryset: QuerySet, styles) -> int:
    sheet = workbook.add_worksheet("Events")
    columns = XLSX_COLUMNS
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
    _header(sheet, [column.name for column in columns], styles)
    cell_styles = {"date": styles["date"], "datetime": styles["datetime"], "number": styles["number"]}
    rows = _CellRows(sheet, [(column.type, cell_styles.get(column.type)) for column in columns])
    if copy_supported(queryset):
        count = rows.write(_event_values_sql(queryset))
    else:
        count = rows.write(_event_values_python(queryset))
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    return count


# Excel's 1900 date system: day 1 is 1900-01-01, and it counts a 29 February 1900 that never was.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_UNIX_EPOCH = 25569  # 1970-01-01


def _xlsx_sql(column) -> str:
    """A column's value as the Events sheet stores it: text (blank as NULL), numbers, booleans,
    dates and times as Excel serial numbers (days since the epoch, in UTC)."""
    if column.type == "string":
        return f"NULLIF({column.sql}, '')"
    if column.type == "date":
        return (
            f"CASE WHEN {column.sql} >= DATE '1900-03-01' THEN {column.sql} - DATE '{_EXCEL_EPOCH}' "
            f"ELSE {column.sql} - DATE '1899-12-31' END"
        )
    if column.type == "datetime":
        return f"(floor(extract(epoch FROM {column.sql})) / 86400 + {_EXCEL_UNIX_EPOCH})::float8"
    return column.sql


def _event_values_sql(queryset: QuerySet) -> Iterator[tuple]:
    """The Events sheet's values computed by PostgreSQL, from a server-side cursor."""
    select, params = export_select(queryset, [(column.name, _xlsx_sql(column)) for column in XLSX_COLUMNS])
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(select, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield from rows


def _excel_date(day: dt.date) -> int:
    return (day - _EXCEL_EPOCH).days + (day < dt.date(1900, 3, 1))


def _event_values_python(queryset: QuerySet) -> Iterator[tuple]:
    """The same values from export_rows (SQLite, and querysets PostgreSQL cannot export alone)."""
    convert = []
    for column in XLSX_COLUMNS:
        if column.type == "date":
            convert.append(lambda value: None if value is None else _excel_date(value))
        elif column.type == "datetime":  # "2024-05-01T12:00:00Z", UTC
            convert.append(
                lambda value: (
                    None
                    if value is None
                    else (dt.datetime.fromisoformat(value[:-1]) - dt.datetime(1899, 12, 30)).total_seconds()
                    / 86400
                )
            )
        elif column.type == "string":
            convert.append(lambda value: value or None)
        else:
            convert.append(None)
    getters = [column.get for column in XLSX_COLUMNS]
    for row in export_rows(queryset):
        yield tuple(
            get(row) if change is None else change(get(row))
            for get, change in zip(getters, convert, strict=True)
        )


# The xlsxwriter release _CellRows was checked against (tests/test_library_pins.py).
XLSXWRITER_VERIFIED = "3.3.1"


class _CellRows:
    """Rows of typed cells written straight into a constant_memory worksheet as SpreadsheetML.

    xlsxwriter's per-cell API costs ~6 µs a cell (a cell tuple, then attribute lists and regex
    escapes when the row is flushed): 13 s for 100,000 events of 22 columns, over the report's
    whole budget. This writes each row as one piece of the XML xlsxwriter itself would write
    (inline strings, numbers with their style, booleans) into the worksheet's row-data file,
    then tells the worksheet where the data ends. Text needing care (XML metacharacters, control
    characters, leading or trailing spaces, over Excel's 32,767 characters) is escaped exactly as
    xlsxwriter does. It relies on xlsxwriter's constant_memory internals (`fh`, `previous_row`,
    `_write_single_row`, `_check_dimensions`), which requirements.txt pins.
    """

    def __init__(self, sheet, kinds: list[tuple[str, object]]) -> None:
        self.sheet = sheet
        self.kinds = []
        for col, (kind, style) in enumerate(kinds):
            letter = xl_col_to_name(col)
            style_attribute = f' s="{style._get_xf_index()}"' if style is not None else ""
            self.kinds.append((letter, kind, style_attribute))

    def write(self, rows: Iterable[tuple]) -> int:
        sheet = self.sheet
        if not sheet.constant_memory:
            raise ValueError("_CellRows writes into constant_memory worksheets only")
        sheet._write_single_row(1)  # flush the header row (row 0); data rows follow it
        write = sheet.fh.write
        kinds = self.kinds
        special = _NEEDS_CARE.search
        number = 0
        for number, values in enumerate(rows, start=1):
            reference = number + 1  # rows are 1-based in the XML
            cells = []
            for (letter, kind, style), value in zip(kinds, values, strict=True):
                if value is None:
                    continue
                if kind == "string":
                    space = ""
                    if (
                        special(value)
                        or "_x" in value
                        or value[0].isspace()
                        or value[-1].isspace()
                        or len(value) > XLS_STRMAX // 2
                    ):
                        value, space = _careful_text(value)
                    cells.append(
                        f'<c r="{letter}{reference}" t="inlineStr"><is><t{space}>{value}</t></is></c>'
                    )
                elif kind == "boolean":
                    cells.append(f'<c r="{letter}{reference}" t="b"><v>{1 if value else 0}</v></c>')
                else:
                    cells.append(f'<c r="{letter}{reference}"{style}><v>{value:.16G}</v></c>')
            write(f'<row r="{reference}">{"".join(cells)}</row>')
        if number:
            sheet._check_dimensions(number, len(kinds) - 1)
            sheet.previous_row = number + 1
        return number


_NEEDS_CARE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")  # what xlsxwriter escapes


def _careful_text(value: str) -> tuple[str, str]:
    """(escaped text, the <t> attribute keeping its outer spaces) as xlsxwriter writes a string."""
    if len(value) > XLS_STRMAX // 2 and _utf16_len(value) > XLS_STRMAX:
        value = _utf16_truncate(value, XLS_STRMAX)
    value = XMLwriter._escape_control_characters(value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value, ' xml:space="preserve"' if _preserve_whitespace(value) else ""


def _month_sheet(workbook, queryset: QuerySet, styles) -> None:
    """Events and fatalities by month × event type (one GROUP BY query), every month from the first
    to the last (a month without events is a row of zeros: the chart's time axis stays true), and
    their chart."""
    sheet = workbook.add_worksheet("By month")
    grouped = aggregate_rows(queryset, AggregateSpec(by=("event_type",), period="month"), max_rows=None)
    types = list(EventType.values)
    table: dict[dt.date, dict[str, tuple[int, int]]] = {}
    for item in grouped:
        table.setdefault(item["period"], {})[item["event_type"]] = (item["events"], item["fatalities"])
    if table:
        for month in period_starts("month", min(table), max(table)):
            table.setdefault(month, {})
    names = [
        "month",
        *(f"{name} events" for name in types),
        "events",
        *(f"{name} fatalities" for name in types),
    ]
    names.append("fatalities")
    _header(sheet, names, styles)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, len(names) - 1, 14)
    events_col, fatalities_col = 1 + len(types), len(names) - 1
    for row, month in enumerate(sorted(table), start=1):
        counts = table[month]
        sheet.write_datetime(row, 0, month, styles["month"])
        for offset, name in enumerate(types):
            events, fatalities = counts.get(name, (0, 0))
            sheet.write_number(row, 1 + offset, events)
            sheet.write_number(row, events_col + 1 + offset, fatalities)
        sheet.write_number(row, events_col, sum(events for events, _ in counts.values()))
        sheet.write_number(row, fatalities_col, sum(fatalities for _, fatalities in counts.values()))
    last = len(table)
    if last:
        sheet.autofilter(0, 0, last, len(names) - 1)
        chart = workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Events",
                "categories": ["By month", 1, 0, last, 0],
                "values": ["By month", 1, events_col, last, events_col],
            }
        )
        line = workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": "Fatalities",
                "categories": ["By month", 1, 0, last, 0],
                "values": ["By month", 1, fatalities_col, last, fatalities_col],
                "y2_axis": True,
            }
        )
        chart.combine(line)
        chart.set_title({"name": "Events and fatalities per month"})
        chart.set_x_axis({"name": "Month", "date_axis": True, "num_format": "yyyy-mm"})
        chart.set_y_axis({"name": "Events"})
        line.set_y2_axis({"name": "Fatalities"})
        chart.set_size({"width": 900, "height": 400})
        sheet.insert_chart(last + 3, 0, chart)


def _admin1_month_sheet(workbook, queryset: QuerySet, styles) -> None:
    """Events and fatalities by admin1 and month (one GROUP BY query), in rows to pivot or filter."""
    sheet = workbook.add_worksheet("By admin1 and month")
    names = ["country", "admin1", "month", "events", "fatalities"]
    _header(sheet, names, styles)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 10)
    sheet.set_column(3, 4, 12)
    grouped = aggregate_rows(queryset, AggregateSpec(by=("admin1",), period="month"), max_rows=None)
    row = 0
    for row, item in enumerate(grouped, start=1):
        sheet.write_string(row, 0, item["country"] or "")
        sheet.write_string(row, 1, item["admin1"] or "")
        sheet.write_datetime(row, 2, item["period"], styles["month"])
        sheet.write_number(row, 3, item["events"])
        sheet.write_number(row, 4, item["fatalities"])
    if row:
        sheet.autofilter(0, 0, row, len(names) - 1)


def _country_sheet(workbook, queryset: QuerySet, styles) -> None:
    """Events and fatalities by country and admin1 (one GROUP BY query)."""
    sheet = workbook.add_worksheet("By country")
    _header(sheet, ["country", "admin1", "events", "fatalities"], styles)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 3, 12)
    grouped = (
        queryset.values("place__country_name", "place__admin1")
        .annotate(events=Count("id"), fatalities=Coalesce(Sum("fatalities"), 0))
        .order_by("place__country_name", "place__admin1")
    )
    row = 0
    total_events = total_fatalities = 0
    for row, item in enumerate(grouped, start=1):
        sheet.write_string(row, 0, item["place__country_name"])
        sheet.write_string(row, 1, item["place__admin1"])
        sheet.write_number(row, 2, item["events"])
        sheet.write_number(row, 3, item["fatalities"])
        total_events += item["events"]
        total_fatalities += item["fatalities"]
    if row:
        sheet.autofilter(0, 0, row, 3)
    sheet.write_string(row + 1, 0, "Total", styles["bold"])
    sheet.write_number(row + 1, 2, total_events, styles["bold"])
    sheet.write_number(row + 1, 3, total_fatalities, styles["bold"])


def _actor_sheet(workbook, queryset: QuerySet, styles) -> None:
    """The actors in most events (one GROUP BY query over the events' actor roles)."""
    sheet = workbook.add_worksheet("Top actors")
    _header(sheet, ["actor", "inter code", "kind", "events", "fatalities"], styles)
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 4, 12)
    grouped = (
        EventActor.objects.filter(event__in=queryset.values("pk"))
        .values("actor__name", "actor__kind")
        .annotate(events=Count("event", distinct=True), fatalities=Coalesce(Sum("event__fatalities"), 0))
        .order_by("-events", "actor__name")[:TOP_ACTORS]
    )
    labels = dict(InterCode.choices)
    row = 0
    for row, item in enumerate(grouped, start=1):
        sheet.write_string(row, 0, item["actor__name"])
        sheet.write_number(row, 1, item["actor__kind"])
        sheet.write_string(row, 2, str(labels.get(item["actor__kind"], "")))
        sheet.write_number(row, 3, item["events"])
        sheet.write_number(row, 4, item["fatalities"])
    if row:
        sheet.autofilter(0, 0, row, 4)


def export_about(*, user=None, params: Mapping | None = None, include_unpublished: bool = False):
    """What a report's About sheet says of an export: its filters and the statuses it includes
    (what `user` may see, or all with `include_unpublished`, narrowed by the `status` filter)."""

    query = as_query_dict(params)
    named = {*EventFilter.base_filters, *AGGREGATE_PARAMETERS}  # not escape, format, …
    filters = tuple(
        (name, ", ".join(query.getlist(name))) for name in query if name in named and any(query.getlist(name))
    )
    statuses = statuses_included(
        user=user, params=query, published_by_default=False, include_unpublished=include_unpublished
    )
    return ReportAbout(filters=filters, statuses=tuple(statuses))
