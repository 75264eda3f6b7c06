"""Faults, for real on PostgreSQL: an import killed mid-way, a connection dropped during a request,
two curators saving the same event at once.

Nothing is mocked: the import runs in a child process that receives SIGKILL, the connection is
ended by pg_terminate_backend() from a second connection, and the concurrent saves run in two
threads with their own connections, released together by a barrier.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from actors.models import Actor
from core.exceptions import StaleVersionError
from core.vocab import Status
from events.models import Citation, Event, EventActor, EventIdCounter, ImportBatch, Source
from events.services import event_update
from ops.loadtest import free_port, gunicorn, request, server_environment
from ops.postgres import conninfo, database_url
from places.models import Place
from tests.acled_files import synthetic_rows, write_csv
from tests.admin.forms import form_data
from tests.api_helpers import client_for
from tests.factories import CitationFactory, EventFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, timeout: float, what: str, every: float = 0.05):
    """Poll `condition()` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def fetch_one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


# --- an import killed mid-way -----------------------------------------------------------------

IMPORT_ROWS = 40_000  # four of the importer's 10,000-row chunks: a kill lands well before the end
APP_NAME = "chronicle-import-under-test"


def run_import(path: Path, *, wait: bool) -> subprocess.Popen | subprocess.CompletedProcess:
    """`manage.py import_acled PATH` in a child process against the test database."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_REPLICA_URL"}
    env.update(DATABASE_URL=database_url(connection.settings_dict), PGAPPNAME=APP_NAME, DEBUG="1")
    command = [sys.executable, "manage.py", "import_acled", str(path), "--no-progress"]
    if wait:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def import_is_writing_events() -> bool:
    """The child's transaction has written events: it holds the lock that INSERT/COPY takes."""
    return bool(
        fetch_one(
            """SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
               WHERE a.application_name = %s AND a.datname = current_database() AND l.granted
                 AND l.mode = 'RowExclusiveLock' AND l.relation = 'events_event'::regclass""",
            [APP_NAME],
        )[0]
    )


def import_backends() -> int:
    return fetch_one(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
        [APP_NAME],
    )[0]


def rows_left_by_imports() -> dict[str, int]:
    models = [Event, Event.history.model, EventActor, Citation, ImportBatch, EventIdCounter, Actor, Place]
    return {model._meta.label: model.objects.count() for model in [*models, Source]}


def test_an_import_killed_mid_way_leaves_nothing_and_running_it_again_completes_it(tmp_path):
    rows = synthetic_rows(IMPORT_ROWS)
    path = write_csv(tmp_path / "acled.csv", list(rows[0]), rows)

    child = run_import(path, wait=False)
    try:
        wait_for(import_is_writing_events, timeout=120, what="the import to start writing events")
        assert child.poll() is None, "the import finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # PostgreSQL ends the orphaned backend (and rolls its transaction back) once it sees the socket close.
    wait_for(lambda: import_backends() == 0, timeout=60, what="the killed import's backend to end")

    left = rows_left_by_imports()
    assert left == dict.fromkeys(left, 0)

    result = run_import(path, wait=True)
    assert result.returncode == 0, result.stderr
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.rows, batch.created, batch.skipped) == (
        ImportBatch.State.COMMITTED,
        IMPORT_ROWS,
        IMPORT_ROWS,
        0,
    )
    assert Event.objects.count() == IMPORT_ROWS
    assert set(Event.objects.values_list("event_id", flat=True)) == {row["event_id_cnty"] for row in rows}
    assert Citation.objects.count() == sum(len(row["source"].split("; ")) for row in rows)
    assert Event.history.count() == IMPORT_ROWS


# --- a connection dropped during a request ----------------------------------------------------


@contextlib.contextmanager
def connection_dropped_at(first_sql_starting_with: str):
    """Terminate the request's database backend, from another connection, just before the first
    query that starts with the given text runs; yields the list of terminated backend pids."""
    terminated: list[int] = []
    with psycopg.connect(conninfo(connection.settings_dict), autocommit=True) as killer:

        def terminate(execute, sql, params, many, context):
            if not terminated and sql.lstrip().upper().startswith(first_sql_starting_with.upper()):
                pid = context["connection"].connection.info.backend_pid
                # The timeout makes pg_terminate_backend wait until the backend has exited.
                ended = killer.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]
                assert ended, f"backend {pid} did not end"
                terminated.append(pid)
            return execute(sql, params, many, context)

        with contextlib.ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(terminate))
            yield terminated


def backend_pid() -> int:
    return fetch_one("SELECT pg_backend_pid()")[0]


def assert_database_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json()["detail"] == "The database is unavailable; please retry shortly."


def test_a_connection_dropped_during_an_anonymous_list_request_answers_503_then_the_next_succeeds():
    event = EventFactory(status=Status.PUBLISHED)
    CitationFactory(event=event)
    client = client_for()
    before = backend_pid()

    with connection_dropped_at("SELECT") as terminated:
        response = client.get("/api/v1/events/")

    assert terminated == [before]
    assert_database_unavailable(response)
    response = client.get("/api/v1/events/")
    assert response.status_code == 200, response.content
    assert [row["event_id"] for row in response.json()["results"]] == [event.event_id]
    assert backend_pid() != before  # a fresh connection


