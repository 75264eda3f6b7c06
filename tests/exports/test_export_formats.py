"""export_events: every format read back with a real reader (csv, openpyxl, pandas, json, frictionless)."""

import csv
import datetime as dt
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from core.vocab import ActorRole, Status
from events.acled import ACLED_COLUMNS
from events.exports.columns import CHRONICLE_COLUMN_NAMES, MONADIC_COLUMNS, XLSX_COLUMN_NAMES
from events.models import Event
from tests.factories import (
    ActorFactory,
    CitationFactory,
    CountryFactory,
    EventActorFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    """Four events in two countries: actors in every role, two sources, a formula-like note."""
    syria = CountryFactory(name="Syria", country_code="SYR")
    homs = PlaceFactory(name="Homs", kind="admin1", parent=syria, latitude=None, longitude=None)
    palmyra = PlaceFactory(name="Palmyra", parent=homs, latitude=34.5601, longitude=38.2803)
    temple = PlaceFactory(
        name="Temple of Bel", kind="site", parent=palmyra, latitude=34.5472, longitude=38.2733
    )
    turkey = CountryFactory(name="Turkey", country_code="TUR", latitude=39.0, longitude=35.0)
    istanbul = PlaceFactory(name="Istanbul", parent=turkey, latitude=41.0082, longitude=28.9784)
    regime = ActorFactory(name="Military Forces of Syria (2000-2024)", kind=1)
    isis = ActorFactory(name="Islamic State (Syria)", kind=2)
    russia = ActorFactory(name="Military Forces of Russia (2000-)", kind=8)
    ndf = ActorFactory(name="NDF: National Defence Forces", kind=3)
    protesters = ActorFactory(name="Protesters (Turkey)", kind=6)
    sohr, reuters = SourceFactory(name="SOHR"), SourceFactory(name="Reuters")

    def event(event_id, place, *, actors, sources, **fields):
        item = EventFactory(event_id=event_id, place=place, status=Status.PUBLISHED, **fields)
        for position, (actor, role, inter) in enumerate(actors):
            EventActorFactory(event=item, actor=actor, role=role, inter=inter, position=position)
        for source in sources:
            CitationFactory(event=item, source=source)
        item.interaction = None
        from events.services import event_sync_interaction

        event_sync_interaction(event=item)
        return item

    made = [
        event(
            "SYR1",
            palmyra,
            event_date=dt.date(2015, 5, 20),
            fatalities=12,
            actors=[
                (regime, ActorRole.ACTOR1, 1),
                (ndf, ActorRole.ASSOC_ACTOR_1, 3),
                (isis, ActorRole.ACTOR2, 2),
            ],
            sources=[sohr, reuters],
            notes="=1+1 looks like a formula; -5 too.",
        ),
        event(
            "SYR2",
            temple,
            event_date=dt.date(2015, 8, 30),
            event_type="Explosions/Remote violence",
            sub_event_type="Remote explosive/landmine/IED",
            fatalities=0,
            actors=[(isis, ActorRole.ACTOR1, 2)],
            sources=[sohr],
            notes="IS blew up the Temple of Bel.",
        ),
        event(
            "SYR3",
            palmyra,
            event_date=dt.date(2015, 8, 1),
            fatalities=5,
            civilian_targeting=True,
            event_type="Explosions/Remote violence",
            sub_event_type="Air/drone strike",
            actors=[(russia, ActorRole.ACTOR1, 8), (isis, ActorRole.ACTOR2, 2)],
            sources=[reuters],
            notes="Russian air strike.",
        ),
        event(
            "TUR1",
            istanbul,
            event_date=dt.date(2015, 11, 10),
            event_type="Protests",
            sub_event_type="Peaceful protest",
            fatalities=0,
            actors=[(protesters, ActorRole.ACTOR1, 6)],
            sources=[reuters],
            notes="@everyone protested.",
        ),
    ]
    EventFactory(event_id="SYR9", place=palmyra, status=Status.DRAFT, notes="A draft.")
    return made


def export(tmp_path, fmt, *args):
    target = tmp_path / f"out.{fmt}"
    out = io.StringIO()
    call_command("export_events", "--format", fmt, "--output", str(target), *args, stdout=out)
    return target, out.getvalue()


def test_the_acled_export_has_acleds_columns_and_conventions(events, tmp_path):
    path, out = export(tmp_path, "acled")

    assert "Exported 4 events" in out
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == ACLED_COLUMNS
        rows = {row["event_id_cnty"]: row for row in reader}
    assert set(rows) == {"SYR1", "SYR2", "SYR3", "TUR1"}  # published only; the draft stays out
    first = rows["SYR1"]
    assert first["event_date"] == "2015-05-20"
    assert first["year"] == "2015"
    assert first["actor1"] == "Military Forces of Syria (2000-2024)"
    assert first["assoc_actor_1"] == "NDF: National Defence Forces"
    assert (first["inter1"], first["inter2"], first["interaction"]) == ("1", "2", "12")
    assert first["source"] == "SOHR; Reuters"
    assert (first["iso"], first["region"], first["country"]) == ("760", "Middle East", "Syria")
    assert (first["admin1"], first["location"]) == ("Homs", "Palmyra")
    assert (first["latitude"], first["longitude"]) == ("34.5601", "38.2803")
    assert first["notes"] == "'=1+1 looks like a formula; -5 too."
    assert int(first["timestamp"]) == int(Event.objects.get(event_id="SYR1").updated_at.timestamp())
    temple = rows["SYR2"]
    assert (temple["location"], temple["admin1"]) == ("Temple of Bel", "Homs")  # a site is the location
    assert (temple["actor2"], temple["inter2"], temple["interaction"]) == ("", "0", "20")
    assert rows["SYR3"]["civilian_targeting"] == "Civilian targeting"
    assert (rows["TUR1"]["region"], rows["TUR1"]["iso"]) == ("Middle East", "792")
    assert rows["TUR1"]["notes"] == "'@everyone protested."


def test_no_escape_formulas_writes_raw_text_and_numbers_are_never_escaped(events, tmp_path):
    west = PlaceFactory(name="-Westside", parent=events[0].place.parent, latitude=-1.5, longitude=-17.25)
    EventFactory(event_id="SYR10", place=west, status=Status.PUBLISHED, notes="+plus", fatalities=0)
    path, _ = export(tmp_path, "acled", "--no-escape-formulas")
    rows = {row["event_id_cnty"]: row for row in csv.DictReader(path.open(newline=""))}
    assert rows["SYR1"]["notes"] == "=1+1 looks like a formula; -5 too."
    assert rows["SYR10"]["notes"] == "+plus"

    assert rows["SYR10"]["location"] == "-Westside"

    escaped, _ = export(tmp_path, "acled")
    row = {row["event_id_cnty"]: row for row in csv.DictReader(escaped.open(newline=""))}["SYR10"]
    assert (row["notes"], row["location"]) == ("'+plus", "'-Westside")
    assert (row["latitude"], row["longitude"]) == ("-1.5000", "-17.2500")  # numbers: never escaped
    frame = pd.read_csv(export(tmp_path, "csv")[0], keep_default_na=False)
    assert frame.loc[frame.event_id == "SYR10", "longitude"].item() == -17.25


def test_the_csv_export_reads_back_with_pandas_and_types(events, tmp_path):
    path, _ = export(tmp_path, "csv", "--include-unpublished")

    frame = pd.read_csv(path, keep_default_na=False, parse_dates=["event_date"])
    assert tuple(frame.columns) == CHRONICLE_COLUMN_NAMES
    assert len(frame) == 5
    assert frame.fatalities.dtype.kind == "i"
    assert frame.latitude.dtype.kind == "f"
    assert frame.event_date.dtype.kind == "M"
    row = frame.set_index("event_id").loc["SYR1"]
    assert row.sources == "SOHR; Reuters"
    assert frame.civilian_targeting.dtype == bool and not row.civilian_targeting
    assert row.updated_at.endswith("Z")
    assert frame.set_index("event_id").loc["SYR9", "status"] == "draft"


def test_filters_narrow_the_export_like_the_api(events, tmp_path):
    path, out = export(tmp_path, "acled", "--filter", "country=TR")
    assert "Exported 1 events" in out
    assert [row["event_id_cnty"] for row in csv.DictReader(path.open())] == ["TUR1"]

    path, _ = export(
        tmp_path, "acled", "--filter", "event_type=Explosions/Remote violence", "--filter", "year=2015"
    )
    assert sorted(row["event_id_cnty"] for row in csv.DictReader(path.open())) == ["SYR2", "SYR3"]

    with pytest.raises(CommandError, match="event_type"):
        export(tmp_path, "acled", "--filter", "event_type=Skirmish")
    with pytest.raises(CommandError, match="expected KEY=VALUE"):
        export(tmp_path, "acled", "--filter", "country")


def test_the_xlsx_report_has_typed_cells_and_summaries_equal_to_sql(events, tmp_path):
    path, out = export(tmp_path, "xlsx")

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Events",
        "By month",
        "By admin1 and month",
        "By country",
        "Top actors",
        "About",
    ]
    sheet = book["Events"]
    header = [cell.value for cell in sheet[1]]
    assert tuple(header) == XLSX_COLUMN_NAMES
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert set(rows) == {"SYR1", "SYR2", "SYR3", "TUR1"}
    first = rows["SYR1"]
    assert isinstance(first["event_date"], dt.datetime) and first["event_date"].date() == dt.date(2015, 5, 20)
    assert first["fatalities"] == 12 and isinstance(first["fatalities"], int)
    assert isinstance(first["latitude"], float)
    assert first["civilian_targeting"] is False
    assert first["notes"] == "=1+1 looks like a formula; -5 too."  # a typed string, never a formula
    assert sheet.cell(row=2, column=header.index("notes") + 1).data_type == "s"
    assert isinstance(first["updated_at"], dt.datetime)
    notes_column = openpyxl.utils.get_column_letter(header.index("notes") + 1)
    assert sheet.column_dimensions[notes_column].width > 30  # notes are wide

    published = Event.objects.filter(status=Status.PUBLISHED)
    months = book["By month"]
    month_header = [cell.value for cell in months[1]]
    totals = {
        row[0].strftime("%Y-%m"): (row[month_header.index("events")], row[month_header.index("fatalities")])
        for row in months.iter_rows(min_row=2, values_only=True)
        if row[0] is not None and isinstance(row[0], dt.datetime)
    }
    assert sum(events for events, _ in totals.values()) == published.count()
    assert sum(f for _, f in totals.values()) == published.aggregate(total=Sum("fatalities"))["total"]
    assert totals["2015-08"] == (2, 5)
    battles = month_header.index("Battles events")
    assert next(months.iter_rows(min_row=2, max_row=2, values_only=True))[battles] == 1

    by_country = list(book["By country"].iter_rows(min_row=2, values_only=True))
    assert by_country[-1][0] == "Total"
    assert by_country[-1][2] == published.count()
    sql = {
        (row["place__country_name"], row["place__admin1"]): row["n"]
        for row in published.values("place__country_name", "place__admin1").annotate(n=Count("id"))
    }
    assert {(row[0], row[1]): row[2] for row in by_country[:-1]} == sql

    actors = list(book["Top actors"].iter_rows(min_row=2, values_only=True))
    assert actors[0][:4] == ("Islamic State (Syria)", 2, "Rebel group", 3)


