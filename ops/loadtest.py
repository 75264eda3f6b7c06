"""`make loadtest`: gunicorn on 127.0.0.1 under 50 clients, then 4 concurrent full CSV exports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chronicle_scale make loadtest

What it does (docs/architecture.md, "Load test"):

1. Samples event ids, countries, actors and places from the database (reads only).
2. Creates a viewer account with an API token for the run (deleted at the end).
3. Starts gunicorn as `make serve` does (DEBUG=0, a throwaway SECRET_KEY, plain http on
   127.0.0.1, whitenoise), with anonymous throttling off (ANON_THROTTLE_RATE=off).
4. Runs CLIENTS client threads for DURATION seconds; each one requests a list, detail or filter
   page of /api/v1/events/, reads the whole answer, then thinks 0.5–1.5 s (about 1 s). Half the
   clients send the viewer's token, half are anonymous (published events only).
5. Starts EXPORTS full CSV exports of every event (/api/v1/exports/events.csv) at once and checks
   that each completes (HTTP 200, the whole chunked body, a line per event) within a time cap.
6. Prints requests/s, p50/p95/p99 per kind of page and the errors, and writes them into
   docs/benchmarks.md between the `loadtest` markers of the database's size (LOADTEST_OUTPUT=- to
   skip; bench/sections.py).

Every non-200 answer and every failed connection counts as an error. The client threads run
on the same machine as the server and the database, so the numbers are pessimistic.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.sections import REFERENCE_EVENTS, size_key, write_section  # noqa: E402 - one writer for both reports
from config import gunicorn as server_settings  # noqa: E402 - the settings `make serve` uses

KINDS = ("list", "detail", "filter")
MIX = {"list": 0.4, "detail": 0.3, "filter": 0.3}  # share of each kind of page
LIST_TARGET_P95_MS = 200
VIEWER_NAME = "loadtest-viewer"


# --- what the clients ask for --------------------------------------------------------------


@dataclass
class Sample:
    """Values drawn from the database so that requests hit real rows."""

    published_ids: list[str]
    all_ids: list[str]
    countries: list[str]
    actor_ids: list[int]
    admin1_ids: list[int]
    years: list[int]
    events: int = 0
    visible_to_viewer: int = 0
    published: int = 0


def draw_sample() -> Sample:
    """Event ids, countries, actors and admin1 places from a ~1% block sample (fast on 1M rows)."""
    from django.db import connection

    def column(query: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return [row[0] for row in cursor.fetchall()]

    sampled = "events_event TABLESAMPLE SYSTEM (1) REPEATABLE (7)"
    sample = Sample(
        published_ids=column(f"SELECT event_id FROM {sampled} WHERE status = 'published' LIMIT 5000"),
        all_ids=column(f"SELECT event_id FROM {sampled} LIMIT 5000"),
        countries=column(
            f"SELECT p.country_code FROM {sampled.replace('events_event', 'events_event e')} "
            "JOIN places_place p ON p.id = e.place_id GROUP BY 1 ORDER BY count(*) DESC LIMIT 30"
        ),
        actor_ids=column(
            "SELECT actor_id FROM events_eventactor TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
            "WHERE role = 'actor1' GROUP BY 1 ORDER BY count(*) DESC LIMIT 200"
        ),
        admin1_ids=column("SELECT id FROM places_place WHERE kind = 'admin1' ORDER BY id"),
        years=column(f"SELECT DISTINCT extract(year FROM event_date)::int FROM {sampled} ORDER BY 1"),
    )
    sample.events = column("SELECT count(*) FROM events_event")[0]
    sample.published = column("SELECT count(*) FROM events_event WHERE status = 'published'")[0]
    sample.visible_to_viewer = sample.events  # the Viewer role reads every status
    if not sample.published_ids:
        raise SystemExit("The database holds no published events; seed it first (seed_demo --events N).")
    return sample


EVENT_TYPES = [
    "Battles",
    "Explosions/Remote violence",
    "Violence against civilians",
    "Protests",
    "Riots",
    "Strategic developments",
]
WORDS = ["clashes", "protest", "attack", "killed", "market", "checkpoint", "police", "village"]


def list_path(rng: random.Random, sample: Sample) -> str:
    """Browsing: the first pages with their count, deeper pages, or a bulk reader's cursor."""
    choice = rng.random()
    if choice < 0.5:
        return "/api/v1/events/"
    if choice < 0.8:
        return f"/api/v1/events/?page={rng.randint(2, 20)}"
    return "/api/v1/events/?pagination=cursor"


