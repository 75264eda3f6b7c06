"""`make backup` and `make restore`: a restore into an empty database finds every row again.

The real commands run (make → ops/backup.py → pg_dump/pg_restore) against the test database; the
restore goes into a scratch database created for the test and dropped at its end.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from core.vocab import Status
from events.models import Citation, Event
from events.services import event_publish, event_retract, event_update
from ops.postgres import conninfo, database_url
from tests.factories import CitationFactory, EventActorFactory, EventFactory

pytestmark = pytest.mark.slow  # pg_dump and pg_restore for real

ROOT = Path(__file__).resolve().parents[2]


def make(target: str, *, database: str, **variables: str) -> subprocess.CompletedProcess:
    """Run `make <target>` as an operator would, with DATABASE_URL naming `database`."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env["DATABASE_URL"] = database
    command = [
        "make",
        "--no-print-directory",
        target,
        *(f"{key}={value}" for key, value in variables.items()),
    ]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def table_fingerprints(name: str) -> dict[str, tuple[int, str]]:
    """Every user table of a database: its row count and an md5 of all its rows, in a stable order."""
    with psycopg.connect(conninfo(connection.settings_dict, name=name), autocommit=True) as db:
        tables = [
            row[0]
            for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ]
        fingerprints = {}
        for table in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t"
            ).format(sql.Identifier(table))
            fingerprints[table] = db.execute(query).fetchone()
        return fingerprints


def sequence_positions(name: str) -> dict[str, int | None]:
    with psycopg.connect(conninfo(connection.settings_dict, name=name), autocommit=True) as db:
        return dict(
            db.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )


@pytest.fixture
def scratch_database():
    """A database name that does not exist yet; dropped (with its connections) at the end."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(conninfo(connection.settings_dict, name="postgres"), autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def a_curated_data_set(curator, reviewer) -> None:
    """Events with actors and one or two citations; some changed twice, published and retracted,
    so that their history holds several rows each."""
    for number in range(30):
        event = EventFactory(fatalities=number, notes=f"Event {number}: clashes reported.")
        EventActorFactory(event=event)
        CitationFactory(event=event)
        if number % 3 == 0:
            CitationFactory(event=event, reported_fatalities=number + 1, field="fatalities")
        if number % 5 == 0:
            event = event_update(event=event, data={"fatalities": number + 1}, expected_version=1, by=curator)
            event = event_update(event=event, data={"notes": "Recoded."}, expected_version=2, by=curator)
    cited = Event.objects.filter(citations__isnull=False).order_by("pk").distinct()
    for event in cited[:3]:
        event_publish(event=event, by=reviewer)
    event_retract(event=Event.objects.get(pk=cited[0].pk), by=reviewer)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_holds_every_event_citation_and_history_row(
    tmp_path, curator, reviewer, scratch_database
):
    a_curated_data_set(curator, reviewer)
    assert Event.objects.count() == 30
    assert Citation.objects.count() == 40
    assert Event.history.count() >= 30 + 2 * 6 + 3 + 1
    source = connection.settings_dict["NAME"]
    before = table_fingerprints(source)

    made = make("backup", database=database_url(connection.settings_dict), BACKUP_DIR=str(tmp_path))
    assert made.returncode == 0, made.stderr
    [dump] = tmp_path.glob("chronicle-*.dump")
    assert f"Backed up {source} to {dump}" in made.stdout
    assert not list(tmp_path.glob("*.partial"))

    restored = make(
        "restore", database=database_url(connection.settings_dict, name=scratch_database), FILE=str(dump)
    )
    assert restored.returncode == 0, restored.stderr
    assert f"Created the database {scratch_database}." in restored.stdout
    history_rows = Event.history.count()
    assert f"30 events, 40 citations, {history_rows} event history rows" in restored.stdout

    after = table_fingerprints(scratch_database)
    assert after == before
    for table in ("events_event", "events_citation", "events_historicalevent", "events_tombstone"):
        assert after[table][0] > 0, table
    # New rows continue the numbering instead of colliding with restored ids.
    assert sequence_positions(scratch_database) == sequence_positions(source)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restoring_over_a_database_that_holds_data_needs_force(tmp_path, scratch_database):
    EventFactory(status=Status.DRAFT, notes="Kept in the backup.")
    made = make("backup", database=database_url(connection.settings_dict), BACKUP_DIR=str(tmp_path))
    assert made.returncode == 0, made.stderr
    [dump] = tmp_path.glob("chronicle-*.dump")
    target = database_url(connection.settings_dict, name=scratch_database)
    assert make("restore", database=target, FILE=str(dump)).returncode == 0
    with psycopg.connect(conninfo(connection.settings_dict, name=scratch_database), autocommit=True) as db:
        db.execute("UPDATE events_event SET notes = 'Changed after the backup.'")

    refused = make("restore", database=target, FILE=str(dump))
    assert refused.returncode != 0
    assert f"The database {scratch_database} already holds 1 event in" in refused.stderr
    assert "FORCE=1" in refused.stderr
    notes = table_fingerprints(scratch_database)["events_event"]

    forced = make("restore", database=target, FILE=str(dump), FORCE="1")
    assert forced.returncode == 0, forced.stderr
    assert table_fingerprints(scratch_database)["events_event"] != notes
    with psycopg.connect(conninfo(connection.settings_dict, name=scratch_database), autocommit=True) as db:
        assert db.execute("SELECT notes FROM events_event").fetchall() == [("Kept in the backup.",)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restoring_a_file_that_is_not_a_dump_changes_nothing(tmp_path, scratch_database):
    junk = tmp_path / "chronicle-broken.dump"
    junk.write_bytes(b"PGDMP but not really")
    result = make(
        "restore", database=database_url(connection.settings_dict, name=scratch_database), FILE=str(junk)
    )
    assert result.returncode != 0
    assert "is not a readable pg_dump custom-format file" in result.stderr
    with psycopg.connect(conninfo(connection.settings_dict, name="postgres"), autocommit=True) as db:
        assert (
            db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch_database]).fetchone() is None
        )


def test_backup_on_sqlite_is_refused_with_the_data_package_export_suggested(tmp_path):
    result = make("backup", database=f"sqlite:///{tmp_path / 'chronicle.sqlite3'}", BACKUP_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "Backups use pg_dump and need PostgreSQL" in result.stderr
    assert "export_events --format datapackage" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_restore_without_a_file_says_what_it_needs():
    result = make("restore", database="postgres://postgres@127.0.0.1:5432/unused")
    assert result.returncode != 0
    assert "make restore needs FILE=" in result.stderr