def test_the_xlsx_report_months_run_without_gaps(events, tmp_path):
    path, _ = export(tmp_path, "xlsx")
    months = openpyxl.load_workbook(path)["By month"]
    header = [cell.value for cell in months[1]]
    rows = [
        (row[0].strftime("%Y-%m"), row[header.index("events")], row[header.index("fatalities")])
        for row in months.iter_rows(min_row=2, values_only=True)
        if isinstance(row[0], dt.datetime)
    ]
    assert rows == [
        ("2015-05", 1, 12),
        ("2015-06", 0, 0),
        ("2015-07", 0, 0),
        ("2015-08", 2, 5),
        ("2015-09", 0, 0),
        ("2015-10", 0, 0),
        ("2015-11", 1, 0),
    ]


def test_the_xlsx_events_sheet_carries_precision_inter_codes_and_source_scale(events, tmp_path):
    Event.objects.filter(event_id="SYR1").update(time_precision=2, geo_precision=3, source_scale="National")
    path, _ = export(tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(path)["Events"]
    header = [cell.value for cell in sheet[1]]
    rows = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    first = rows["SYR1"]
    assert (first["time_precision"], first["geo_precision"], first["source_scale"]) == (2, 3, "National")
    assert (first["inter1"], first["inter2"]) == (1, 2)
    assert (rows["TUR1"]["inter1"], rows["TUR1"]["inter2"]) == (6, None)


def test_the_xlsx_report_has_admin1_by_month_counts_equal_to_sql(events, tmp_path):
    path, _ = export(tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(path)["By admin1 and month"]
    assert [cell.value for cell in sheet[1]] == ["country", "admin1", "month", "events", "fatalities"]
    got = {
        (country, admin1 or "", month.strftime("%Y-%m")): (n, fatalities)
        for country, admin1, month, n, fatalities in sheet.iter_rows(min_row=2, values_only=True)
    }
    expected: dict = {}
    for event in Event.objects.filter(status=Status.PUBLISHED).select_related("place"):
        key = (event.place.country_name, event.place.admin1, event.event_date.strftime("%Y-%m"))
        n, fatalities = expected.get(key, (0, 0))
        expected[key] = (n + 1, fatalities + event.fatalities)
    assert (
        got
        == expected
        == {
            ("Syria", "Homs", "2015-05"): (1, 12),
            ("Syria", "Homs", "2015-08"): (2, 5),
            ("Turkey", "", "2015-11"): (1, 0),
        }
    )


def test_the_xlsx_about_sheet_lists_filters_statuses_and_time(events, tmp_path, viewer):
    path, _ = export(tmp_path, "xlsx", "--filter", "country=SYR", "--filter", "event_type=Battles")
    about = {row[0]: row[1] for row in openpyxl.load_workbook(path)["About"].iter_rows(values_only=True)}
    assert about["Filter: country"] == "SYR" and about["Filter: event_type"] == "Battles"
    assert about["Statuses included"] == "published"
    assert dt.datetime.strptime(about["Generated (UTC)"], "%Y-%m-%d %H:%M:%S")
    path, _ = export(tmp_path, "xlsx", "--user", viewer.username)
    about = {row[0]: row[1] for row in openpyxl.load_workbook(path)["About"].iter_rows(values_only=True)}
    assert about["Statuses included"] == "draft, reviewed, published, retracted"
    assert about["Filters"] == "none"


def test_the_monadic_csv_has_a_row_per_actor_side(events, tmp_path):
    path, out = export(tmp_path, "monadic")
    assert "Exported 4 events" in out
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == MONADIC_COLUMNS
        rows = list(reader)
    assert "actor2" not in MONADIC_COLUMNS and "inter2" not in MONADIC_COLUMNS
    sides = [(row["event_id_cnty"], row["actor1"], row["assoc_actor_1"], row["inter1"]) for row in rows]
    assert sorted(sides) == [
        ("SYR1", "Islamic State (Syria)", "", "2"),
        ("SYR1", "Military Forces of Syria (2000-2024)", "NDF: National Defence Forces", "1"),
        ("SYR2", "Islamic State (Syria)", "", "2"),
        ("SYR3", "Islamic State (Syria)", "", "2"),
        ("SYR3", "Military Forces of Russia (2000-)", "", "8"),
        ("TUR1", "Protesters (Turkey)", "", "6"),
    ]
    first = [row for row in rows if row["event_id_cnty"] == "SYR1"]
    assert {row["notes"] for row in first} == {"'=1+1 looks like a formula; -5 too."}
    assert {row["interaction"] for row in first} == {"12"}
    acled = {row["event_id_cnty"]: row for row in csv.DictReader(export(tmp_path, "acled")[0].open())}
    for row in rows:  # every other column as in the ACLED export
        assert {name: row[name] for name in MONADIC_COLUMNS if "actor" not in name and name != "inter1"} == {
            name: acled[row["event_id_cnty"]][name]
            for name in MONADIC_COLUMNS
            if "actor" not in name and name != "inter1"
        }


def test_the_monadic_csv_is_served_over_http(events):
    from tests.api_helpers import client_for

    response = client_for().get("/api/v1/exports/events.monadic.csv?country=TUR")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["event_id_cnty"], row["actor1"]) for row in rows] == [("TUR1", "Protesters (Turkey)")]


