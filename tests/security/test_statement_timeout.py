"""Statement timeouts (config/statement_timeout.py): set in web processes only, a longer one for
bulk reads, and a statement PostgreSQL cancels answers a 503 saying the query was too broad.

Web processes are real ones here: a subprocess imports config.wsgi as gunicorn does and reports
its connection's setting. Cancellations are real too: another connection holds a lock the
request's query waits for, until the timeout cancels it (no sleep is timed; no duration asserted).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from config.statement_timeout import bulk_statement_timeout, set_statement_timeout

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])\n"
)

pytestmark = pytest.mark.postgres


def _environment(**extra: str) -> dict[str, str]:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url}
    for name in ("STATEMENT_TIMEOUT_MS", "BULK_STATEMENT_TIMEOUT_MS"):
        environment.pop(name, None)
    return {**environment, **extra}


def _run(code: str, **extra: str) -> str:
    finished = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(**extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout.strip().splitlines()[-1]


def _show_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_web_process_sets_the_timeout_on_its_connections():
    web = "import config.wsgi\n" + SHOW
    assert _run(web) == "15s"  # STATEMENT_TIMEOUT_MS's default
    assert _run(web, STATEMENT_TIMEOUT_MS="2500") == "2500ms"
    assert _run(web, STATEMENT_TIMEOUT_MS="0") == "0"  # 0 turns it off


@pytest.mark.django_db
def test_commands_and_tests_run_without_one():
    assert _show_timeout() == "0"
    finished = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.strip().splitlines()[-1] == "0"
    assert _run("import django; django.setup()\n" + SHOW) == "0"  # Celery and scripts alike


@pytest.mark.django_db
def test_a_bulk_block_has_its_own_limit_for_its_transaction_only(settings):
    settings.BULK_STATEMENT_TIMEOUT_MS = 120_000
    with bulk_statement_timeout():
        assert _show_timeout() == "2min"
    # the test's own transaction keeps the SET LOCAL until it ends; a web request's ends with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', '0', true)")


class _Lock:
    """Another connection holding ACCESS EXCLUSIVE on a table: every query on it waits."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __enter__(self):
        self.other = connections.create_connection(DEFAULT_DB_ALIAS)
        self.other.ensure_connection()
        self.other.set_autocommit(False)
        with self.other.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {self.table} IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc) -> None:
        self.other.rollback()
        self.other.close()


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_statement_answers_503_saying_the_query_was_too_broad(settings):
    settings.STATEMENT_TIMEOUT_MS = 300
    settings.BULK_STATEMENT_TIMEOUT_MS = 400
    client = Client()
    try:
        set_statement_timeout(connection=connection)  # as a web process's connection has it
        with _Lock("events_event"):
            native = client.get("/api/v1/events/")
            every_row = client.get("/api/acled/read?limit=0")
            page = client.get("/api/acled/read?limit=10")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', '0', false)")
    assert native.status_code == 503
    payload = json.loads(native.content)
    assert payload["errors"] == [] and "too broad" in payload["detail"] and "300 ms" in payload["detail"]
    assert "unavailable" not in payload["detail"]
    assert "Retry-After" not in native  # retrying the same query will not help
    for response, limit in ((every_row, "400 ms"), (page, "300 ms")):  # ACLED's envelope, its limit
        assert response.status_code == 503
        error = json.loads(response.content)
        assert error["success"] is False and error["error"]["status"] == 503
        assert "too broad" in error["error"]["message"] and limit in error["error"]["message"]
    # the connection is usable afterwards
    assert client.get("/api/acled/read?limit=10").status_code == 200


@pytest.mark.django_db
def test_a_statement_cancelled_by_set_local_is_told_apart_from_a_lost_database():
    from django.db import OperationalError

    from config.middleware import database_unavailable
    from config.statement_timeout import statement_cancelled

    with (
        pytest.raises(OperationalError) as cancelled,
        bulk_statement_timeout(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert statement_cancelled(cancelled.value)
    assert not statement_cancelled(OperationalError("server closed the connection unexpectedly"))
    assert database_unavailable(OperationalError("server closed the connection unexpectedly"))
