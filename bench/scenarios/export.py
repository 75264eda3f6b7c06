"""Export scenarios (docs/benchmarks.md): CSV and ACLED CSV of every event, the XLSX report of 100,000.

Each export runs as `manage.py export_events` in a child process, so its peak RSS is the child's
own high-water mark (VmHWM; docs/architecture.md: tracemalloc cannot see libpq's buffers); "growth"
subtracts the peak of the same command exporting nothing (Django and the app imported, no rows).
The CSV exports are compared with the raw `COPY (SELECT … joins …) TO STDOUT` baseline
(export_baseline.py) run right before them, so both see the same machine load; and with a plain
django-import-export `ModelResource` export (the peer baseline) of a subset, BENCH_PEER_ROWS
events (default 20,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

from bench.harness import ROOT, Bench, Result, scenario
from bench.scenarios.export_baseline import acled_copy_sql, copy_seconds
from events.models import Event

CSV_ROWS_PER_S = 100_000
COPY_RATIO = 1.5
RSS_GROWTH_MB = 100
CSV_TARGET = f"≥ {CSV_ROWS_PER_S:,} rows/s, ≤ {COPY_RATIO}× COPY, RSS growth ≤ {RSS_GROWTH_MB} MB"
XLSX_EVENTS = 100_000
XLSX_SECONDS = 12
XLSX_RSS_MB = 120


# Runs manage.py and, at exit, writes the process's own peak RSS (VmHWM) to PEAK_RSS_FILE: the
# ru_maxrss that wait4() reports for a child includes its parent's size at the fork (the harness
# holds ~100 MB), which would hide any export's own memory.
_PEAK_WRAPPER = """
import atexit, os, runpy, sys

def _peak():
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
    with open(os.environ["PEAK_RSS_FILE"], "w", encoding="ascii") as out:
        out.write(peak)