def test_the_xlsx_report_has_a_native_chart(events, tmp_path):
    path, _ = export(tmp_path, "xlsx")
    with zipfile.ZipFile(path) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert charts
        xml = archive.read(charts[0]).decode()
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml
    assert "Events and fatalities per month" in xml


def test_the_xlsx_report_reads_with_pandas(events, tmp_path):
    path, _ = export(tmp_path, "xlsx")
    frame = pd.read_excel(path, sheet_name="Events")
    assert len(frame) == 4
    assert frame.fatalities.sum() == 17
    summary = pd.read_excel(path, sheet_name="By country")
    assert summary.events.iloc[-1] == 4


def test_the_geojson_export_is_a_feature_collection_of_points(events, tmp_path):
    path, out = export(tmp_path, "geojson")

    assert "Exported 4 events as geojson" in out  # counted off a terminal too (the bar is disabled)
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = {feature["id"]: feature for feature in collection["features"]}
    assert set(features) == {"SYR1", "SYR2", "SYR3", "TUR1"}
    temple = features["SYR2"]
    assert temple["geometry"] == {"type": "Point", "coordinates": [38.2733, 34.5472]}
    assert temple["properties"]["location"] == "Temple of Bel"
    assert temple["properties"]["event_date"] == "2015-08-30"
    assert features["SYR1"]["properties"]["notes"] == "=1+1 looks like a formula; -5 too."
    assert "latitude" not in temple["properties"]


