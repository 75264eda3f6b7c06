"""HTTP exports under /api/v1/exports/: permissions, filters, formats, streaming in flat memory."""

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actors.models import Actor
from core.vocab import ActorRole, Status
from events.importers.bulk import copy_rows
from events.models import Citation, Event, EventActor, Source
from places.models import Place
from tests.factories import CitationFactory, CountryFactory, EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/events"


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def mixed_events():
    palmyra = PlaceFactory(name="Palmyra", parent=CountryFactory(name="Syria", country_code="SYR"))
    formula = "=cmd|' /C calc'!A0"
    published = EventFactory(event_id="SYR1", place=palmyra, status=Status.PUBLISHED, notes=formula)
    CitationFactory(event=published)
    EventFactory(event_id="SYR2", place=palmyra, status=Status.DRAFT, event_date=dt.date(2016, 1, 1))
    EventFactory(
        event_id="SYR3",
        place=palmyra,
        status=Status.PUBLISHED,
        event_type="Protests",
        sub_event_type="Peaceful protest",
    )
    return palmyra


def acled_ids(response) -> list[str]:
    return sorted(row["event_id_cnty"] for row in csv.DictReader(io.StringIO(body(response))))


def test_anonymous_callers_get_published_events_only(client, mixed_events):
    response = client.get(f"{URL}.acled.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="chronicle-events-')
    assert acled_ids(response) == ["SYR1", "SYR3"]


def test_a_viewer_also_gets_drafts(client, mixed_events, viewer):
    client.force_login(viewer)
    assert acled_ids(client.get(f"{URL}.acled.csv")) == ["SYR1", "SYR2", "SYR3"]


def test_token_authentication_works_for_exports(client, mixed_events, viewer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=viewer)
    response = client.get(f"{URL}.acled.csv", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert acled_ids(response) == ["SYR1", "SYR2", "SYR3"]


def test_exports_take_the_api_filters(client, mixed_events):
    assert acled_ids(client.get(f"{URL}.acled.csv", {"event_type": "Protests"})) == ["SYR3"]
    assert acled_ids(client.get(f"{URL}.acled.csv", {"country": "SY", "year": 2015})) == ["SYR1", "SYR3"]


def test_a_bad_filter_is_a_400_naming_the_parameter(client, mixed_events):
    response = client.get(f"{URL}.csv", {"event_type": "Skirmish"})
    assert response.status_code == 400
    assert "event_type" in json.dumps(response.json())
    response = client.get(f"{URL}.csv", {"escape": "maybe"})
    assert response.status_code == 400
    assert "escape" in json.dumps(response.json())


def test_formulas_are_escaped_unless_escape_0(client, mixed_events):
    rows = {row["event_id"]: row for row in csv.DictReader(io.StringIO(body(client.get(f"{URL}.csv"))))}
    assert rows["SYR1"]["notes"] == "'=cmd|' /C calc'!A0"
    unescaped = body(client.get(f"{URL}.csv?escape=0"))
    raw = {row["event_id"]: row for row in csv.DictReader(io.StringIO(unescaped))}
    assert raw["SYR1"]["notes"] == "=cmd|' /C calc'!A0"


def test_the_geojson_and_xlsx_endpoints(client, mixed_events):
    response = client.get(f"{URL}.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body(response))
    assert [feature["id"] for feature in collection["features"]] == ["SYR3", "SYR1"]

    response = client.get(f"{URL}.xlsx", {"event_type": "Battles"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[0] for row in book["Events"].iter_rows(min_row=2, values_only=True)] == ["SYR1"]


# -- streaming: memory flat, queries constant -------------------------------------------------


def make_events(count: int, *, first: int = 0) -> None:
    """`count` more published events with a place, two actors and a citation each, written in bulk
    (the importer's COPY/executemany path: model instances would make this test slow)."""
    if not first:
        country = CountryFactory(name="Syria", country_code="SYR")
        [PlaceFactory(name=f"Town {n}", parent=country) for n in range(20)]
        Actor.objects.bulk_create(Actor(name=f"Group {n}", kind=1 + n % 8) for n in range(50))
        Source.objects.bulk_create(Source(name=f"Paper {n}") for n in range(10))
    places = list(Place.objects.filter(kind="locality").order_by("pk"))
    actors = list(Actor.objects.order_by("pk"))
    sources = list(Source.objects.order_by("pk"))
    start, now = dt.date(2015, 1, 1), timezone.now()
    columns = (
        "event_id", "event_date", "period_start", "period_end", "event_type", "sub_event_type",
        "disorder_type", "interaction", "place_id", "geo_precision", "fatalities", "notes", "status",
        "created_at", "updated_at",
    )  # fmt: skip
    rows = []
    for n in range(first, first + count):
        day = start + dt.timedelta(days=n % 3000)
        notes = f"Clashes between groups {n % 50} and {(n + 1) % 50} near town {n % 20}. " * 3
        rows.append(
            (f"BLK{n}", day, day, day, "Battles", "Armed clash", "Political violence", 12,
             places[n % 20].pk, 1, n % 7, notes, Status.PUBLISHED, now, now)
        )  # fmt: skip
    last = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    copy_rows(Event, columns, rows)
    ids = list(Event.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True))
    copy_rows(
        EventActor,
        ("event_id", "actor_id", "role", "inter", "position"),
        [
            (pk, actors[(n + offset) % 50].pk, role, 1 + offset, 0)
            for n, pk in enumerate(ids)
            for offset, role in enumerate((ActorRole.ACTOR1, ActorRole.ACTOR2))
        ],
    )
    copy_rows(Citation, ("event_id", "source_id"), [(pk, sources[n % 10].pk) for n, pk in enumerate(ids)])


def measure(client, url: str) -> tuple[int, int, int]:
    """(peak traced memory while streaming, queries, bytes) for one export."""
    with CaptureQueriesContext(connection) as queries:
        tracemalloc.start()
        response = client.get(url)
        size = 0
        for piece in response.streaming_content:
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, len(queries), size


def test_streamed_exports_use_flat_memory_and_constant_queries(client):
    formats = ("acled.csv",)  # CSV, ACLED CSV and GeoJSON all stream export_rows the same way
    make_events(1_000)
    small = {fmt: measure(client, f"{URL}.{fmt}") for fmt in formats}
    make_events(19_000, first=1_000)

    big = {fmt: measure(client, f"{URL}.{fmt}") for fmt in formats}

    for fmt in formats:
        (small_peak, small_queries, small_size), (big_peak, big_queries, big_size) = small[fmt], big[fmt]
        assert big_size > 15 * small_size, fmt  # twenty times the rows went out…
        assert big_queries == small_queries, fmt  # …in the same number of queries…
        assert big_peak < small_peak * 1.25 + 256 * 1024, fmt  # …in about the same memory
        assert big_peak < big_size / 3, fmt  # never the whole response in memory


# -- peak memory of a real process ------------------------------------------------------------

EXPORT_SCRIPT = """
import sys
import django
from django.test import Client
from django.test.utils import setup_test_environment

django.setup()
setup_test_environment()  # the test client's host name is allowed
response = Client().get(sys.argv[1])
assert response.status_code == 200, response.status_code
size = sum(len(piece) for piece in response.streaming_content)
with open("/proc/self/status", encoding="ascii") as status:
    peak_kb = next(line for line in status if line.startswith("VmHWM:")).split()[1]
print(peak_kb, size)
"""


def export_in_a_process(url: str) -> tuple[float, int]:
    """(peak RSS in MB, bytes) of a fresh Python process streaming `url` from the test database.

    docs/architecture.md: the memory of an export is measured as a process's peak RSS, which counts the
    database driver's buffers (libpq's, when PostgreSQL streams COPY) that tracemalloc cannot see.
    The process reads its own high-water mark (VmHWM): the ru_maxrss that wait4() reports would
    include this test process's size at the fork.
    """
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (":" + quote(db["PASSWORD"], safe="") if db["PASSWORD"] else "")
    database_url = f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-c", EXPORT_SCRIPT, url],
        cwd=root,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(root),
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _ = process.communicate()
    assert process.returncode == 0, output
    peak_kb, size = output.split()[-2:]
    return int(peak_kb) / 1024, int(size)


@pytest.mark.postgres  # a second process sees committed rows of a real database only
@pytest.mark.django_db(transaction=True)
def test_an_export_process_peak_memory_does_not_grow_with_the_number_of_events():
    formats = ("csv", "geojson")  # written by PostgreSQL's COPY; by Python from a server-side cursor
    make_events(1_000)
    small = {fmt: export_in_a_process(f"{URL}.{fmt}") for fmt in formats}
    make_events(19_000, first=1_000)

    big = {fmt: export_in_a_process(f"{URL}.{fmt}") for fmt in formats}

    for fmt in formats:
        (small_rss, small_size), (big_rss, big_size) = small[fmt], big[fmt]
        assert big_size > 15 * small_size, fmt  # twenty times the rows went out…
        assert big_size > 5_000_000, fmt  # …megabytes of them…
        # …in about the same memory: it grew by less than half the bytes sent (RSS in MB)
        assert big_rss - small_rss < big_size / 2 / 2**20, (fmt, small_rss, big_rss, big_size)