def test_a_connection_dropped_while_a_token_is_checked_answers_503_then_the_next_succeeds(viewer):
    event = EventFactory(status=Status.DRAFT)
    client = client_for(viewer)

    with connection_dropped_at("SELECT") as terminated:  # the token lookup is the first query
        response = client.get(f"/api/v1/events/{event.event_id}/")

    assert len(terminated) == 1
    assert_database_unavailable(response)
    response = client.get(f"/api/v1/events/{event.event_id}/")
    assert response.status_code == 200, response.content
    assert response.json()["event_id"] == event.event_id


def test_a_connection_dropped_mid_save_answers_503_changes_nothing_and_the_retry_saves(curator):
    event = EventFactory(fatalities=3, notes="First coding.")
    client = client_for(curator)
    url = f"/api/v1/events/{event.event_id}/"
    change = {"fatalities": 7, "notes": "Recoded from a second source.", "version": 1}

    with connection_dropped_at('UPDATE "events_event"') as terminated:  # inside the save's transaction
        response = client.patch(url, change, format="json")

    assert len(terminated) == 1
    assert_database_unavailable(response)
    event.refresh_from_db()
    assert (event.fatalities, event.notes, event.version) == (3, "First coding.", 1)
    assert event.history.count() == 1

    response = client.patch(url, change, format="json")
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.fatalities, event.notes, event.version) == (7, "Recoded from a second source.", 2)


def test_a_database_restart_between_requests_costs_a_gunicorn_worker_no_error(tmp_path):
    """Persistent connections (CONN_MAX_AGE) are health-checked when a request starts."""
    EventFactory(status=Status.PUBLISHED)
    env = server_environment(database_url(connection.settings_dict))
    env["PGAPPNAME"] = "chronicle-gunicorn-under-test"
    port = free_port()
    with gunicorn(port=port, workers=1, timeout=30, env=env, log=tmp_path / "gunicorn.log"):
        assert request(port, "/api/v1/events/")[0] == 200
        assert terminate_backends(env["PGAPPNAME"]) >= 1  # the persistent connections of the worker's threads
        # Enough requests to reach every thread of the worker, each with a dead connection.
        statuses = [request(port, url)[0] for url in ["/api/v1/events/", "/healthz"] * 4]
        assert statuses == [200] * 8


def terminate_backends(application_name: str) -> int:
    return fetch_one(
        """SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity
           WHERE application_name = %s AND datname = current_database()""",
        [application_name],
    )[0]


def test_a_connection_dropped_in_the_middle_of_a_streamed_export_leaves_the_download_incomplete(
    tmp_path, viewer
):
    """The client must be able to tell a cut-off export from a complete one: gunicorn closes the
    connection without the chunked encoding's last chunk."""
    rows = synthetic_rows(30_000)
    result = run_import(write_csv(tmp_path / "acled.csv", list(rows[0]), rows), wait=True)
    assert result.returncode == 0, result.stderr
    token = f"Token {Token.objects.create(user=viewer).key}"
    env = server_environment(database_url(connection.settings_dict))
    env["PGAPPNAME"] = "chronicle-gunicorn-under-test"
    port = free_port()
    with gunicorn(port=port, workers=1, timeout=30, env=env, log=tmp_path / "gunicorn.log"):
        export = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        export.request("GET", "/api/v1/exports/events.csv", headers={"Authorization": token})
        response = export.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        received = response.read(64 * 1024)  # the export is under way; the rest waits in buffers
        assert terminate_backends(env["PGAPPNAME"]) >= 1
        with pytest.raises(http.client.IncompleteRead):
            while chunk := response.read(1024 * 1024):
                received += chunk
        export.close()
    assert received.count(b"\n") < len(rows)


@contextlib.contextmanager
def database_unreachable():
    """Point the default connection at a port where nothing listens: a real refused connection."""
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port


@pytest.mark.parametrize("url", ["/api/v1/exports/events.csv", "/api/v1/exports/events.geojson"])
def test_an_export_asked_for_while_the_database_is_down_answers_503_not_a_200_that_breaks_off(url):
    EventFactory(status=Status.PUBLISHED)
    client = client_for()

    with database_unreachable():
        response = client.get(url)

    assert_database_unavailable(response)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


# --- two curators saving the same event at once ------------------------------------------------


def race(*saves) -> list:
    """Run each save in its own thread (own connection), all released at once by a barrier;
    returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(saves))
    outcomes: list = [None] * len(saves)

    def run(index: int, save) -> None:
        try:
            prepared = save.prepare()
            barrier.wait(timeout=30)
            outcomes[index] = save.go(prepared)
        except Exception as exc:  # the loser's StaleVersionError is an outcome, not a failure
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, save)) for index, save in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a save never finished (deadlock?)"
    return outcomes


class ServiceSave:
    """A curator's save through events.services.event_update, from a copy loaded before the race."""

    def __init__(self, *, pk: int, user, fatalities: int) -> None:
        self.pk, self.user, self.fatalities = pk, user, fatalities

    def prepare(self) -> Event:
        return Event.objects.get(pk=self.pk)

    def go(self, event: Event) -> Event:
        return event_update(
            event=event,
            data={"fatalities": self.fatalities, "notes": f"Coded by {self.user.username}."},
            expected_version=event.version,
            by=self.user,
        )