def test_an_empty_export_is_still_valid(db, tmp_path):
    path, out = export(tmp_path, "geojson")
    assert json.loads(path.read_text()) == {"type": "FeatureCollection", "features": []}
    path, out = export(tmp_path, "acled")
    assert path.read_text().strip() == ",".join(ACLED_COLUMNS)
    path, _ = export(tmp_path, "xlsx")
    assert openpyxl.load_workbook(path)["Events"].max_row == 1


def test_the_data_package_validates_with_frictionless(events, tmp_path):
    from frictionless import Package, validate

    target = tmp_path / "package"
    out = io.StringIO()
    call_command("export_events", "--format", "datapackage", "--output", str(target), "--include-unpublished",
                 stdout=out)  # fmt: skip

    report = validate(target / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = Package(target / "datapackage.json")
    resource = package.get_resource("events")
    fields = {field.name: field for field in resource.schema.fields}
    assert fields["fatalities"].type == "integer"
    assert fields["event_date"].type == "date"
    assert "Battles" in fields["event_type"].constraints["enum"]
    assert fields["inter1"].constraints["enum"] == [1, 2, 3, 4, 5, 6, 7, 8]
    descriptor = json.loads((target / "datapackage.json").read_text())
    assert descriptor["vocabularies"]["event_types"]["Protests"]["Excessive force against protesters"] == (
        "Political violence; Demonstrations"
    )
    rows = resource.read_rows()
    assert len(rows) == 5
    assert {row["event_id"] for row in rows} >= {"SYR1", "SYR9"}


def test_a_bad_row_fails_the_data_package_validation(events, tmp_path):
    """The schema is real: a fatality count that is not a number fails validation."""
    from frictionless import validate

    target = tmp_path / "package"
    call_command("export_events", "--format", "datapackage", "--output", str(target), stdout=io.StringIO())
    text = (target / "events.csv").read_text()
    (target / "events.csv").write_text(text.replace(",12,SOHR", ",twelve,SOHR"))
    assert not validate(target / "datapackage.json").valid


def test_the_data_package_can_be_a_zip(events, tmp_path):
    target = tmp_path / "events.zip"
    call_command("export_events", "--format", "datapackage", "--output", str(target), stdout=io.StringIO())
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["datapackage.json", "events.csv"]
        descriptor = json.loads(archive.read("datapackage.json"))
    assert descriptor["resources"][0]["stats"]["rows"] == 4


def test_export_as_a_user_sees_what_the_user_may_see(events, tmp_path, viewer):
    path, out = export(tmp_path, "csv", "--user", "viewer")
    assert "Exported 5 events" in out
    with pytest.raises(CommandError, match="no such user"):
        export(tmp_path, "csv", "--user", "nobody")


TRICKY_TEXT = [
    "plain",
    "<b>bold</b> & \"quoted\" 'single'",
    "  leading and trailing spaces  ",
    "tab\tinside and a line\nbreak",
    "control \x01\x02\x1f characters",
    "_x0041_ looks like an escape",
    "Ḥamāh — حماة — 哈马",
    "emoji 🙂 outside the BMP",
    "x" * 40_000,  # over Excel's 32,767 characters: cut as xlsxwriter cuts it
    "🙂" * 20_000,  # the limit counts UTF-16 units
]


def test_the_fast_events_sheet_writer_stores_text_exactly_as_xlsxwriter_does(tmp_path):
    """_CellRows writes SpreadsheetML by hand for speed; a workbook written cell by cell through
    xlsxwriter's own API must read back identically, cell for cell, in openpyxl."""
    import xlsxwriter

    from events.exports.xlsx import _CellRows

    values = [
        (text, number, flag, day)
        for text, number, flag, day in zip(
            TRICKY_TEXT,
            [0, -1.5, 2**40, 1e-7, 3.141592653589793, 12, None, 7, 8, 9],
            [True, False, None, True, False, True, False, True, False, True],
            [42_000, None, 1, 60, 61, 45_000, 1.5, 2, 3, 4],
            strict=True,
        )
    ]
    paths = {}
    for how in ("fast", "xlsxwriter"):
        paths[how] = tmp_path / f"{how}.xlsx"
        book = xlsxwriter.Workbook(str(paths[how]), {"constant_memory": True})
        date_style = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet = book.add_worksheet("Events")
        sheet.write_row(0, 0, ["text", "number", "flag", "day"])
        if how == "fast":
            kinds = [("string", None), ("number", None), ("boolean", None), ("date", date_style)]
            assert _CellRows(sheet, kinds).write(values) == len(values)
        else:
            for row, (text, number, flag, day) in enumerate(values, start=1):
                sheet.write_string(row, 0, text)
                if number is not None:
                    sheet.write_number(row, 1, number)
                if flag is not None:
                    sheet.write_boolean(row, 2, flag)
                if day is not None:
                    sheet.write_number(row, 3, day, date_style)
        book.close()

    def cells(path):
        sheet = openpyxl.load_workbook(path)["Events"]
        return [
            [(cell.value, cell.data_type, cell.number_format) for cell in row] for row in sheet.iter_rows()
        ]

    fast, reference = cells(paths["fast"]), cells(paths["xlsxwriter"])
    assert fast == reference
    # …and byte for byte the same worksheet XML (openpyxl ignores xml:space; Excel does not)
    sheets = [zipfile.ZipFile(paths[how]).read("xl/worksheets/sheet1.xml") for how in ("fast", "xlsxwriter")]
    assert sheets[0] == sheets[1]
    assert fast[2][0][0] == TRICKY_TEXT[1]  # and the text survived: markup is text
    assert fast[3][0][0] == TRICKY_TEXT[2]  # outer spaces kept
    assert len(fast[9][0][0]) == 32_767
    assert pd.read_excel(paths["fast"]).shape == (len(values), 4)
