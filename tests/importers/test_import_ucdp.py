"""import_ucdp: UCDP GED CSV mapped to Chronicle's ACLED-style events."""

import datetime as dt
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection

from core.vocab import ActorRole, Status
from events.models import Citation, Event, ImportBatch, Source
from places.models import Place, PlaceKind
from tests.acled_files import GED_COLUMNS, ged_row, write_csv
from tests.factories import CitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ged_file(tmp_path):
    rows = [
        ged_row(),
        ged_row(
            id="139451",
            type_of_violence="3",
            side_a="IS",
            side_b="Civilians",
            source_office="",
            date_prec="4",
            date_start="2015-06-01",
            date_end="2015-06-30",
            where_prec="4",
            best="12",
            low="12",
            high="20",
            deaths_a="0",
            deaths_b="0",
            deaths_civilians="12",
        ),
        ged_row(
            id="139452",
            type_of_violence="2",
            side_a="Jaish al-Islam",
            side_b="IS",
            country="DR Congo (Zaire)",
            adm_1="Nord Kivu province",
            adm_2="",
            where_coordinates="Goma town",
            latitude="-1.6792",
            longitude="29.2228",
            best="2",
        ),
    ]
    return write_csv(tmp_path / "ged.csv", GED_COLUMNS, rows)


