"""Back up and restore Chronicle's PostgreSQL database with pg_dump and pg_restore.

    make backup                      # pg_dump -Fc of $DATABASE_URL into backups/chronicle-<UTC time>.dump
    make restore FILE=backups/….dump # pg_restore --clean --if-exists --no-owner into $DATABASE_URL

(the same as `python -m ops.backup backup|restore`). A backup is written under a temporary name,
checked with `pg_restore --list`, then renamed: a file named chronicle-*.dump is always complete.
A restore runs in one transaction (a failure changes nothing), creates the database when it does
not exist, refuses to replace a database that holds tables unless --force (FORCE=1) is given,
and refreshes the planner's statistics afterwards. SQLite is refused: its data package export
is portable but it is an export, not a backup (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

from ops.postgres import conninfo, is_postgres, libpq_env

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "backups"
SQLITE_ADVICE = (
    "Backups use pg_dump and need PostgreSQL (DATABASE_URL=postgres://user@host:5432/chronicle). "
    "On SQLite, export a portable copy of the events instead:\n"
    "  python manage.py export_events --format datapackage --include-unpublished --output chronicle.zip\n"
    "or copy db.sqlite3 while nothing writes to it."
)


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def database_from_environment() -> dict:
    """The Django database dict for $DATABASE_URL (the settings' SQLite default when unset)."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'db.sqlite3'}"
    return dj_database_url.parse(url)


def _require_postgres(db: dict) -> None:
    if not is_postgres(db):
        raise BackupError(SQLITE_ADVICE)


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _run(command: list[str], *, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True)


def _list_entries(path: Path, env: dict[str, str]) -> int:
    """How many entries pg_restore finds in a custom-format dump (raises if it cannot read it)."""
    listed = _run([_require_tool("pg_restore"), "--list", str(path)], env=env)
    if listed.returncode != 0:
        raise BackupError(f"{path} is not a readable pg_dump custom-format file: {listed.stderr.strip()}")
    return sum(1 for line in listed.stdout.splitlines() if line and not line.startswith(";"))


def backup(*, db: dict, directory: Path, now: dt.datetime | None = None) -> Path:
    """Dump the database to directory/chronicle-<UTC timestamp>.dump and return the path."""
    _require_postgres(db)
    pg_dump = _require_tool("pg_dump")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"chronicle-{stamp}.dump"
    if target.exists():
        raise BackupError(f"{target} already exists; wait a second and run the backup again.")
    partial = target.with_suffix(".dump.partial")
    env = libpq_env(db)
    try:
        dumped = _run([pg_dump, "--format=custom", "--file", str(partial)], env=env)
        if dumped.returncode != 0:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
        _list_entries(partial, env)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _database_exists(db: dict, name: str) -> bool:
    with psycopg.connect(conninfo(db, name="postgres"), autocommit=True) as maintenance:
        return (
            maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        )


def _create_database(db: dict, name: str) -> None:
    with psycopg.connect(conninfo(db, name="postgres"), autocommit=True) as maintenance:
        maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _tables_in(db: dict) -> tuple[int, int | None]:
    """(user tables, events) in the target database; events is None without an events table."""
    with psycopg.connect(conninfo(db), autocommit=True) as target:
        tables = target.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]
        if target.execute("SELECT to_regclass('public.events_event')").fetchone()[0] is None:
            return tables, None
        return tables, target.execute("SELECT count(*) FROM events_event").fetchone()[0]


def restore(*, db: dict, path: Path, force: bool = False) -> dict[str, int]:
    """Restore a dump into the database (created if missing); returns row counts afterwards."""
    _require_postgres(db)
    pg_restore = _require_tool("pg_restore")
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    env = libpq_env(db)
    _list_entries(path, env)
    name = db["NAME"]
    if not _database_exists(db, name):
        _create_database(db, name)
        print(f"Created the database {name}.")
    else:
        tables, events = _tables_in(db)
        if tables and not force:
            plural = "" if events == 1 else "s"
            holds = (
                f"{events:,} event{plural} in {tables} tables" if events is not None else f"{tables} tables"
            )
            raise BackupError(
                f"The database {name} already holds {holds}; restoring replaces them with the backup's. "
                "Re-run with FORCE=1 (make restore) or --force to go ahead."
            )
    restored = _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # all or nothing: a failed restore leaves the database as it was
            "--dbname",
            name,
            str(path),
        ],
        env=env,
    )
    if restored.returncode != 0:
        raise BackupError(f"pg_restore failed; nothing was changed: {restored.stderr.strip()}")
    with psycopg.connect(conninfo(db), autocommit=True) as target:
        target.execute("ANALYZE")  # pg_restore brings no planner statistics; without them plans crawl
        return {
            table: target.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in ("events_event", "events_citation", "events_historicalevent")
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="pg_dump -Fc of $DATABASE_URL into a timestamped file.")
    make.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("BACKUP_DIR") or DEFAULT_DIR),
        help="Directory for the dump (default: $BACKUP_DIR or backups/).",
    )
    load = commands.add_parser("restore", help="pg_restore a dump into $DATABASE_URL.")
    load.add_argument("file", type=Path, help="A chronicle-*.dump written by the backup command.")
    load.add_argument("--force", action="store_true", help="Replace a database that already holds tables.")
    args = parser.parse_args(argv)
    db = database_from_environment()
    started = time.perf_counter()
    try:
        if args.command == "backup":
            path = backup(db=db, directory=args.dir)
            size = path.stat().st_size / 1e6
            print(
                f"Backed up {db['NAME']} to {path} ({size:,.1f} MB, {time.perf_counter() - started:.1f} s)."
            )
        else:
            counts = restore(db=db, path=args.file, force=args.force)
            print(
                f"Restored {args.file} into {db['NAME']} in {time.perf_counter() - started:.1f} s: "
                f"{counts['events_event']:,} events, {counts['events_citation']:,} citations, "
                f"{counts['events_historicalevent']:,} event history rows."
            )
    except BackupError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
