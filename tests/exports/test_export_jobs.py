"""Background exports: ExportJob over /api/v1/exports/jobs/, inline without a broker, on a real Celery
worker with Redis (PostgreSQL only, docs/architecture.md, "Tests"), and the streamed exports handing large
ones to a job when a broker is configured."""

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.vocab import Status
from events.exports.query import CHUNK_SIZE
from events.models import Event, ExportJob
from events.roles import VIEWER
from tests.api_helpers import client_for
from tests.factories import CitationFactory, CountryFactory, EventFactory, PlaceFactory, UserFactory

JOBS = "/api/v1/exports/jobs/"
EXPORTS = "/api/v1/exports/events"


@pytest.fixture(autouse=True)
def exports_storage_in_tmp(settings, tmp_path):
    """Export files land under a temporary MEDIA_ROOT; no broker unless a test sets one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_BROKER_URL = None
    settings.EXPORT_JOBS_MAX_ACTIVE = 3
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "off"}}


@pytest.fixture
def events(db):
    """Two published events (one a protest) and a draft, in Syria."""
    palmyra = PlaceFactory(name="Palmyra", parent=CountryFactory(name="Syria", country_code="SYR"))
    first = EventFactory(event_id="SYR1", place=palmyra, status=Status.PUBLISHED, notes="=cmd|' /C calc'!A0")
    CitationFactory(event=first)
    EventFactory(event_id="SYR2", place=palmyra, status=Status.DRAFT, event_date=dt.date(2016, 1, 1))
    EventFactory(
        event_id="SYR3",
        place=palmyra,
        status=Status.PUBLISHED,
        event_type="Protests",
        sub_event_type="Peaceful protest",
    )
    return palmyra


@pytest.fixture
def member(db):
    """A signed-in user without a role: published events only."""
    return UserFactory(username="member", is_staff=False)


def start(client, body: dict):
    return client.post(JOBS, body, format="json")


def download(client, job_id: int) -> bytes:
    response = client.get(f"{JOBS}{job_id}/download")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def csv_ids(data: bytes, column: str = "event_id") -> list[str]:
    return sorted(row[column] for row in csv.DictReader(io.StringIO(data.decode("utf-8"))))


# -- inline (no broker): the job runs before the answer -------------------------------------------


def test_without_a_broker_a_job_runs_inline_and_its_file_is_downloadable(events, viewer):
    client = client_for(viewer)
    response = start(client, {"format": "csv", "filters": {"country": "SYR"}})

    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "done"
    assert job["progress"] == {"rows_done": 3, "rows_total": 3, "percent": 100.0}
    assert response["Location"] == job["links"]["self"]
    assert job["links"]["download"].endswith(f"/api/v1/exports/jobs/{job['id']}/download")
    assert job["filters"] == {"country": "SYR"}

    response = client.get(f"{JOBS}{job['id']}/download")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{job["file_name"]}"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert csv_ids(data) == ["SYR1", "SYR2", "SYR3"]


def test_the_file_is_kept_in_the_exports_storage_not_a_local_path(events, viewer, settings):
    job_id = start(client_for(viewer), {"format": "acled"}).json()["id"]
    job = ExportJob.objects.get(pk=job_id)

    assert job.file.storage.exists(job.file.name)
    assert job.file.name.startswith("exports/")
    stored = Path(settings.MEDIA_ROOT) / job.file.name
    assert stored.is_file()
    assert csv_ids(stored.read_bytes(), "event_id_cnty") == ["SYR1", "SYR2", "SYR3"]


READERS = {
    "csv": lambda data: csv_ids(data),
    "acled": lambda data: csv_ids(data, "event_id_cnty"),
    "geojson": lambda data: sorted(feature["id"] for feature in json.loads(data)["features"]),
    "xlsx": lambda data: sorted(
        row[0]
        for row in openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Events"].iter_rows(
            min_row=2, values_only=True
        )
    ),
    "datapackage": lambda data: csv_ids(zipfile.ZipFile(io.BytesIO(data)).read("events.csv")),
}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_every_format_is_written_whole_and_opens_with_a_real_reader(events, member, fmt):
    client = client_for(member)
    job = start(client, {"format": fmt}).json()

    assert job["state"] == "done", job["error"]
    assert job["progress"]["rows_done"] == job["progress"]["rows_total"] == 2
    assert READERS[fmt](download(client, job["id"])) == ["SYR1", "SYR3"]


def test_a_data_package_job_is_a_zip_with_its_descriptor(events, viewer):
    client = client_for(viewer)
    job = start(client, {"format": "datapackage", "filters": {"status": "published"}}).json()

    assert job["file_name"].endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(download(client, job["id"])))
    descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["resources"][0]["stats"]["rows"] == 2


def test_the_job_exports_what_its_creator_may_see_with_the_api_filters(events, viewer, member):
    viewers_job = start(client_for(viewer), {"format": "csv", "filters": {"year": 2016}}).json()
    members_job = start(client_for(member), {"format": "csv", "filters": {"event_type": ["Battles"]}}).json()

    assert csv_ids(download(client_for(viewer), viewers_job["id"])) == ["SYR2"]  # a draft
    assert csv_ids(download(client_for(member), members_job["id"])) == ["SYR1"]  # published only


def test_formulas_are_escaped_unless_escape_is_false(events, viewer):
    client = client_for(viewer)
    escaped = start(client, {"format": "csv"}).json()
    raw = start(client, {"format": "csv", "escape": False}).json()

    def notes(job):
        rows = csv.DictReader(io.StringIO(download(client, job["id"]).decode()))
        return {row["event_id"]: row["notes"] for row in rows}["SYR1"]

    assert notes(escaped) == "'=cmd|' /C calc'!A0"
    assert notes(raw) == "=cmd|' /C calc'!A0"


def bulk_events(count: int) -> None:
    place = PlaceFactory(name="Town", parent=CountryFactory(name="Syria", country_code="SYR"))
    day = dt.date(2015, 1, 1)
    Event.objects.bulk_create(
        [
            Event(
                event_id=f"BLK{n}",
                event_date=day,
                period_start=day,
                period_end=day,
                event_type="Battles",
                sub_event_type="Armed clash",
                disorder_type="Political violence",
                place=place,
                geo_precision=1,
                status=Status.PUBLISHED,
            )
            for n in range(count)
        ],
        batch_size=1000,
    )


def test_progress_is_saved_every_n_rows_while_the_export_runs(transactional_db, viewer, settings):
    # Committed rows: on PostgreSQL the CSV is written by COPY on a connection of its own, which
    # leaves the job's connection free for the progress updates (events/exports/copy.py).
    bulk_events(4100)
    settings.EXPORT_PROGRESS_EVERY = 1500
    with CaptureQueriesContext(connection) as queries:
        job = start(client_for(viewer), {"format": "csv"}).json()

    saved = [
        int(match.group(1))
        for query in queries.captured_queries
        if (match := re.search(r'UPDATE "events_exportjob" SET "rows_done" = (\d+) WHERE', query["sql"]))
    ]
    # The export reports every CHUNK_SIZE rows read; a report 1,500 rows or more past the last save
    # is saved, and the final count with the job's end.
    expected, last = [], 0
    for done in [*range(CHUNK_SIZE, 4100 + 1, CHUNK_SIZE), 4100]:
        if done - last >= 1500:
            expected.append(done)
            last = done
    assert len(expected) >= 2
    assert saved == expected
    assert job["progress"] == {"rows_done": 4100, "rows_total": 4100, "percent": 100.0}


def test_a_failing_export_marks_the_job_failed_with_the_reason(events, viewer, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage needs a directory")
    settings.MEDIA_ROOT = blocker

    response = start(client_for(viewer), {"format": "csv"})

    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "failed"
    assert "Error" in job["error"]
    assert job["links"]["download"] is None
    assert client_for(viewer).get(f"{JOBS}{job['id']}/download").status_code == 409


# -- validation: a bad request queues nothing ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "csv", "filters": {"event_type": "Skirmish"}}, "filters.event_type"),
        ({"format": "csv", "filters": {"country": "Atlantis"}}, "filters.country"),
        ({"format": "csv", "filters": {"date_after": "2015-13-01"}}, "filters.date_after"),
        ({"format": "csv", "filters": {"contry": "SYR"}}, "filters.contry"),
        ({"format": "csv", "filters": {"year": {"from": 2015}}}, "filters.year"),
        ({"format": "csv", "filters": ["country", "SYR"]}, "filters"),
        ({"format": "pdf"}, "format"),
        ({}, "format"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_creates_no_job(events, viewer, body, field):
    response = start(client_for(viewer), body)

    assert response.status_code == 400, response.content
    assert field in [error.get("field") for error in response.json()["errors"]], response.json()
    assert not ExportJob.objects.exists()


# -- who may do what -------------------------------------------------------------------------------


def test_anonymous_callers_cannot_start_or_list_jobs(events):
    assert start(client_for(), {"format": "csv"}).status_code == 401
    assert client_for().get(JOBS).status_code == 401
    assert not ExportJob.objects.exists()


def test_only_the_creator_or_a_superuser_sees_a_job_and_its_file(events, viewer, member, superuser):
    job = start(client_for(viewer), {"format": "csv"}).json()
    url = f"{JOBS}{job['id']}/"

    assert client_for(viewer).get(url).status_code == 200
    assert client_for(member).get(url).status_code == 404
    assert client_for(member).get(f"{url}download").status_code == 404
    assert client_for(member).get(JOBS).json()["results"] == []
    assert client_for(superuser).get(url).status_code == 200
    assert csv_ids(download(client_for(superuser), job["id"])) == ["SYR1", "SYR2", "SYR3"]


def test_the_job_list_shows_your_jobs_newest_first_in_constant_queries(
    events, viewer, member, django_assert_max_num_queries
):
    client = client_for(viewer)
    start(client_for(member), {"format": "csv"})
    ids = [start(client, {"format": "geojson"}).json()["id"] for _ in range(4)]

    with django_assert_max_num_queries(4):
        response = client.get(JOBS)
    assert [job["id"] for job in response.json()["results"]] == ids[::-1]


# -- with a broker: jobs are queued ---------------------------------------------------------------


@pytest.fixture
def broker(settings):
    """A broker URL; within a test's transaction nothing is sent (on_commit never fires)."""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    settings.EXPORTS_QUEUE = f"chronicle-test-never-consumed-{uuid.uuid4().hex}"