def run_acled(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_acled", str(path), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ucdp", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_ged_file_is_mapped_to_acled_style_events(ged_file):
    out, err = run(ged_file)

    assert "3 created" in out, err
    battle = Event.objects.get(event_id="UCDP139450")
    assert (battle.event_type, battle.sub_event_type) == ("Battles", "Armed clash")
    assert (battle.event_date, battle.end_date, battle.time_precision) == (
        dt.date(2015, 5, 20),
        dt.date(2015, 5, 21),
        1,
    )
    assert battle.fatalities == 50
    assert "best 50 (low 45, high 70)" in battle.notes
    assert "side A 20, side B 30" in battle.notes
    assert battle.interaction == 12  # Government of … -> state forces; the state's opponent -> rebels
    assert battle.status == Status.PUBLISHED
    assert battle.place.hierarchy == ["Syria", "Hims governorate", "Tadmur district", "Tadmur town"]
    assert list(battle.citations.order_by("id").values_list("source__name", flat=True)) == ["Reuters", "AFP"]
    assert battle.citations.first().quote == "Reuters,2015-05-20,'Islamic State seizes Palmyra'"
    assert ImportBatch.objects.get().format == ImportBatch.Format.UCDP

    one_sided = Event.objects.get(event_id="UCDP139451")
    assert (one_sided.event_type, one_sided.sub_event_type) == ("Violence against civilians", "Attack")
    assert one_sided.civilian_targeting is True
    assert one_sided.time_precision == 3  # a month
    assert one_sided.geo_precision == 3
    assert one_sided.actors_in_role(ActorRole.ACTOR2)[0].name == "Civilians (Syria)"
    assert one_sided.interaction == 27
    assert list(one_sided.citations.values_list("source__name", flat=True)) == ["UCDP GED"]

    non_state = Event.objects.get(event_id="UCDP139452")
    assert non_state.place.country_code == "COD"
    assert non_state.interaction == 33


def test_reimporting_a_ged_file_creates_nothing(ged_file):
    run(ged_file)
    history = Event.history.count()
    out, _ = run(ged_file)
    assert "0 created, 0 updated, 3 unchanged" in out
    assert Event.history.count() == history


def test_bad_ged_rows_are_reported_and_strict_commits_nothing(tmp_path):
    path = write_csv(
        tmp_path / "bad.csv",
        GED_COLUMNS,
        [ged_row(), ged_row(id="2", type_of_violence="5"), ged_row(id="3", best="many", latitude="95")],
    )

    with pytest.raises(CommandError, match="--strict"):
        run(path, "--strict")
    assert Event.objects.count() == 0

    out, err = run(path)
    assert "row 3, column type_of_violence = '5': must be one of 1, 2, 3" in err
    assert "row 4, column best = 'many': not a whole number" in err
    assert "row 4, column latitude = '95': must be between -90 and 90" in err
    assert "1 created" in out and "2 skipped" in out


def test_a_file_that_is_not_ged_is_refused(tmp_path):
    path = write_csv(tmp_path / "acled.csv", ("event_id_cnty", "event_date"), [{}])
    with pytest.raises(CommandError, match="Not a UCDP GED file: required columns id, date_start"):
        run(path)


def test_an_event_coded_at_an_area_is_filed_under_the_area_not_a_locality_named_after_it(tmp_path):
    precise = ged_row()  # where_prec 1: Tadmur town, a locality
    areas = [
        ged_row(id="2", where_prec="3", where_coordinates="Tadmur district", latitude="34.5"),
        ged_row(id="3", where_prec="4", where_coordinates="Hims governorate", latitude="34.6"),
        ged_row(id="4", where_prec="5", where_coordinates="Eastern Syria", adm_1="", adm_2="", latitude="35"),
        ged_row(id="5", where_prec="6", where_coordinates="Syria", adm_1="", adm_2="", latitude="35.0"),
        ged_row(
            id="6",
            where_prec="7",
            where_coordinates="Red Sea",
            country="Yemen (North Yemen)",
            adm_1="",
            adm_2="",
            latitude="15.5",
            longitude="41.8",
        ),
    ]
    run(write_csv(tmp_path / "first.csv", GED_COLUMNS, [precise]))
    syria = Place.objects.get(kind=PlaceKind.COUNTRY, country_code="SYR")
    assert (syria.latitude, syria.longitude) == (None, None)

    out, err = run(write_csv(tmp_path / "areas.csv", GED_COLUMNS, areas))

    assert "5 created" in out, err
    placed = {
        event.event_id: (event.place.kind, event.place.hierarchy, event.geo_precision)
        for event in Event.objects.exclude(event_id="UCDP139450").select_related("place")
    }
    assert placed == {
        "UCDP2": ("admin2", ["Syria", "Hims governorate", "Tadmur district"], 3),
        "UCDP3": ("admin1", ["Syria", "Hims governorate"], 3),
        "UCDP4": ("country", ["Syria"], 3),
        "UCDP5": ("country", ["Syria"], 3),
        "UCDP6": ("country", ["Yemen"], 3),
    }
    localities = Place.objects.filter(kind=PlaceKind.LOCALITY)
    assert list(localities.values_list("name", flat=True)) == ["Tadmur town"]
    # An area an event is coded at takes the event's coordinates (UCDP's centroid) when it has none.
    yemen = Place.objects.get(kind=PlaceKind.COUNTRY, country_code="YEM")
    assert (yemen.latitude, yemen.longitude) == (15.5, 41.8)
    syria.refresh_from_db()
    assert syria.latitude is not None and syria.history.first().history_type == "~"

    # Out as ACLED CSV (the area is the location) and back in: still the areas, no new locality.
    exported = tmp_path / "acled.csv"
    call_command("export_events", "--format", "acled", "--output", str(exported), stdout=io.StringIO())
    out, err = run_acled(exported)
    assert "0 skipped" in out and "0 new places" in out, err
    assert list(localities.values_list("name", flat=True)) == ["Tadmur town"]
    assert {e.event_id: e.place.kind for e in Event.objects.select_related("place")}["UCDP5"] == "country"


def test_a_newer_ged_release_replaces_the_imported_citations_and_keeps_a_curators(tmp_path):
    first = ged_row(source_office="SOHR;The Syrian Human Rights Committee", source_article="SOHR,2015-05-20")
    run(write_csv(tmp_path / "ged-24.csv", GED_COLUMNS, [first]))
    event = Event.objects.get(event_id="UCDP139450")
    reuters = Source.objects.create(name="Reuters")
    own = CitationFactory(event=event, source=reuters, quote="Seen by our correspondent.")
    mine = CitationFactory(event=event, source=Source.objects.get(name="SOHR"), quote="SOHR,2015-05-20")

    # The newer release drops a source: its imported citation goes.
    out, err = run(write_csv(tmp_path / "ged-25.csv", GED_COLUMNS, [{**first, "source_office": "SOHR"}]))

    assert "0 created, 1 updated, 0 unchanged" in out, err
    batch = ImportBatch.objects.latest("pk")
    imported = event.citations.filter(import_batch__isnull=False)
    assert list(imported.values_list("source__name", "quote")) == [("SOHR", "SOHR,2015-05-20")]
    assert set(event.citations.filter(import_batch__isnull=True)) == {own, mine}

    # Only source_article changes: a change, and the imported citation quotes the new text.
    changed = {**first, "source_office": "SOHR", "source_article": "SOHR,2015-05-21"}
    out, _ = run(write_csv(tmp_path / "ged-25.1.csv", GED_COLUMNS, [changed]))

    assert "0 created, 1 updated, 0 unchanged" in out
    assert list(imported.values_list("source__name", "quote")) == [("SOHR", "SOHR,2015-05-21")]
    assert imported.get().import_batch == ImportBatch.objects.latest("pk") != batch
    assert set(event.citations.filter(import_batch__isnull=True)) == {own, mine}
    event.refresh_from_db()
    assert event.version == 3

    # The same file again writes nothing.
    citations = list(Citation.objects.order_by("pk").values_list("pk", "quote"))
    out, _ = run(write_csv(tmp_path / "again.csv", GED_COLUMNS, [changed]))
    assert "0 created, 0 updated, 1 unchanged" in out
    assert list(Citation.objects.order_by("pk").values_list("pk", "quote")) == citations


def test_the_migration_marks_the_citations_earlier_imports_made(ged_file):
    migration = importlib.import_module("events.migrations.0012_importers_citation_import_batch")
    run(ged_file)
    batch = ImportBatch.objects.get()
    event = Event.objects.get(event_id="UCDP139450")
    Citation.objects.update(import_batch=None)  # as before citations carried their import
    edited = event.citations.get(source__name="AFP")
    edited.quote = "AFP, corrected by a curator"
    edited.save()
    own = CitationFactory(event=event, source=Source.objects.get(name="Reuters"), quote="")

    migration.mark_imported_citations(django_apps, SimpleNamespace(connection=connection))

    marked = Citation.objects.filter(import_batch=batch)
    assert set(marked.values_list("event__event_id", "source__name")) == {
        ("UCDP139450", "Reuters"),
        ("UCDP139451", "UCDP GED"),
        ("UCDP139452", "Reuters"),
        ("UCDP139452", "AFP"),
    }
    assert set(Citation.objects.filter(import_batch__isnull=True)) == {edited, own}


def test_a_long_file_name_is_shortened_in_the_history_not_refused(tmp_path):
    name = "ged_" + "very_long_release_name_" * 6 + "25.1.csv"

    out, err = run(write_csv(tmp_path / name, GED_COLUMNS, [ged_row()]))

    assert "1 created" in out, err
    reason = Event.objects.get().history.get().history_change_reason
    batch = ImportBatch.objects.get()
    assert batch.file_name == name
    assert reason.startswith("Imported from ged_very_long")
    assert reason.endswith(f"… (import batch {batch.pk})")
