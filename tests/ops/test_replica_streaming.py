"""A real streaming replica behind the read router (config/routers.py).

The module builds its own throwaway PostgreSQL 15 primary and hot standby with `initdb` and
`pg_basebackup -R` on spare ports (never a copy of the main cluster), migrates the primary, and
serves Chronicle from gunicorn with DATABASE_URL on the primary and DATABASE_REPLICA_URL on the
standby. The tests speak HTTP to it, as clients do, and look at each cluster with psycopg.

Why a server in a subprocess rather than swapping this process's connections: the router's
state (the replica's mark-down, the per-request health check) and the read-your-writes cookie
live in the serving processes; a second gunicorn worker shows that nothing of it depends on
which worker answers; and this process's Django keeps its own test database untouched.

A read is proved to come from the standby by pausing its WAL replay
(`pg_wal_replay_pause()`), writing on the primary, and seeing the read miss the write.

Needs PostgreSQL 15's server binaries (Debian's postgresql-15); without them the tests skip,
unless CHRONICLE_REQUIRE_REPLICA=1 (as `.ci/run` sets) makes that a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from config.routers import STICKY_COOKIE

# transaction=True: nothing here may sit inside a test transaction of this process; the data
# lives in the throwaway clusters.
pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("CHRONICLE_PG_BIN", "/usr/lib/postgresql/15/bin"))
STICKY_SECONDS = 30  # REPLICA_STICKY_SECONDS of the server under test
RETRY_SECONDS = 1  # REPLICA_RETRY_SECONDS of the server under test
WAIT = 30  # seconds any single wait may take before the test fails
TIMINGS: dict[str, float] = {}

SEED = r"""
import json, django
django.setup()
from rest_framework.authtoken.models import Token
from events.roles import CURATOR, VIEWER
from tests.factories import CitationFactory, UserFactory
curator = UserFactory(username="replica-curator", role=CURATOR)
viewer = UserFactory(username="replica-viewer", role=VIEWER)
draft = CitationFactory(event__notes="Seeded.").event
print(json.dumps({
    "curator": Token.objects.create(user=curator).key,
    "viewer": Token.objects.create(user=viewer).key,
    "event_id": draft.event_id,
}))
"""


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres OS user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], *, env: dict | None = None, timeout: int = 120) -> str:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _wait_for(what: str, check) -> None:
    deadline = time.monotonic() + WAIT
    while True:
        with contextlib.suppress(Exception):
            if check():
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


class Cluster:
    """One throwaway PostgreSQL cluster, driven by pg_ctl."""

    def __init__(self, base: Path, name: str):
        self.data = base / name
        self.log = base / f"{name}.log"
        self.socket_dir = base
        self.port = _spare_port()

    def url(self, database: str = "chronicle") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.socket_dir} "
            "-c wal_level=replica -c max_wal_senders=5 -c fsync=off"
        )
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "start",
                    "-w",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                ]
            )
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(self.data)]),
            capture_output=True,
            timeout=60,
        )

    def query(self, sql: str, params: tuple = (), database: str = "chronicle"):
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def value(self, sql: str, params: tuple = ()):
        return self.query(sql, params)[0][0]


def _timed(label: str, start: float) -> None:
    TIMINGS[label] = round(time.monotonic() - start, 2)


@pytest.fixture(scope="module")
def replicated():
    """A primary, its streaming standby and a gunicorn serving Chronicle on both; torn down always."""
    if not (PG_BIN / "initdb").exists():
        reason = f"PostgreSQL 15 server binaries not found in {PG_BIN} (Debian's postgresql-15)"
        if os.environ.get("CHRONICLE_REQUIRE_REPLICA") == "1":
            pytest.fail(f"{reason}; CHRONICLE_REQUIRE_REPLICA=1 requires the streaming-replica test")
        pytest.skip(reason)
    began = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="chronicle-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, standby = Cluster(base, "primary"), Cluster(base, "standby")
    server = None
    try:
        step = time.monotonic()
        _run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(primary.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                ]
            )
        )
        primary.start()
        primary.query("CREATE DATABASE chronicle", database="postgres")
        _timed("primary: initdb + start", step)

        step = time.monotonic()
        backup = [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        _run(
            _as_postgres(
                [*backup, "-D", str(standby.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]
            )
        )
        standby.start()
        _wait_for(
            "the standby to stream",
            lambda: (
                primary.value("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", ()) == 1
            ),
        )
        _timed("standby: pg_basebackup + start + streaming", step)

        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "PG"))
        }
        env.update(
            DATABASE_URL=primary.url(),
            DATABASE_REPLICA_URL=standby.url(),
            DEBUG="0",
            SECRET_KEY="replica-test-" + uuid.uuid4().hex,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            REPLICA_STICKY_SECONDS=str(STICKY_SECONDS),
            REPLICA_RETRY_SECONDS=str(RETRY_SECONDS),
            WORKERS="2",
        )
        step = time.monotonic()
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env=env, timeout=180)
        _timed("migrate the primary", step)
        seeded = json.loads(_run([sys.executable, "-c", SEED], env=env).strip().splitlines()[-1])

        step = time.monotonic()
        port = _spare_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(base / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        _wait_for("gunicorn", lambda: requests.get(f"{url}/api/v1/", timeout=2).status_code == 200)
        _timed("gunicorn up", step)
        _timed("setup total", began)
        yield {"primary": primary, "standby": standby, "url": url, **seeded}
    finally:
        step = time.monotonic()
        if server is not None:
            server.terminate()  # the master stops its workers
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)  # whatever is left of the process group
            server.wait()
        _timed("teardown: gunicorn", step)
        standby.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
        _timed("teardown", step)
        _timed("module total", began)
        print("\nstreaming-replica timings (s):", json.dumps(TIMINGS))


def _client(pair, role: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {pair[role]}", "Accept": "application/json"})
    return session


def _reads(session: requests.Session, pair) -> dict[str, str]:
    """What a client sees of the test's event: the list, the detail and the CSV export."""
    url, event_id = pair["url"], pair["event_id"]
    responses = {
        "list": session.get(f"{url}/api/v1/events/", timeout=10),
        "detail": session.get(f"{url}/api/v1/events/{event_id}/", timeout=10),
        "export": session.get(f"{url}/api/v1/exports/events.csv", timeout=30),
    }
    for name, response in responses.items():
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:500]}"
    return {name: response.text for name, response in responses.items()}