def test_with_a_broker_a_job_is_queued_once_committed(
    events, viewer, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = start(client_for(viewer), {"format": "xlsx"})

    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    assert response.json()["progress"] == {"rows_done": 0, "rows_total": None, "percent": None}
    assert len(callbacks) == 1
    assert client_for(viewer).get(f"{JOBS}{response.json()['id']}/download").status_code == 409


def test_a_user_may_have_only_so_many_jobs_waiting(events, viewer, broker, settings):
    settings.EXPORT_JOBS_MAX_ACTIVE = 2
    client = client_for(viewer)
    assert start(client, {"format": "csv"}).status_code == 202
    assert start(client, {"format": "csv"}).status_code == 202

    response = start(client, {"format": "csv"})
    assert response.status_code == 429
    assert "too many exports" in response.json()["detail"]
    assert ExportJob.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_broker_is_a_503_and_the_job_is_marked_failed(viewer, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = start(client_for(viewer), {"format": "csv"})

    assert response.status_code == 503
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.FAILED
    assert "Could not queue the export" in job.error


def test_with_a_broker_the_xlsx_endpoint_answers_202_with_a_job(events, viewer, broker):
    response = client_for(viewer).get(f"{EXPORTS}.xlsx", {"event_type": "Battles", "escape": "0"})

    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert response["Location"].endswith(f"/api/v1/exports/jobs/{job.pk}/")
    assert (job.format, job.params, job.escape, job.created_by) == (
        "xlsx",
        {"event_type": "Battles"},
        False,
        viewer,
    )


def test_with_a_broker_only_exports_over_the_inline_limit_become_jobs(events, viewer, broker, settings):
    client = client_for(viewer)
    settings.EXPORT_INLINE_MAX_ROWS = 3
    small = client.get(f"{EXPORTS}.csv")
    assert small.status_code == 200
    assert small.streaming

    settings.EXPORT_INLINE_MAX_ROWS = 2
    assert client.get(f"{EXPORTS}.acled.csv").status_code == 202
    assert ExportJob.objects.get().format == "acled"


def test_with_a_broker_anonymous_callers_get_small_exports_inline_and_401_for_large(events, broker, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client = client_for()
    response = client.get(f"{EXPORTS}.xlsx")  # two published events
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")

    settings.EXPORT_INLINE_MAX_ROWS = 1
    response = client.get(f"{EXPORTS}.csv")
    assert response.status_code == 401
    assert "background job" in response.json()["detail"]
    assert not ExportJob.objects.exists()


def test_with_a_broker_a_bad_filter_is_still_a_400_naming_the_parameter(events, viewer, broker):
    response = client_for(viewer).get(f"{EXPORTS}.xlsx", {"country": "Atlantis"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "country"
    assert not ExportJob.objects.exists()


def test_without_a_broker_the_xlsx_endpoint_still_answers_with_the_file(events, viewer):
    response = client_for(viewer).get(f"{EXPORTS}.xlsx")

    assert response.status_code == 200
    assert not ExportJob.objects.exists()


# -- admin ------------------------------------------------------------------------------------------


def test_the_admin_lists_jobs_read_only_with_a_download_link(events, viewer, superuser, client):
    job = start(client_for(viewer), {"format": "csv"}).json()
    client.force_login(superuser)

    page = client.get("/admin/events/exportjob/").content.decode()
    assert f'href="/api/v1/exports/jobs/{job["id"]}/download"' in page
    assert "3 / 3" in page
    assert client.get("/admin/events/exportjob/add/").status_code == 403
    assert client.get(f"/admin/events/exportjob/{job['id']}/change/").status_code == 200
    response = client.get(f"/api/v1/exports/jobs/{job['id']}/download")  # the admin's session
    assert csv_ids(b"".join(response.streaming_content)) == ["SYR1", "SYR2", "SYR3"]


# -- end to end: a real Celery worker on real Redis (PostgreSQL only) ----------------------------------


E2E_REDIS_URL = os.environ.get("CHRONICLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_or_skip(url: str) -> redis.Redis:
    """The test's Redis database; without Redis the test skips, or fails when CI=1."""
    server = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url} ({exc}); start it (see .ci/run)"
        if os.environ.get("CI") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return server


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the test database this process uses."""
    user = quote(settings_dict["USER"] or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{quote(settings_dict['NAME'])}"


@pytest.fixture
def celery_worker(transactional_db, settings, tmp_path):
    """A real `celery worker` process on its own Redis database and queue, reading the test
    database (committed rows: transactional_db) and writing to the same MEDIA_ROOT."""
    server = redis_or_skip(E2E_REDIS_URL)
    queue = f"chronicle-test-exports-{uuid.uuid4().hex[:12]}"
    settings.CELERY_BROKER_URL = E2E_REDIS_URL
    settings.EXPORTS_QUEUE = queue
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_REPLICA_URL", "REDIS_URL", "CELERY_RESULT_BACKEND")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=E2E_REDIS_URL,
        EXPORTS_QUEUE=queue,
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                *("--pool", "solo", "--queues", queue, "--hostname", f"{queue}@%h", "--loglevel", "INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker.log_path = log_path
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        for key in server.scan_iter(f"*{queue}*"):  # the queue and kombu's bindings of it
            server.delete(key)


def poll_until_finished(client, url: str, worker, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    states = []
    while time.monotonic() < deadline:
        job = client.get(url).json()
        states.append(job["state"])
        if job["state"] in ("done", "failed"):
            return job | {"seen_states": states}
        if worker.poll() is not None:
            break
        time.sleep(0.25)
    log = worker.log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"the job did not finish (states {states[-5:]}, worker exit {worker.poll()}):\n{log}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_queued_xlsx_export(celery_worker):
    bulk_events(2500)
    viewer = UserFactory(username="e2e-viewer", role=VIEWER)
    client = client_for(viewer)

    response = start(client, {"format": "xlsx", "filters": {"country": "SYR"}})
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "queued"

    job = poll_until_finished(client, response["Location"], celery_worker)
    assert job["state"] == "done", job["error"]
    assert job["progress"] == {"rows_done": 2500, "rows_total": 2500, "percent": 100.0}
    book = openpyxl.load_workbook(io.BytesIO(download(client, job["id"])), read_only=True)
    ids = [row[0] for row in book["Events"].iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted(f"BLK{n}" for n in range(2500))
    assert "events.export_job" in celery_worker.log_path.read_text()