def detail_path(rng: random.Random, sample: Sample, *, viewer: bool) -> str:
    return f"/api/v1/events/{rng.choice(sample.all_ids if viewer else sample.published_ids)}/"


def filter_path(rng: random.Random, sample: Sample) -> str:
    """One of the filters people combine most: country, type, year, dates, actor, place, text."""
    country = rng.choice(sample.countries)
    year = rng.choice(sample.years)
    options: list[Callable[[], str]] = [
        lambda: f"country={country}",
        lambda: f"country={country}&event_type={rng.choice(EVENT_TYPES)}",
        lambda: f"year={year}&event_type={rng.choice(EVENT_TYPES)}",
        lambda: f"country={country}&year={year}",
        lambda: f"date_after={year}-01-01&date_before={year}-03-31",
        lambda: f"fatalities_min={rng.choice([5, 10, 50])}",
        lambda: f"actor={rng.choice(sample.actor_ids)}",
        lambda: f"place={rng.choice(sample.admin1_ids)}",
        lambda: f"q={rng.choice(WORDS)}",
        lambda: f"country={country}&civilian_targeting=true",
        lambda: "interaction=12",
        lambda: "disorder_type=Demonstrations",
    ]
    query = rng.choice(options)()
    return f"/api/v1/events/?{query.replace('/', '%2F').replace(' ', '+')}"


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    """`make serve`'s production settings, over plain http on 127.0.0.1, throttling off."""
    env = {
        key: value
        for key, value in os.environ.items()
        # No broker: large exports stream inline instead of becoming background jobs.
        if key not in {"DATABASE_REPLICA_URL", "CELERY_BROKER_URL", "REDIS_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        ANON_THROTTLE_RATE="off",
        LOG_LEVEL="WARNING",
    )
    return env


@contextlib.contextmanager
def gunicorn(
    *, port: int, workers: int, timeout: int, env: dict[str, str], log: Path, tree: Path = ROOT
) -> Iterator[int]:
    """Run gunicorn (as `make serve` does) on the code in `tree` until the block ends; yields the
    master's pid."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--config",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
    ]
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=tree, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
                try:
                    status, _, _ = request(port, "/healthz", timeout=5)
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log}")
                time.sleep(0.2)
            yield server.pid
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def request(
    port: int, path: str, *, headers: dict | None = None, timeout: float = 30
) -> tuple[int, int, float]:
    """GET path; returns (status, body bytes, seconds until the whole body was read)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, len(body), time.perf_counter() - started
    finally:
        connection.close()


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    viewer: bool
    path: str
    status: int  # 0: the request failed before any answer
    seconds: float
    error: str = ""


@dataclass
class LoadResult:
    outcomes: list[Outcome] = field(default_factory=list)
    elapsed: float = 0.0


def run_load(
    *, port: int, sample: Sample, token: str, clients: int, duration: float, seed: int
) -> LoadResult:
    result = LoadResult()
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + duration

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        viewer = number % 2 == 0
        headers = {"Authorization": f"Token {token}"} if viewer else {}
        time.sleep(rng.uniform(0, 1))  # arrivals spread over the first second
        while time.monotonic() < deadline:
            kind = rng.choices(KINDS, weights=[MIX[k] for k in KINDS])[0]
            if kind == "list":
                path = list_path(rng, sample)
            elif kind == "detail":
                path = detail_path(rng, sample, viewer=viewer)
            else:
                path = filter_path(rng, sample)
            began = time.perf_counter()
            try:
                status, _, seconds = request(port, path, headers=headers)
                outcome = Outcome(
                    kind, viewer, path, status, seconds, "" if status == 200 else f"HTTP {status}"
                )
            except (OSError, http.client.HTTPException) as exc:
                outcome = Outcome(kind, viewer, path, 0, time.perf_counter() - began, repr(exc))
            with lock:
                result.outcomes.append(outcome)
            time.sleep(rng.uniform(0.5, 1.5))

    threads = [threading.Thread(target=client, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - start
    return result


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def shape(outcome: Outcome) -> str:
    """What a request asked for, without its values: `filter: country+year`, `list: cursor`."""
    query = parse_qs(urlsplit(outcome.path).query)
    if outcome.kind == "list":
        page = int(query.get("page", ["1"])[0])
        return (
            "list: cursor" if "pagination" in query else ("list: page 1" if page == 1 else "list: pages 2–20")
        )
    if outcome.kind == "filter":
        return "filter: " + "+".join(sorted(query))
    return outcome.kind


def summarise(result: LoadResult) -> dict:
    rows = {}
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in result.outcomes:
        groups[outcome.kind].append(outcome)
        groups["all"].append(outcome)
        groups[f"{outcome.kind} ({'viewer' if outcome.viewer else 'anonymous'})"].append(outcome)
        if outcome.kind != "detail":
            groups[shape(outcome)].append(outcome)
    for name, outcomes in groups.items():
        times = [outcome.seconds * 1000 for outcome in outcomes]
        rows[name] = {
            "requests": len(outcomes),
            "per_second": len(outcomes) / result.elapsed,
            "errors": sum(1 for outcome in outcomes if outcome.error),
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99),
            "max_ms": max(times),
        }
    return rows


# --- the exports --------------------------------------------------------------------------------


@dataclass
class ExportOutcome:
    status: int = 0
    bytes: int = 0
    lines: int = 0
    first_byte_s: float = 0.0
    seconds: float = 0.0
    error: str = ""


def run_exports(*, port: int, token: str, count: int, cap: float, expected_rows: int) -> list[ExportOutcome]:
    """`count` full CSV exports at once; each must answer 200 and deliver a line per event in time."""
    outcomes = [ExportOutcome() for _ in range(count)]
    barrier = threading.Barrier(count)

    def export(outcome: ExportOutcome) -> None:
        barrier.wait()
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=min(cap, 300))
        try:
            connection.request(
                "GET", "/api/v1/exports/events.csv", headers={"Authorization": f"Token {token}"}
            )
            response = connection.getresponse()
            outcome.status = response.status
            outcome.first_byte_s = time.perf_counter() - started
            while chunk := response.read(1 << 20):
                outcome.bytes += len(chunk)
                outcome.lines += chunk.count(b"\n")
                if time.perf_counter() - started > cap:
                    raise TimeoutError(f"not complete after the {cap:.0f} s cap")
            if outcome.status != 200:
                outcome.error = f"HTTP {outcome.status}"
            elif outcome.lines < expected_rows + 1:
                outcome.error = f"{outcome.lines - 1:,} rows of {expected_rows:,} (cut short)"
        except (OSError, http.client.HTTPException) as exc:
            outcome.error = repr(exc)
        finally:
            outcome.seconds = time.perf_counter() - started
            connection.close()

    threads = [threading.Thread(target=export, args=(outcome,), daemon=True) for outcome in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(cap + 60)
    for outcome, thread in zip(outcomes, threads, strict=True):
        if thread.is_alive():
            outcome.error = outcome.error or f"still running after the {cap:.0f} s cap"
    return outcomes


class RssSampler(threading.Thread):
    """Peak resident memory of gunicorn's worker processes, sampled from /proc every 0.5 s."""

    def __init__(self, master: int) -> None:
        super().__init__(daemon=True)
        self.master = master
        self.peak: dict[int, int] = {}
        self.baseline: dict[int, int] = {}
        self.stopped = threading.Event()

    def workers(self) -> dict[int, int]:
        rss = {}
        for task in Path(f"/proc/{self.master}/task").glob("*"):
            for pid in (task / "children").read_text().split():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            rss[int(pid)] = int(line.split()[1]) * 1024
                except OSError:
                    continue
        return rss

    def run(self) -> None:
        self.baseline = self.workers()
        while not self.stopped.wait(0.5):
            for pid, rss in self.workers().items():
                self.peak[pid] = max(rss, self.peak.get(pid, 0))

    def growth_mb(self) -> float:
        return (
            max((rss - self.baseline.get(pid, rss)) / 1e6 for pid, rss in self.peak.items())
            if self.peak
            else 0.0
        )


# --- the viewer account -------------------------------------------------------------------------


@contextlib.contextmanager
def viewer_token() -> Iterator[str]:
    """A Viewer with a token for the run; deleted (with the token) afterwards."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from events.roles import VIEWER

    user_model = get_user_model()
    user_model.objects.filter(username=VIEWER_NAME).delete()  # left over from an interrupted run
    user = user_model.objects.create_user(username=VIEWER_NAME, password=None)
    user.groups.add(Group.objects.get(name=VIEWER))
    try:
        yield Token.objects.create(user=user).key
    finally:
        user.delete()


# --- the report ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // (1024 * 1024)
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} CPU cores ({cpu}), {memory} GB RAM, {platform.system()} {platform.release()}"


def load_average() -> str:
    """The 1-minute load average: how busy the machine's cores were (2 cores: 2.0 is full)."""
    return Path("/proc/loadavg").read_text().split()[0]


@contextlib.contextmanager
def exported_tree(revision: str) -> Iterator[Path]:
    """The files of a commit (git archive) in a temporary directory: other people's uncommitted
    edits in the working tree do not reach the server under test."""
    with tempfile.TemporaryDirectory(prefix="chronicle-loadtest-") as directory:
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", directory], input=archive.stdout, check=True)
        yield Path(directory)


def resolved(revision: str, root: Path = ROOT) -> str:
    """The commit a revision names now (HEAD, a branch): the run serves and reports that commit,
    even if the branch moves while the database is sampled or the load runs."""
    return subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def commit(revision: str | None, root: Path = ROOT) -> str:
    if revision:
        described = subprocess.run(
            ["git", "rev-parse", "--short", revision], cwd=root, capture_output=True, text=True, check=True
        )
        return f"{described.stdout.strip()} (served from a clean export of that commit)"
    described = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
    )
    return described.stdout.strip() + (
        " (with uncommitted changes in the tree)" if dirty.stdout.strip() else ""
    )


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def report(
    *, args, sample: Sample, summary: dict, exports: list[ExportOutcome], rss_growth_mb: float, note: str
) -> str:
    size = "" if size_key(sample.events) == REFERENCE_EVENTS else f" at {size_key(sample.events):,} events"
    lines = [
        f"### Latest run{size}",
        "",
        f"`make loadtest` (ops/loadtest.py), {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit(args.commit)}.",
        f"Machine: {machine()}; PostgreSQL {postgres_version()}; {sample.events:,} events "
        f"({sample.published:,} published).",
        f"Server: gunicorn ({server_settings.worker_class}), {args.workers} workers × "
        f"{server_settings.threads} threads, DEBUG=0, as `make serve` (config/gunicorn.py), on 127.0.0.1, "
        "anonymous throttling off. "
        f"Load: {args.clients} clients for {args.duration:.0f} s, each waiting 0.5–1.5 s (about 1 s) between "
        "requests, half with a viewer's token and half anonymous; 40% list pages (page 1, pages 2–20, "
        "cursor), 30% event details, 30% filtered lists (country, type, year, dates, actor, place, `q=`, …).",
        "The client threads, the server and PostgreSQL share the same cores with other work on this machine "
        f"(load average {args.load_before} before the run, {load_average()} after it), so these numbers are "
        "pessimistic.",
    ]
    if note:
        lines += ["", note]
    lines += [
        "",
        "| Pages | Requests | Requests/s | Errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = ["list", "detail", "filter", "all"] + sorted(name for name in summary if "(" in name)
    shapes = sorted((name for name in summary if ": " in name), key=lambda name: -summary[name]["p95_ms"])
    for name in order:
        if name not in summary:
            continue
        row = summary[name]
        lines.append(
            f"| {name} | {row['requests']:,} | {row['per_second']:.1f} | {row['errors']} | "
            f"{row['p50_ms']:.0f} | {row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {row['max_ms']:.0f} |"
        )
    lines += [
        "",
        "By shape of request, slowest p95 first:",
        "",
        "| Request | Requests | Errors | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in shapes:
        row = summary[name]
        lines.append(
            f"| {name} | {row['requests']:,} | {row['errors']} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | "
            f"{row['max_ms']:.0f} |"
        )
    list_p95 = summary.get("list", {}).get("p95_ms", float("inf"))
    errors = summary.get("all", {}).get("errors", 0)
    verdict = "met" if errors == 0 and list_p95 <= LIST_TARGET_P95_MS else "**not met**"
    lines += [
        "",
        f"Target (0 errors, p95 ≤ {LIST_TARGET_P95_MS} ms for list pages): {verdict} — {errors} errors, "
        f"list p95 {list_p95:.0f} ms.",
    ]
    if not exports:
        return "\n".join([*lines, "", "Exports: not run (LOADTEST_EXPORTS=0)."]) + "\n"
    lines += [
        "",
        f"Exports: {len(exports)} full CSV exports (`/api/v1/exports/events.csv`, every event, viewer token) "
        f"started together, cap {args.export_timeout:.0f} s:",
        "",
        "| Export | Status | Rows | MB | First byte s | Total s | Rows/s | Error |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for number, outcome in enumerate(exports, 1):
        rows = max(outcome.lines - 1, 0)
        rate = rows / outcome.seconds if outcome.seconds else 0
        lines.append(
            f"| {number} | {outcome.status or '-'} | {rows:,} | {outcome.bytes / 1e6:,.0f} | "
            f"{outcome.first_byte_s:.1f} | {outcome.seconds:.1f} | {rate:,.0f} | {outcome.error or 'none'} |"
        )
    failed = sum(1 for outcome in exports if outcome.error)
    lines += [
        "",
        f"Exports completed without errors: {len(exports) - failed} of {len(exports)}; peak RSS growth of a "
        f"gunicorn worker during the exports: {rss_growth_mb:,.0f} MB.",
    ]
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("LOADTEST_CLIENTS", 50)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("LOADTEST_DURATION", 60)))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WORKERS", 3)), help="gunicorn workers"
    )
    parser.add_argument(
        "--timeout", type=int, default=int(os.environ.get("GUNICORN_TIMEOUT", 30)), help="gunicorn --timeout"
    )
    parser.add_argument("--exports", type=int, default=int(os.environ.get("LOADTEST_EXPORTS", 4)))
    parser.add_argument(
        "--export-timeout", type=float, default=float(os.environ.get("LOADTEST_EXPORT_TIMEOUT", 900))
    )
    parser.add_argument("--seed", type=int, default=20151110)
    parser.add_argument(
        "--commit",
        default=os.environ.get("LOADTEST_COMMIT", ""),
        help="Serve the code of this commit (git archive) instead of the working tree, e.g. HEAD.",
    )
    parser.add_argument(
        "--output",
        default=os.environ.get("LOADTEST_OUTPUT", str(ROOT / "docs" / "benchmarks.md")),
        help='Markdown file whose "Load test" section is replaced ("-": none).',
    )
    parser.add_argument(
        "--note", default=os.environ.get("LOADTEST_NOTE", ""), help="A line added to the report."
    )
    args = parser.parse_args(argv)
    args.load_before = load_average()
    if args.commit:
        args.commit = resolved(args.commit)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print(
            "make loadtest needs PostgreSQL: DATABASE_URL=postgres://…/chronicle_scale make loadtest",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    print("Sampling the database…", flush=True)
    sample = draw_sample()
    print(f"{sample.events:,} events; {len(sample.all_ids)} ids sampled.", flush=True)
    log = Path(os.environ.get("LOADTEST_LOG", "/tmp/chronicle-loadtest-gunicorn.log"))
    port = free_port()
    with contextlib.ExitStack() as stack, viewer_token() as token:
        connection.close()  # the server's workers hold their own connections
        env = server_environment(database_url)
        tree = stack.enter_context(exported_tree(args.commit)) if args.commit else ROOT
        with gunicorn(
            port=port, workers=args.workers, timeout=args.timeout, env=env, log=log, tree=tree
        ) as master:
            for path in [
                "/api/v1/events/",
                f"/api/v1/events/{sample.published_ids[0]}/",
                "/api/v1/events/?country=SYR",
            ]:
                for _ in range(args.workers * 2):  # every worker imports and connects before the clock starts
                    request(port, path)
            print(
                f"{args.clients} clients for {args.duration:.0f} s against http://127.0.0.1:{port}/ …",
                flush=True,
            )
            load = run_load(
                port=port,
                sample=sample,
                token=token,
                clients=args.clients,
                duration=args.duration,
                seed=args.seed,
            )
            summary = summarise(load)
            for name in ["list", "detail", "filter", "all"]:
                row = summary.get(name)
                if row:
                    print(
                        f"  {name:7} {row['requests']:6,} requests {row['per_second']:6.1f}/s "
                        f"errors {row['errors']:3} p50 {row['p50_ms']:6.0f} ms "
                        f"p95 {row['p95_ms']:6.0f} ms p99 {row['p99_ms']:6.0f} ms",
                        flush=True,
                    )
            for outcome in [outcome for outcome in load.outcomes if outcome.error][:10]:
                print(f"  error: {outcome.kind} {outcome.path}: {outcome.error}", flush=True)
            exports: list[ExportOutcome] = []
            sampler = RssSampler(master)
            if args.exports:
                print(f"{args.exports} concurrent full CSV exports…", flush=True)
                sampler.start()
                exports = run_exports(
                    port=port,
                    token=token,
                    count=args.exports,
                    cap=args.export_timeout,
                    expected_rows=sample.visible_to_viewer,
                )
                sampler.stopped.set()
                sampler.join()
                for number, outcome in enumerate(exports, 1):
                    print(
                        f"  export {number}: HTTP {outcome.status} {max(outcome.lines - 1, 0):,} rows "
                        f"in {outcome.seconds:.1f} s {outcome.error or ''}",
                        flush=True,
                    )
    section = report(
        args=args,
        sample=sample,
        summary=summary,
        exports=exports,
        rss_growth_mb=sampler.growth_mb(),
        note=args.note,
    )
    Path(os.environ.get("LOADTEST_JSON", "/tmp/chronicle-loadtest.json")).write_text(
        json.dumps({"summary": summary, "exports": [vars(outcome) for outcome in exports]}, indent=2)
    )
    if args.output != "-":
        # A database of another size than a million events gets its own section (bench/sections.py).
        write_section(Path(args.output), kind="loadtest", events=sample.events, text=section)
        print(f"Wrote the Load test section of {args.output}.")
    print(section)
    failed = summary.get("all", {}).get("errors", 0) or any(outcome.error for outcome in exports)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