def test_two_curators_saving_the_same_event_through_the_service_one_wins_one_is_told(curator, reviewer):
    event = EventFactory(fatalities=1)
    event_update(event=event, data={"fatalities": 2}, expected_version=1, by=curator)  # version 2

    outcomes = race(
        ServiceSave(pk=event.pk, user=curator, fatalities=10),
        ServiceSave(pk=event.pk, user=reviewer, fatalities=20),
    )

    winners = [outcome for outcome in outcomes if isinstance(outcome, Event)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, StaleVersionError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert (losers[0].expected, losers[0].current) == (2, 3)
    assert "changed by someone else" in str(losers[0])
    winner = winners[0]
    event.refresh_from_db()
    assert (event.fatalities, event.notes, event.version, event.updated_by) == (
        winner.fatalities,
        winner.notes,
        3,
        winner.updated_by,
    )
    assert event.history.count() == 3  # created, version 2, the winner's save; nothing of the loser


class ApiPatch:
    """A curator's PATCH with the version they loaded, over a token of their own."""

    def __init__(self, *, event_id: str, user, fatalities: int) -> None:
        self.url, self.user, self.fatalities = f"/api/v1/events/{event_id}/", user, fatalities

    def prepare(self):
        client = client_for(self.user)
        loaded = client.get(self.url).json()
        return client, loaded["version"]

    def go(self, prepared):
        client, version = prepared
        body = {"fatalities": self.fatalities, "notes": f"Coded by {self.user.username}.", "version": version}
        return client.patch(self.url, body, format="json")


def test_two_curators_patching_the_same_event_one_gets_200_the_other_409(curator, reviewer):
    event = EventFactory(fatalities=1)

    first, second = race(
        ApiPatch(event_id=event.event_id, user=curator, fatalities=10),
        ApiPatch(event_id=event.event_id, user=reviewer, fatalities=20),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.content, second.content)
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert "changed by someone else" in loser.json()["detail"]
    event.refresh_from_db()
    assert (event.fatalities, event.notes, event.version) == (
        winner.json()["fatalities"],
        winner.json()["notes"],
        2,
    )
    assert winner.json()["version"] == 2


class AdminSave:
    """A curator's save of the admin change form, loaded (with its hidden version) before the race."""

    def __init__(self, *, event: Event, user, fatalities: int) -> None:
        self.event, self.user, self.fatalities = event, user, fatalities
        self.url = f"/admin/events/event/{event.pk}/change/"

    def prepare(self):
        client = Client()
        client.force_login(self.user)
        data = form_data(client.get(self.url))
        data.update(fatalities=str(self.fatalities), notes=f"Coded by {self.user.username}.", _save="Save")
        return client, data

    def go(self, prepared):
        client, data = prepared
        return client.post(self.url, data)


def test_two_curators_saving_the_same_admin_form_one_is_saved_the_other_sees_the_form_error(
    curator, reviewer
):
    event = EventFactory(fatalities=1, notes="First coding.")

    outcomes = race(
        AdminSave(event=event, user=curator, fatalities=10),
        AdminSave(event=event, user=reviewer, fatalities=20),
    )

    assert sorted(response.status_code for response in outcomes) == [200, 302]
    saved = next(index for index, response in enumerate(outcomes) if response.status_code == 302)
    refused = outcomes[1 - saved]
    assert "was changed by someone else while you were editing it" in refused.content.decode()
    event.refresh_from_db()
    expected_fatalities, expected_user = [(10, curator), (20, reviewer)][saved]
    assert (event.fatalities, event.notes, event.version, event.updated_by) == (
        expected_fatalities,
        f"Coded by {expected_user.username}.",
        2,
        expected_user,
    )


# --- found by `make fuzz` ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/places/", {"name": "Palmyra", "kind": "country", "country_code": "S\x00Y"}),
        ("/api/v1/sources/", {"name": "A wire service", "country": "Syr\x00ia"}),
    ],
)
def test_a_country_with_a_nul_character_is_refused_with_400_naming_the_field(curator, url, body):
    response = client_for(curator).post(url, body, format="json")

    assert response.status_code == 400, response.content
    field = "country_code" if "country_code" in body else "country"
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/?ordering=,,,,,",
        "/api/v1/events/?disorder_type=,&ordering=,",
        "/api/v1/events/?ordering=,-event_date",
    ],
)
def test_empty_items_in_ordering_are_ignored_not_a_500(url):
    EventFactory(status=Status.PUBLISHED)

    response = client_for().get(url)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("url", ["/api/v1/actors/", "/api/v1/places/", "/api/v1/sources/"])
def test_ordering_of_reference_lists_is_an_unknown_parameter_not_a_500(db, url):
    """They have no ordering: an `ordering` is refused by name like any parameter they do not read."""
    response = client_for().get(f"{url}?ordering=,")

    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["parameter"] == "ordering"
