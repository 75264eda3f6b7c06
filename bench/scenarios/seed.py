"""How fast seed_demo loads a fresh database (in a scratch database, so the bench data stays)."""

import psycopg
from django.conf import settings

from bench.harness import Bench, Result, database_url, scenario


def _admin_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def _count_rows(url: str) -> int:
    tables = ("events_event", "events_eventactor", "events_citation", "places_place", "actors_actor")
    with psycopg.connect(url) as conn:
        return sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables)


@scenario
def seed_demo_fresh_database(bench: Bench) -> list[Result]:
    """`seed_demo --events BENCH_SEED_EVENTS` into an empty, migrated scratch database."""
    n = bench.seed_events
    if not n:
        return []
    scratch = f"{settings.DATABASES['default']['NAME']}_seedbench"[:63]
    url = database_url(scratch)
    with _admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        bench.run_command(["migrate", "--verbosity", "0"], env={"DATABASE_URL": url})
        seconds, rss, _ = bench.run_command(
            ["seed_demo", "--events", str(n), "--seed", "1"], env={"DATABASE_URL": url}
        )
        rows = _count_rows(url)
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    return [
        Result(
            f"seed_demo --events {n:,} (fresh database): events/s",
            p50_ms=seconds * 1000,
            rows_per_s=n / seconds,
            peak_rss_mb=rss,
            note="one run; wall time of the command incl. start-up and VACUUM ANALYZE",
        ),
        Result(
            f"seed_demo --events {n:,} (fresh database): rows/s, all tables",
            p50_ms=seconds * 1000,
            rows_per_s=rows / seconds,
            note=f"{rows:,} rows: events, event actors, citations, places, actors",
        ),
    ]