def _notes(cluster: Cluster, event_id: str) -> str:
    return cluster.value("SELECT notes FROM events_event WHERE event_id = %s", (event_id,))


def _write_notes(session: requests.Session, pair, notes: str) -> requests.Response:
    detail = f"{pair['url']}/api/v1/events/{pair['event_id']}/"
    version = pair["primary"].value(
        "SELECT version FROM events_event WHERE event_id = %s", (pair["event_id"],)
    )
    response = session.patch(detail, json={"notes": notes, "version": version}, timeout=10)
    assert response.status_code == 200, response.text
    return response


@contextlib.contextmanager
def replay_paused(standby: Cluster):
    """The standby stops applying WAL: whatever is written meanwhile is missing from it."""
    standby.query("SELECT pg_wal_replay_pause()")
    _wait_for("replay to pause", lambda: standby.value("SELECT pg_get_wal_replay_pause_state()") == "paused")
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.OperationalError):  # a stopped standby has nothing to resume
            standby.query("SELECT pg_wal_replay_resume()")


def _caught_up(pair) -> None:
    target = pair["primary"].value("SELECT pg_current_wal_lsn()::text")
    _wait_for(
        "the standby to replay the primary's WAL",
        lambda: pair["standby"].value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)),
    )


def test_api_and_export_reads_are_served_by_the_standby_and_writes_by_the_primary(replicated):
    pair, began = replicated, time.monotonic()
    curator, viewer = _client(pair, "curator"), _client(pair, "viewer")
    marker = f"Written while replay was paused {uuid.uuid4().hex}"
    with replay_paused(pair["standby"]):
        _write_notes(curator, pair, marker)
        # The write reached the primary (the standby is read-only and, paused, does not have it).
        assert _notes(pair["primary"], pair["event_id"]) == marker
        assert _notes(pair["standby"], pair["event_id"]) != marker
        seen = _reads(viewer, pair)
        assert all(pair["event_id"] in text for text in seen.values())
        from_primary = [name for name, text in seen.items() if marker in text]
        assert not from_primary, f"read from the primary, not the standby: {from_primary}"
    _caught_up(pair)
    seen = _reads(viewer, pair)
    assert all(marker in text for text in seen.values())
    _timed("test: reads from the standby", began)


def test_a_curator_who_just_saved_reads_their_own_write(replicated):
    pair, began = replicated, time.monotonic()
    curator, viewer = _client(pair, "curator"), _client(pair, "viewer")
    marker = f"Saved a moment ago {uuid.uuid4().hex}"
    with replay_paused(pair["standby"]):
        saved = _write_notes(curator, pair, marker)
        assert STICKY_COOKIE in saved.cookies
        # The curator's next reads go to the primary, which has the write ...
        assert all(marker in text for text in _reads(curator, pair).values())
        # ... while everyone else still reads the (paused) standby.
        assert not any(marker in text for text in _reads(viewer, pair).values())
    _timed("test: read your own writes", began)


def test_losing_the_standby_turns_into_reads_from_the_primary(replicated):
    pair, began = replicated, time.monotonic()
    curator, viewer = _client(pair, "curator"), _client(pair, "viewer")
    standby = pair["standby"]
    marker = f"Only the primary has this {uuid.uuid4().hex}"
    with replay_paused(standby):
        _write_notes(curator, pair, marker)
        assert not any(marker in text for text in _reads(viewer, pair).values())
        standby.stop("immediate")
    # Every worker's pooled connection to the standby is now dead: no request may fail, and
    # the reads show the write only the primary has.
    for _ in range(6):
        seen = _reads(viewer, pair)
        assert all(marker in text for text in seen.values())
    _timed("test: standby lost", began)

    # The standby comes back: once the retry window has passed, reads go to it again.
    step = time.monotonic()
    standby.start()
    _caught_up(pair)
    time.sleep(RETRY_SECONDS + 0.5)
    again = f"Back on the standby {uuid.uuid4().hex}"
    with replay_paused(standby):
        _write_notes(curator, pair, again)
        for _ in range(4):
            assert not any(again in text for text in _reads(viewer, pair).values())
    _caught_up(pair)
    _timed("test: standby back", step)
