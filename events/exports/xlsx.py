"""The XLSX report: an Events sheet and summary sheets built with SQL aggregates, and a chart.

Written with xlsxwriter in constant_memory mode (rows go to disk as they are written), so a
100,000-event report does not hold its rows in memory. Cells are typed — strings as strings
(never formulas), numbers as numbers, dates as dates — so formula injection cannot happen.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

import xlsxwriter
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from events.exports.columns import XLSX_COLUMNS
from events.exports.query import export_rows
from events.models import Event, EventActor
from events.vocab import EventType, InterCode

SHEETS = ("Events", "By month", "By country", "Top actors", "About")
TOP_ACTORS = 100


def write_xlsx(target: str | IO[bytes], queryset: QuerySet, *, title: str = "Chronicle events") -> int:
    """Write the report to a path or binary file; returns the number of events."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    styles = {
        "header": workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        "month": workbook.add_format({"num_format": "yyyy-mm"}),
        "number": workbook.add_format({"num_format": "0.0000"}),
        "bold": workbook.add_format({"bold": True}),
        "wrap": workbook.add_format({"text_wrap": False}),
    }
    count = _events_sheet(workbook, queryset, styles)
    # The summaries group the same events; a pk subquery keeps the filters' own annotations
    # and ordering out of their GROUP BY.
    summary = Event.objects.filter(pk__in=queryset.order_by().values("pk")).order_by()
    _month_sheet(workbook, summary, styles)
    _country_sheet(workbook, summary, styles)
    _actor_sheet(workbook, summary, styles)
    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 22)
    about.set_column(1, 1, 60)
    for row, (label, value) in enumerate(
        [
            ("Report", title),
            ("Generated (UTC)", timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")),
            ("Events", count),
            ("Sheets", ", ".join(SHEETS)),
        ]
    ):
        about.write_string(row, 0, label, styles["bold"])
        if isinstance(value, int):
            about.write_number(row, 1, value)
        else:
            about.write_string(row, 1, value)
    workbook.close()
    return count


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
    writers = []
    for column in columns:
        if column.type == "date":
            writers.append(lambda s, r, c, v: s.write_datetime(r, c, v, styles["date"]))
        elif column.type == "datetime":
            writers.append(
                lambda s, r, c, v: s.write_datetime(
                    r, c, dt.datetime.fromisoformat(v[:-1]), styles["datetime"]
                )
            )
        elif column.type == "number":
            writers.append(lambda s, r, c, v: s.write_number(r, c, v, styles["number"]))
        elif column.type in ("integer",):
            writers.append(lambda s, r, c, v: s.write_number(r, c, v))
        elif column.type == "boolean":
            writers.append(lambda s, r, c, v: s.write_boolean(r, c, v))
        else:
            writers.append(lambda s, r, c, v: s.write_string(r, c, v))
    getters = [column.get for column in columns]
    row_number = 0
    for row in export_rows(queryset):
        row_number += 1
        for col, (get, write) in enumerate(zip(getters, writers, strict=True)):
            value = get(row)
            if value is None or value == "":
                continue
            write(sheet, row_number, col, value)
    sheet.autofilter(0, 0, max(row_number, 1), len(columns) - 1)
    return row_number


def _month_sheet(workbook, queryset: QuerySet, styles) -> None:
    """Events and fatalities by month × event type (one GROUP BY query), and their chart."""
    sheet = workbook.add_worksheet("By month")
    grouped = (
        queryset.annotate(month=TruncMonth("event_date"))
        .values("month", "event_type")
        .annotate(events=Count("id"), fatalities=Coalesce(Sum("fatalities"), 0))
        .order_by("month", "event_type")
    )
    types = list(EventType.values)
    table: dict[dt.date, dict[str, tuple[int, int]]] = {}
    for item in grouped:
        month = item["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        table.setdefault(month, {})[item["event_type"]] = (item["events"], item["fatalities"])
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