atexit.register(_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


# Commands run as in production: with DEBUG on, Django keeps every query's SQL in memory.
PRODUCTION_MODE = {"DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-not-secret"}


def run_manage(args: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run `manage.py <args>` in a child process: (wall seconds, its own peak RSS in MB, stdout)."""
    with tempfile.NamedTemporaryFile(prefix="bench-peak-", suffix=".txt") as peak:
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-c", _PEAK_WRAPPER, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env={**os.environ, **PRODUCTION_MODE, **(env or {}), "PEAK_RSS_FILE": peak.name},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if process.returncode:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed: {(process.stdout + process.stderr)[-800:]}"
            )
        peak_kb = Path(peak.name).read_text(encoding="ascii").strip()
    return seconds, int(peak_kb) / 1024, process.stdout


def _export(bench: Bench, fmt: str, output: Path, *filters: str) -> tuple[float, float, float, int]:
    """(export seconds, wall seconds, peak RSS MB, events) of `export_events` in a child process;
    the export's own seconds (what the command reports) leave out the interpreter's start-up."""
    args = ["export_events", "--format", fmt, "--output", str(output), "--include-unpublished"]
    for item in filters:
        args += ["--filter", item]
    wall, rss, stdout = run_manage(args)
    # "Exported 1,000,000 events as csv to /tmp/… (61.2 s)."
    summary = stdout.rsplit("Exported ", 1)[1]
    events = int(summary.split(" ", 1)[0].replace(",", ""))
    seconds = float(summary.rsplit("(", 1)[1].split(" s)", 1)[0])
    return seconds, wall, rss, events


def _startup_rss(bench: Bench, folder: Path) -> float:
    """Peak RSS of an export of no events: the interpreter, Django and the app."""
    _, _, rss, _ = _export(bench, "csv", folder / "empty.csv", "year=1900")
    return rss


PEER_SCRIPT = """
import sys, time
import django
django.setup()
from import_export.resources import modelresource_factory
from events.models import Event
from events.resources import EventResource
kind, rows = sys.argv[1], int(sys.argv[2])
queryset = Event.objects.order_by("-event_date", "-id")[:rows]
resource = modelresource_factory(Event)() if kind == "plain" else EventResource()
started = time.perf_counter()
text = resource.export(queryset).csv
seconds = time.perf_counter() - started
with open("/proc/self/status", encoding="ascii") as status:
    peak = next(line for line in status if line.startswith("VmHWM:")).split()[1]
print(seconds, len(text.splitlines()) - 1, peak)
"""


def _peer_export(kind: str, rows: int) -> tuple[float, float, int]:
    """(seconds in export(), peak RSS MB, rows) of a django-import-export resource in a child."""
    process = subprocess.Popen(
        [sys.executable, "-c", PEER_SCRIPT, kind, str(rows)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"peer export failed: {output[-300:]}")
    seconds, written, peak_kb = output.split()[-3:]
    return float(seconds), int(peak_kb) / 1024, int(written)


@scenario
def export_csv_all_events(bench: Bench) -> list[Result]:
    """Chronicle CSV and ACLED CSV of every event, against COPY and the import-export peer."""
    results = []
    peer_rows = int(os.environ.get("BENCH_PEER_ROWS", "20000"))
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        folder = Path(folder)
        startup = _startup_rss(bench, folder)
        rates: dict[str, float] = {}
        for fmt, label in (("csv", "CSV (Chronicle columns)"), ("acled", "ACLED CSV (31 columns)")):
            copy_s, _ = copy_seconds(acled_copy_sql())
            seconds, wall, rss, events = _export(bench, fmt, folder / f"all.{fmt}.csv")
            size = (folder / f"all.{fmt}.csv").stat().st_size
            (folder / f"all.{fmt}.csv").unlink()
            ratio = seconds / copy_s
            rate = events / seconds
            rates[fmt] = rate
            growth = rss - startup
            met = rate >= CSV_ROWS_PER_S and ratio <= COPY_RATIO and growth <= RSS_GROWTH_MB
            results.append(
                Result(
                    f"Export {label} of all events (export_events, child process)",
                    p50_ms=seconds * 1000,
                    queries=None,
                    rows_per_s=rate,
                    peak_rss_mb=rss,
                    target=CSV_TARGET,
                    met=met,
                    note=f"{events:,} events, {size / 1e6:,.0f} MB; {ratio:.2f}× the raw COPY just before "
                    f"({copy_s:.1f} s, {events / copy_s:,.0f} rows/s); RSS growth {growth:,.0f} MB over "
                    f"an empty export's {startup:,.0f} MB; one run (wall {wall:.1f} s with start-up)",
                )
            )
        for kind, label in (
            ("plain", "plain ModelResource(Event)"),
            ("natural", "EventResource (natural keys)"),
        ):
            seconds, rss, written = _peer_export(kind, peer_rows)
            peer_rate = written / seconds
            results.append(
                Result(
                    f"Peer baseline: django-import-export {label}, {written:,} events",
                    p50_ms=seconds * 1000,
                    rows_per_s=peer_rate,
                    peak_rss_mb=rss,
                    note=f"subset of {written:,} newest events (the full table would take "
                    f"{bench.events / peer_rate / 60:,.0f} min); our CSV export is "
                    f"{rates['csv'] / peer_rate:,.0f}× faster, ACLED CSV {rates['acled'] / peer_rate:,.0f}×",
                )
            )
    return results


def _date_for_newest(count: int) -> str:
    """The event_date from which on the newest `count` events lie (for date_after)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_date FROM events_event ORDER BY event_date DESC, id DESC OFFSET %s LIMIT 1",
            [count - 1],
        )
        row = cursor.fetchone()
    return row[0].isoformat() if row else "1900-01-01"


@scenario
def export_xlsx_report(bench: Bench) -> list[Result]:
    """The XLSX report (Events sheet, summaries, chart) of the newest ~100,000 events."""
    day = _date_for_newest(min(XLSX_EVENTS, Event.objects.count()))
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        output = Path(folder) / "report.xlsx"
        seconds, wall, rss, events = _export(bench, "xlsx", output, f"date_after={day}")
        size = output.stat().st_size
    return [
        Result(
            f"XLSX report of {events:,} events (export_events, child process)",
            p50_ms=seconds * 1000,
            rows_per_s=events / seconds,
            peak_rss_mb=rss,
            target=f"≤ {XLSX_SECONDS} s, peak RSS ≤ {XLSX_RSS_MB} MB",
            met=seconds <= XLSX_SECONDS and rss <= XLSX_RSS_MB,
            note=f"date_after={day}; {size / 1e6:,.1f} MB; one run (wall {wall:.1f} s with start-up)",
        )
    ]
