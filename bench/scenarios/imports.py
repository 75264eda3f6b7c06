"""Import scenarios (docs/benchmarks.md): an ACLED file of ~100,000 rows, imported then re-imported.

The file is our own ACLED export of the newest BENCH_IMPORT_ROWS events (default 100,000) of the
bench database. It is imported twice over:

- into an empty, migrated scratch database (`<db>_importbench`);
- into a copy of the bench database itself (`<db>_import1m`, `CREATE DATABASE … TEMPLATE`), the
  realistic case of a file arriving at a database that already holds its million events. There
  the file's events must be new ones, so each event id gets a serial 50,000,000 higher and each
  date moves one year back (no event is then its own twin for the likely-duplicate report, and
  the events land among others of the same places and types).

Each import is followed by the same file again, which must write nothing but its ImportBatch:
the scenario compares every table's pg_stat_user_tables insert/update/delete counters and every
sequence's last_value before and after it. The scratch databases are dropped afterwards, so the
bench data stay as they are. Every run is `manage.py import_acled` in a child process; rows/s is
the importer's own figure (its summary line), which leaves out the interpreter's start-up.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
import time
from pathlib import Path

import psycopg
from django.db import connections

from bench.harness import Bench, Result, database_url, scenario
from bench.scenarios.export import _date_for_newest, _export, run_manage
from bench.scenarios.seed import _admin_connection
from events.models import Event

IMPORT_ROWS_PER_S = 10_000
REIMPORT_ROWS_PER_S = 30_000
BATCH_TABLE = "events_importbatch"
NEW_SERIAL_OFFSET = 50_000_000  # added to each event id's serial to make the file's events new
_SUMMARY = re.compile(r"\(([\d.]+) s, ([\d,]+) rows/s")


def _counters(url: str) -> tuple[dict[str, tuple[int, int, int]], dict[str, int | None]]:
    """(table -> (inserted, updated, deleted) tuples so far, sequence -> last_value)."""
    with psycopg.connect(url) as conn:
        tables = {
            name: (ins, upd, dele)
            for name, ins, upd, dele in conn.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
            )
        }
        sequences = dict(conn.execute("SELECT sequencename, last_value FROM pg_sequences").fetchall())
    return tables, sequences


def _writes(before, after) -> list[str]:
    """What changed between two _counters() snapshots, apart from the run's ImportBatch row."""
    (tables_before, sequences_before), (tables_after, sequences_after) = before, after
    changes = []
    for table, counts in tables_after.items():
        old = tables_before.get(table, (0, 0, 0))
        delta = [new - was for new, was in zip(counts, old, strict=True)]
        if any(delta) and table != BATCH_TABLE:
            changes.append(f"{table} +{delta[0]} ins/{delta[1]} upd/{delta[2]} del")
    for sequence, value in sequences_after.items():
        if value != sequences_before.get(sequence) and not sequence.startswith(BATCH_TABLE):
            changes.append(f"sequence {sequence} {sequences_before.get(sequence)} → {value}")
    return changes


def _import(bench: Bench, url: str, path: Path) -> tuple[float, float, float, float, str]:
    """(importer seconds, importer rows/s, wall seconds, peak RSS MB, summary) of import_acled."""
    wall, rss, stdout = run_manage(["import_acled", str(path), "--no-progress"], env={"DATABASE_URL": url})
    summary = stdout.strip().splitlines()[-1]
    match = _SUMMARY.search(summary)
    if not match:
        raise RuntimeError(f"import_acled said: {summary}")
    return float(match.group(1)), float(match.group(2).replace(",", "")), wall, rss, summary


