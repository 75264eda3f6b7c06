"""The benchmark harness: machine facts, timing helpers, the scenario registry and the report.

A scenario is a function taking the `Bench` and returning `Result`s; decorate it with
`@scenario` in any module of `bench/scenarios/` and `make bench` runs it:

    @scenario
    def api_event_list(bench: Bench) -> list[Result]:
        return [bench.time_get("API events, no filter", "/api/v1/events/", target_ms=10, max_queries=6)]
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
import platform
import resource
import statistics
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.sections import write_section
from events.models import Event

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    """One line of the report. Times are milliseconds; leave out what does not apply."""

    scenario: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    rows_per_s: float | None = None
    peak_rss_mb: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


Scenario = Callable[["Bench"], Iterable[Result]]
SCENARIOS: list[Scenario] = []


def scenario(func: Scenario) -> Scenario:
    """Register a scenario; they run in module-name order, then in definition order."""
    SCENARIOS.append(func)
    return func


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of a list of timings."""
    if len(samples) == 1:
        return samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


@dataclass
class Bench:
    """What scenarios get: the database size and helpers that time things the same way."""

    events: int
    repeat: int = 30
    seed_events: int = 100_000
    extra: dict = field(default_factory=dict)

    def user(self, username: str = "bench-admin"):
        """A superuser for requests that need to see everything (drafts, admin)."""
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        return user

    def client(self, user=None, *, anonymous: bool = False) -> Client:
        """A test client logged in as `user` (default: the bench superuser), or anonymous."""
        client = Client()
        if not anonymous:
            client.force_login(user or self.user())
        return client

    def time_calls(
        self, func: Callable[[], object], *, repeat: int | None = None, warmup: int = 1
    ) -> list[float]:
        """Wall-clock milliseconds of `repeat` calls after `warmup` untimed ones."""
        for _ in range(warmup):
            func()
        samples = []
        for _ in range(repeat or self.repeat):
            started = time.perf_counter()
            func()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def time_get(
        self,
        name: str,
        url: str,
        *,
        client: Client | None = None,
        repeat: int | None = None,
        target_ms: float | None = None,
        max_queries: int | None = None,
        note: str = "",
    ) -> Result:
        """Time GET `url` through the Django test client: p50/p95 and the SQL queries of one request."""
        client = client or self.client()
        statuses: set[int] = set()

        def get():
            response = client.get(url)
            statuses.add(response.status_code)
            return response

        samples = self.time_calls(get, repeat=repeat)
        with CaptureQueriesContext(connection) as queries:
            get()
        p50, p95 = percentiles(samples)
        bad = sorted(s for s in statuses if s >= 400)
        met = None
        targets = []
        if target_ms is not None:
            targets.append(f"p50 ≤ {target_ms:g} ms")
            met = p50 <= target_ms
        if max_queries is not None:
            targets.append(f"≤ {max_queries} queries")
            met = (met is not False) and len(queries) <= max_queries
        if bad:
            met, note = False, f"HTTP {bad} " + note
        return Result(
            name, p50, p95, queries=len(queries), target=", ".join(targets), met=met, note=note.strip()
        )

    def run_command(self, args: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float, str]:
        """Run `manage.py <args>` in a child process: (wall seconds, peak RSS in MB, stdout)."""
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed ({process.returncode}): {output[-500:]}")
        return seconds, usage.ru_maxrss / 1024, output


def database_url(name: str | None = None) -> str:
    """The default database's URL, optionally for another database on the same server."""
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{name or db['NAME']}"


