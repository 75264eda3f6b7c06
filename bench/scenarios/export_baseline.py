"""The export baseline: PostgreSQL's own `COPY (SELECT … joins …) TO STDOUT` of ACLED's columns.

The CSV export target is "within 1.5× of this" (docs/benchmarks.md), so the export scenario should
divide its time by `copy_seconds(...)` measured in the same run (see `bench.extra`).
"""

import os
import time

from django.db import connection

from bench.harness import Bench, Result, percentiles, scenario
from core.countries import COUNTRIES
from events.acled import ACLED_COLUMNS


def _country_values() -> str:
    """ISO numeric code and ACLED region per alpha-3 code, as an inline VALUES table."""
    rows = []
    for iso3, country in sorted(COUNTRIES.items()):
        region = country.region.replace("'", "''")
        rows.append(f"('{iso3}', {country.numeric}, '{region}')")
    return ", ".join(rows)


def acled_copy_sql(*, where: str = "TRUE", order_by: str = "e.event_date DESC, e.id DESC") -> str:
    """ACLED_COLUMNS, in order, for every event matching `where`, in one SQL statement.

    Associated actors and sources are aggregated once per table and hash-joined (for a whole
    table that beats a correlated subquery per row); the order is the Event model's default.
    """

    def assoc(role: str) -> str:
        return (
            "(SELECT ea.event_id, string_agg(a.name, '; ' ORDER BY ea.position) AS names "
            "FROM events_eventactor ea JOIN actors_actor a ON a.id = ea.actor_id "
            f"WHERE ea.role = '{role}' GROUP BY ea.event_id)"
        )

    expressions = (
        "e.event_id", "e.event_date", "extract(year FROM e.event_date)::int", "e.time_precision",
        "e.disorder_type", "e.event_type", "e.sub_event_type",
        "a1.name", "aa1.names", "ea1.inter", "a2.name", "aa2.names", "ea2.inter", "e.interaction",
        "CASE WHEN e.civilian_targeting THEN 'Civilian targeting' ELSE '' END",
        "c.iso", "c.region", "p.country_name", "p.admin1", "p.admin2", "p.admin3", "p.name",
        "p.latitude", "p.longitude", "coalesce(e.geo_precision, p.geo_precision)",
        "src.names", "e.source_scale", "e.notes", "e.fatalities", "e.tags",
        "extract(epoch FROM e.updated_at)::bigint",
    )  # fmt: skip
    columns = ",\n               ".join(
        f'{expression} AS "{name}"' for expression, name in zip(expressions, ACLED_COLUMNS, strict=True)
    )
    select = f"""
        SELECT {columns}
        FROM events_event e
        JOIN places_place p ON p.id = e.place_id
        LEFT JOIN (VALUES {_country_values()}) AS c(iso3, iso, region) ON c.iso3 = p.country_code
        LEFT JOIN events_eventactor ea1 ON ea1.event_id = e.id AND ea1.role = 'actor1'
        LEFT JOIN actors_actor a1 ON a1.id = ea1.actor_id
        LEFT JOIN events_eventactor ea2 ON ea2.event_id = e.id AND ea2.role = 'actor2'
        LEFT JOIN actors_actor a2 ON a2.id = ea2.actor_id
        LEFT JOIN {assoc("assoc_actor_1")} aa1 ON aa1.event_id = e.id
        LEFT JOIN {assoc("assoc_actor_2")} aa2 ON aa2.event_id = e.id
        LEFT JOIN (SELECT ci.event_id, string_agg(s.name, '; ' ORDER BY ci.id) AS names
                   FROM events_citation ci JOIN events_source s ON s.id = ci.source_id
                   GROUP BY ci.event_id) src ON src.event_id = e.id
        WHERE {where}
    """
    if order_by:
        select += f" ORDER BY {order_by}"
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"


def copy_seconds(sql: str) -> tuple[float, int]:
    """Run a COPY … TO STDOUT, reading (and discarding) every byte: (seconds, bytes)."""
    connection.ensure_connection()
    size = 0
    started = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


@scenario
def export_raw_copy(bench: Bench) -> list[Result]:
    """Rows/s of the raw COPY baseline, ordered as the model orders events and unordered."""
    rounds = int(os.environ.get("BENCH_COPY_ROUNDS", "3"))
    results = []
    for label, order_by in (("model order", "e.event_date DESC, e.id DESC"), ("unordered", "")):
        sql = acled_copy_sql(order_by=order_by)
        timings, size = [], 0
        for _ in range(rounds):
            seconds, size = copy_seconds(sql)
            timings.append(seconds * 1000)
        p50, p95 = percentiles(timings)
        bench.extra[f"copy_ms:{label}"] = p50
        results.append(
            Result(
                f"Export baseline: raw COPY of all events, 31 ACLED columns ({label})",
                p50_ms=p50,
                p95_ms=p95,
                queries=1,
                rows_per_s=bench.events / (p50 / 1000),
                note=f"{rounds} rounds, {size / 1e6:,.0f} MB of CSV",
            )
        )
    return results