def _import_twice(bench: Bench, url: str, path: Path, rows: int, into: str) -> list[Result]:
    """The import of `path` into the database at `url`, then the same file again (writing nothing)."""
    seconds, rate, wall, rss, summary = _import(bench, url, path)
    results = [
        Result(
            f"ACLED import of {rows:,} rows (our export) into {into}",
            p50_ms=seconds * 1000,
            rows_per_s=rate,
            peak_rss_mb=rss,
            target=f"≥ {IMPORT_ROWS_PER_S:,} rows/s",
            met=rate >= IMPORT_ROWS_PER_S,
            note=f"import_acled in a child process, one run (wall {wall:.1f} s with start-up); "
            f"{summary.split(' — ', 1)[-1].split(' (', 1)[0]}",
        )
    ]
    before = _counters(url)
    seconds, rate, wall, rss, summary = _import(bench, url, path)
    after = _counters(url)
    writes = _writes(before, after)
    unchanged = f"{rows} unchanged" in summary.replace(",", "")
    results.append(
        Result(
            f"ACLED re-import of the same {rows:,} rows (unchanged) into {into}",
            p50_ms=seconds * 1000,
            rows_per_s=rate,
            peak_rss_mb=rss,
            target=f"≥ {REIMPORT_ROWS_PER_S:,} rows/s, writes nothing",
            met=rate >= REIMPORT_ROWS_PER_S and not writes and unchanged,
            note=(
                "wrote nothing but its ImportBatch (pg_stat_user_tables and pg_sequences compared)"
                if not writes
                else "WROTE: " + "; ".join(writes)
            )
            + ("" if unchanged else f"; summary: {summary}")
            + f"; one run (wall {wall:.1f} s with start-up)",
        )
    )
    return results


def renew_events(source: Path, target: Path) -> int:
    """Copy an ACLED file with every event made new: its id's serial NEW_SERIAL_OFFSET higher and
    its date a year earlier (29 February becomes the 28th). Returns the rows written."""
    with (
        source.open(newline="", encoding="utf-8") as given,
        target.open("w", newline="", encoding="utf-8") as made,
    ):
        reader, writer = csv.reader(given), csv.writer(made)
        header = next(reader)
        writer.writerow(header)
        id_at, date_at, year_at = (header.index(name) for name in ("event_id_cnty", "event_date", "year"))
        rows = 0
        for row in reader:
            prefix, serial = row[id_at][:3], int(row[id_at][3:])
            row[id_at] = f"{prefix}{serial + NEW_SERIAL_OFFSET}"
            day = dt.date.fromisoformat(row[date_at])
            day = day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)
            row[date_at], row[year_at] = day.isoformat(), str(day.year)
            writer.writerow(row)
            rows += 1
    return rows


def _copy_database(source: str, target: str) -> None:
    """CREATE DATABASE target TEMPLATE source; the template must have no other sessions, so this
    process closes its own and retries a few times while another one finishes."""
    connections.close_all()
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}"')
        for attempt in range(10):
            try:
                admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 9:
                    raise
                time.sleep(3)


@scenario
def import_acled_file(bench: Bench) -> list[Result]:
    """import_acled of ~100,000 rows into an empty database, then the same file again."""
    wanted = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    from django.conf import settings

    scratch = f"{settings.DATABASES['default']['NAME']}_importbench"[:63]
    url = database_url(scratch)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        path = Path(folder) / "events.acled.csv"
        day = _date_for_newest(wanted)
        _, _, _, rows = _export(bench, "acled", path, f"date_after={day}")
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            admin.execute(f'CREATE DATABASE "{scratch}"')
        try:
            bench.run_command(["migrate", "--verbosity", "0"], env={"DATABASE_URL": url})
            return _import_twice(bench, url, path, rows, "an empty database")
        finally:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


@scenario
def import_acled_file_into_a_million(bench: Bench) -> list[Result]:
    """import_acled of ~100,000 new events into a copy of the bench database, then again.

    Long at a million events: the likely-duplicate report of 100,000 new events takes most of it
    (docs/benchmarks.md, "Imports into a million events"); BENCH_IMPORT_INTO_COPY=0 skips it."""
    if os.environ.get("BENCH_IMPORT_INTO_COPY", "1") == "0":
        return []
    wanted = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    from django.conf import settings

    source = settings.DATABASES["default"]["NAME"]
    scratch = f"{source}_import1m"[:63]
    url = database_url(scratch)
    held = Event.objects.count()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        exported, path = Path(folder) / "export.acled.csv", Path(folder) / "events.acled.csv"
        day = _date_for_newest(wanted)
        _export(bench, "acled", exported, f"date_after={day}")
        rows = renew_events(exported, path)
        _copy_database(source, scratch)
        try:
            return _import_twice(bench, url, path, rows, f"a database of {held:,} events (new events)")
        finally:
            with _admin_connection() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