def machine() -> dict[str, str]:
    """The facts a reader needs to compare runs."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as meminfo:
        ram_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (the working tree had uncommitted changes)" if dirty else ""),
        "machine": f"{os.cpu_count()} CPUs ({cpu}), {ram_kb / 1024 / 1024:.0f} GB RAM, "
        f"load average {os.getloadavg()[0]:.1f} at start",
        "software": f"PostgreSQL {postgres} (shared_buffers {shared_buffers}), Python "
        f"{platform.python_version()}, Django {django.get_version()}",
    }


def ensure_events(bench: Bench, wanted: int) -> list[Result]:
    """Top the database up to `wanted` events with seed_demo (never clears what is there)."""
    have = Event.objects.count()
    if have >= wanted:
        return []
    missing = wanted - have
    print(f"The database has {have:,} events; seeding {missing:,} more (seed_demo)…", flush=True)
    seconds, rss, _ = bench.run_command(["seed_demo", "--events", str(missing), "--seed", str(have + 1)])
    bench.events = Event.objects.count()
    return [
        Result(
            f"seed_demo top-up: {missing:,} events",
            p50_ms=seconds * 1000,
            rows_per_s=missing / seconds,
            peak_rss_mb=rss,
            note="events/s, wall time incl. VACUUM ANALYZE",
        )
    ]


def load_scenarios() -> None:
    import bench.scenarios as package

    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        importlib.import_module(f"bench.scenarios.{module}")


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "ms" and value >= 10_000:
        return f"{value / 1000:,.1f} s"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    return f"{value:,.0f}{unit}"


def table(results: list[Result]) -> str:
    lines = [
        "| Scenario | p50 | p95 | SQL queries | rows/s | peak RSS | target | met | note |",
        "|---|---:|---:|---:|---:|---:|---|:-:|---|",
    ]
    for r in results:
        met = {True: "✅", False: "❌", None: ""}[r.met]
        rss = f"{r.peak_rss_mb:,.0f} MB" if r.peak_rss_mb is not None else ""
        cells = [
            r.scenario,
            _number(r.p50_ms, "ms"),
            _number(r.p95_ms, "ms"),
            "" if r.queries is None else str(r.queries),
            _number(r.rows_per_s),
            rss,
            r.target,
            met,
            r.note,
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def report(facts: dict[str, str], bench: Bench, results: list[Result]) -> str:
    return "\n".join(
        [
            f"Run of {facts['date']} on commit `{facts['commit']}`, against {bench.events:,} events.",
            "",
            f"- Machine: {facts['machine']}",
            f"- Software: {facts['software']}",
            f"- Request scenarios: {bench.repeat} timed repetitions after one warm-up, in-process "
            "Django test client; SQL queries counted on one extra request.",
            "",
            table(results),
        ]
    )


def main() -> int:
    if connection.vendor != "postgresql":
        print("make bench needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    # Production-like request handling: no debug pages, no query log growing in memory.
    settings.DEBUG = False
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    call_command("migrate", verbosity=0)
    bench = Bench(
        events=0,
        repeat=int(os.environ.get("BENCH_REPEAT", "30")),
        seed_events=int(os.environ.get("BENCH_SEED_EVENTS", "100000")),
    )
    wanted = int(os.environ.get("BENCH_EVENTS", "1000000"))
    only = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
    results = ensure_events(bench, wanted)
    bench.events = Event.objects.count()
    facts = machine()
    load_scenarios()
    failed = 0
    for func in SCENARIOS:
        if only and not any(part in func.__name__ for part in only):
            continue
        print(f"… {func.__module__.rsplit('.', 1)[-1]}.{func.__name__}", flush=True)
        try:
            results.extend(func(bench))
        except Exception as error:  # one broken scenario must not hide the others' numbers
            failed += 1
            traceback.print_exc()
            results.append(Result(func.__name__, met=False, note=f"failed: {error}"[:200]))
    print()
    print(table(results))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{bench.events:,} events; harness peak RSS {peak:,.0f} MB; {facts['machine']}; {facts['software']}"
    )
    output = os.environ.get("BENCH_OUTPUT", str(ROOT / "docs" / "benchmarks.md"))
    if output != "-":
        # A run at another size than a million events gets its own section (bench/sections.py).
        write_section(Path(output), kind="bench", events=bench.events, text=report(facts, bench, results))
        print(f"Wrote {output}")
    return 1 if failed else 0
