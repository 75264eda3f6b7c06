"""import_acled: both ACLED vintages, every awkward file shape, idempotence, atomicity, errors."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from actors.models import Actor
from core.vocab import ActorRole, Status
from events.acled import ACLED_COLUMNS, ACLED_LEGACY_COLUMNS
from events.importers.acled import import_acled_file
from events.models import Citation, Event, EventActor, EventIdCounter, ImportBatch, Source
from places.models import Place, PlaceKind
from tests.acled_files import current_row, legacy_row, write_csv
from tests.factories import CitationFactory, CountryFactory, PlaceFactory

pytestmark = pytest.mark.django_db

MULTILINE_NOTES = 'On 10 November, regime forces shelled "IS positions".\nIS fighters retreated east.'


def awkward_rows() -> list[dict]:
    """Five events covering every case the issue lists."""
    return [
        current_row(
            event_id_cnty="SYR1001",
            notes=MULTILINE_NOTES,
            source="Syrian Observatory for Human Rights; Reuters",
            source_scale="National-International",
            assoc_actor_1="NDF: National Defence Forces; Hezbollah",
        ),
        current_row(
            event_id_cnty="SYR1002",
            event_date="02 July 2016",
            event_type="Explosions/Remote violence",
            sub_event_type="Air/drone strike",
            actor1="Military Forces of Russia (2000-)",
            inter1="External/Other forces",  # a label, as recent ACLED files write it
            actor2="Civilians (Syria)",
            inter2="Civilians",
            civilian_targeting="Civilian targeting",
            interaction="78",
            fatalities="3",
            notes="Russian air strike on a market.",
        ),
        current_row(
            event_id_cnty="RUS501",
            event_date="03-July-2016",
            iso="643",
            region="Europe",
            country="Russia",
            admin1="Moscow",
            admin2="",
            admin3="",
            location="Moscow",
            latitude="55.7522",
            longitude="37.6156",
            event_type="Protests",
            sub_event_type="Protest with intervention",
            actor1="Protesters (Russia)",
            inter1="6",
            actor2="Military Forces of Russia (2000-)",
            inter2="1",  # the same actor coded 1 at home, 8 abroad
            assoc_actor_1="",
            source="Meduza",
            source_scale="National",
            fatalities="0",
            notes="Protest dispersed by police.",
        ),
        current_row(
            event_id_cnty="SYR1003",
            event_date="2016-07-04",
            admin1="Aleppo",
            admin2="Jebel Saman",
            admin3="Jebel Saman",
            location="Aleppo",
            latitude="36.2021",
            longitude="37.1343",
            notes="Clashes in Aleppo city.",
        ),
        current_row(
            event_id_cnty="SYR1004",
            event_date="2016-07-05",
            event_type="Strategic developments",
            sub_event_type="Headquarters or base established",
            actor2="",
            inter2="",
            admin1="Aleppo",
            admin2="Aleppo",
            admin3="",
            location="Aleppo",
            latitude="36.2021",
            longitude="37.1343",
            fatalities="",
            notes="=HYPERLINK(1) HQ set up.",
        ),
    ]


@pytest.fixture
def awkward_file(tmp_path):
    """UTF-8 with BOM, CRLF line ends, pandas' unnamed index column, quoted multi-line notes."""
    return write_csv(
        tmp_path / "acled-awkward.csv", ACLED_COLUMNS, awkward_rows(), bom=True, crlf=True, index_column=True
    )


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_acled", str(path), "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_current_file_with_every_awkward_case_is_imported(awkward_file):
    out, _ = run(awkward_file)

    assert "5 created, 0 updated, 0 unchanged, 0 skipped" in out
    event = Event.objects.get(event_id="SYR1001")
    assert event.notes == MULTILINE_NOTES
    assert "\r" not in event.notes
    assert event.event_date == dt.date(2015, 11, 10)
    assert (event.event_type, event.sub_event_type, event.disorder_type) == (
        "Battles",
        "Armed clash",
        "Political violence",
    )
    assert event.interaction == 12
    assert event.status == Status.PUBLISHED
    assert event.source_timestamp == 1447200000
    assert event.import_batch.state == ImportBatch.State.COMMITTED
    # "A; B" is two sources, a citation each, with the scale of each when source_scale says it.
    cited = list(event.citations.order_by("id").values_list("source__name", "source__scale"))
    assert cited == [("Syrian Observatory for Human Rights", "National"), ("Reuters", "International")]
    roles = list(
        event.event_actors.order_by("role", "position").values_list("role", "actor__name", "position")
    )
    assert roles == [
        ("actor1", "Military Forces of Syria (2000-2024)", 0),
        ("actor2", "Islamic State (Syria)", 0),
        ("assoc_actor_1", "NDF: National Defence Forces", 0),
        ("assoc_actor_1", "Hezbollah", 1),
    ]

    strike = Event.objects.get(event_id="SYR1002")
    assert strike.event_date == dt.date(2016, 7, 2)
    assert strike.civilian_targeting is True
    assert strike.interaction == 78
    russia_in_syria = strike.event_actors.get(role=ActorRole.ACTOR1)
    protest = Event.objects.get(event_id="RUS501")
    russia_at_home = protest.event_actors.get(role=ActorRole.ACTOR2)
    assert russia_in_syria.actor == russia_at_home.actor
    assert (russia_in_syria.inter, russia_at_home.inter) == (8, 1)
    assert protest.event_date == dt.date(2016, 7, 3)
    assert protest.interaction == 16

    hq = Event.objects.get(event_id="SYR1004")
    assert hq.fatalities == 0
    assert hq.interaction == 10
    assert hq.notes == "=HYPERLINK(1) HQ set up."  # stored as given; exports escape it
    assert EventIdCounter.objects.get(prefix="SYR").last == 1004
    assert EventIdCounter.objects.get(prefix="RUS").last == 501


def test_places_are_built_as_a_hierarchy_and_matched_by_path_not_by_name(awkward_file):
    syria = CountryFactory(name="Syria", country_code="SYR")  # seed data's country is reused
    run(awkward_file)

    palmyra = Event.objects.get(event_id="SYR1001").place
    assert palmyra.kind == PlaceKind.LOCALITY
    assert palmyra.hierarchy == ["Syria", "Homs", "Tadmor", "Tadmor", "Palmyra"]
    assert (palmyra.country_name, palmyra.admin1, palmyra.admin2, palmyra.admin3) == (
        "Syria",
        "Homs",
        "Tadmor",
        "Tadmor",
    )
    assert (palmyra.latitude, palmyra.longitude) == (34.5601, 38.2803)
    ancestors = [int(pk) for pk in palmyra.path.strip("/").split("/")]
    assert ancestors[0] == syria.pk
    assert [Place.objects.get(pk=pk).kind for pk in ancestors] == [
        "country",
        "admin1",
        "admin2",
        "admin3",
        "locality",
    ]
    assert palmyra.depth == 4
    # "Aleppo" is an admin1, two admin2s (one per parent) and two localities: never merged by name.
    aleppo_city = Event.objects.get(event_id="SYR1003").place
    aleppo_hq = Event.objects.get(event_id="SYR1004").place
    assert aleppo_city != aleppo_hq
    assert aleppo_hq.hierarchy == ["Syria", "Aleppo", "Aleppo", "Aleppo"]
    assert Place.objects.filter(name="Aleppo", kind=PlaceKind.ADMIN1).count() == 1
    assert Place.objects.filter(name="Aleppo", kind=PlaceKind.LOCALITY).count() == 2
    assert Place.objects.filter(kind=PlaceKind.COUNTRY, country_code="SYR").count() == 1
    assert Place.objects.subtree(syria).count() == Place.objects.filter(country_code="SYR").count()
    moscow = Event.objects.get(event_id="RUS501").place
    assert moscow.hierarchy == ["Russia", "Moscow", "Moscow"]


def test_existing_places_actors_and_sources_are_reused(awkward_file):
    syria = CountryFactory(name="Syria", country_code="SYR")
    homs = PlaceFactory(name="Homs", kind=PlaceKind.ADMIN1, parent=syria)
    Actor.objects.create(name="Islamic State (Syria)", kind=2, country="SYR")
    Source.objects.create(name="Reuters", scale="International")
    run(awkward_file)

    assert Event.objects.get(event_id="SYR1001").place.path.startswith(homs.path)
    assert Actor.objects.filter(name="Islamic State (Syria)").count() == 1
    assert Source.objects.filter(name="Reuters").count() == 1


def test_a_legacy_file_maps_old_event_types_and_columns(tmp_path):
    rows = [
        legacy_row(),  # Riots/Protests with protesters as actor 1 -> Protests
        legacy_row(
            event_id_cnty="KEN2002",
            event_type="Riots/Protests",
            actor1="Rioters (Kenya)",
            inter1="5",
            notes="Rioters burned tyres.",
        ),
        legacy_row(
            event_id_cnty="KEN2003",
            event_date="2016-07-03",
            event_type="Battle-No change of territory",
            actor1="Military Forces of Kenya (2013-2022)",
            inter1="1",
            actor2="Al Shabaab",
            inter2="2",
            ally_actor_1="Police Forces of Kenya (2013-2022)",
        ),
        legacy_row(
            event_id_cnty="KEN2004",
            event_type="Violence Against Civilians",
            actor1="Al Shabaab",
            inter1="2",
            actor2="Civilians (Kenya)",
            inter2="7",
        ),
        legacy_row(event_id_cnty="KEN2005", event_type="Remote violence", actor1="Al Shabaab", inter1="2"),
        legacy_row(
            event_id_cnty="KEN2006", event_type="Strategic development", actor1="Al Shabaab", inter1="2"
        ),
    ]
    path = write_csv(tmp_path / "acled-2016.csv", ACLED_LEGACY_COLUMNS, rows, upper=True)
    out, _ = run(path)

    assert "6 created" in out
    assert ImportBatch.objects.get().format == ImportBatch.Format.ACLED_LEGACY
    got = {
        e.event_id: (e.event_type, e.sub_event_type, e.legacy_event_type, e.disorder_type)
        for e in Event.objects.all()
    }
    assert got == {
        "KEN2001": ("Protests", "", "Riots/Protests", "Demonstrations"),
        "KEN2002": ("Riots", "", "Riots/Protests", "Demonstrations"),
        "KEN2003": ("Battles", "Armed clash", "", "Political violence"),
        "KEN2004": ("Violence against civilians", "", "Violence Against Civilians", "Political violence"),
        "KEN2005": ("Explosions/Remote violence", "", "Remote violence", "Political violence"),
        "KEN2006": ("Strategic developments", "", "Strategic development", "Strategic developments"),
    }
    battle = Event.objects.get(event_id="KEN2003")
    assert battle.event_date == dt.date(2016, 7, 3)
    assert battle.actors_in_role(ActorRole.ASSOC_ACTOR_1)[0].name == "Police Forces of Kenya (2013-2022)"
    protest = Event.objects.get(event_id="KEN2001")
    assert protest.event_date == dt.date(2016, 7, 2)
    assert protest.place.hierarchy == ["Kenya", "Nairobi", "Westlands", "Nairobi"]


def test_reimporting_the_same_file_creates_nothing(awkward_file, django_assert_max_num_queries):
    run(awkward_file)
    counts = [
        model.objects.count()
        for model in (Event, Event.history.model, EventActor, Citation, Actor, Place, Source)
    ]
    versions = dict(Event.objects.values_list("event_id", "updated_at"))

    with django_assert_max_num_queries(12):
        outcome = import_acled_file(awkward_file, progress=False)

    assert (outcome.batch.created, outcome.batch.updated, outcome.batch.unchanged) == (0, 0, 5)
    assert counts == [
        model.objects.count()
        for model in (Event, Event.history.model, EventActor, Citation, Actor, Place, Source)
    ]
    assert dict(Event.objects.values_list("event_id", "updated_at")) == versions
    assert ImportBatch.objects.count() == 2


def test_the_same_rows_in_another_file_layout_are_compared_and_found_unchanged(awkward_file, tmp_path):
    run(awkward_file)
    plain = write_csv(tmp_path / "plain.csv", ACLED_COLUMNS, awkward_rows())  # LF, no BOM, no index
    history = Event.history.count()

    out, _ = run(plain)

    assert "0 created, 0 updated, 5 unchanged" in out
    assert Event.history.count() == history


@pytest.mark.postgres
def test_reimporting_uses_no_sequence_values(awkward_file):
    run(awkward_file)

    def last_values():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE sequencename LIKE 'events_%%'"
                " AND sequencename NOT LIKE 'events_importbatch%%'"
            )
            return dict(cursor.fetchall())

    before = last_values()
    run(awkward_file)
    assert last_values() == before


def test_a_changed_row_updates_the_event_and_its_history(awkward_file, tmp_path):
    run(awkward_file)
    rows = awkward_rows()
    rows[0].update(fatalities="7", timestamp="1447300000", source="Reuters", assoc_actor_1="")
    changed = write_csv(tmp_path / "acled-v2.csv", ACLED_COLUMNS, rows)

    out, _ = run(changed)

    assert "0 created, 1 updated, 4 unchanged" in out
    event = Event.objects.get(event_id="SYR1001")
    assert event.fatalities == 7
    assert event.version == 2
    assert event.source_timestamp == 1447300000
    assert list(event.citations.values_list("source__name", flat=True)) == ["Reuters"]
    assert event.actors_in_role(ActorRole.ASSOC_ACTOR_1) == []
    history = list(event.history.values_list("history_type", "fatalities"))
    assert history == [("~", 7), ("+", 4)]
    assert event.history.first().history_change_reason.startswith("Imported from acled-v2.csv")


def test_an_updated_event_holds_what_a_created_one_would(awkward_file, tmp_path):
    # The update path writes rows in SQL (no save(), no bulk_update): compare it with the create path.
    run(awkward_file)
    rows = awkward_rows()
    rows[0].update(
        fatalities="7", event_type="Violence against civilians", sub_event_type="Attack", inter2="7"
    )
    rows[0].update(actor2="Civilians (Syria)", source="Reuters", timestamp="1447300000")
    twin = {**rows[0], "event_id_cnty": "SYR9001"}
    out, _ = run(write_csv(tmp_path / "v2.csv", ACLED_COLUMNS, [*rows, twin]))
    assert "1 created, 1 updated, 4 unchanged" in out

    skip = {"id", "event_id", "created_at", "version", "source_hash"}  # the digest covers the id
    names = [field.attname for field in Event._meta.concrete_fields if field.attname not in skip]
    updated, created = (Event.objects.filter(event_id=i).values(*names).get() for i in ("SYR1001", "SYR9001"))
    assert updated == created
    updated, created = (Event.objects.get(event_id=i) for i in ("SYR1001", "SYR9001"))
    assert (updated.version, updated.interaction, updated.disorder_type) == (2, 17, "Political violence")
    actors = [(a.role, a.actor_id, a.inter, a.position) for a in updated.event_actors.order_by("role")]
    assert actors == [
        (a.role, a.actor_id, a.inter, a.position) for a in created.event_actors.order_by("role")
    ]
    # Reuters was cited by the first import already: that citation stays as it was, SOHR's goes.
    first, second = ImportBatch.objects.order_by("pk")
    assert list(updated.citations.values_list("source__name", "import_batch")) == [("Reuters", first.pk)]
    assert list(created.citations.values_list("source__name", "import_batch")) == [("Reuters", second.pk)]
    latest = updated.history.first()
    assert (latest.history_type, latest.fatalities, latest.version) == ("~", 7, 2)
    assert updated.event_actors.get(role=ActorRole.ACTOR2).history.first().history_type == "+"


def test_a_curators_own_citation_survives_an_update(awkward_file, tmp_path):
    run(awkward_file)
    event = Event.objects.get(event_id="SYR1001")
    CitationFactory(event=event, source=Source.objects.create(name="Field notes"), quote="Seen there.")
    rows = awkward_rows()
    rows[0].update(fatalities="9", timestamp="1447300000")
    out, _ = run(write_csv(tmp_path / "v2.csv", ACLED_COLUMNS, rows))

    assert "1 updated" in out
    assert set(event.citations.values_list("source__name", flat=True)) == {
        "Syrian Observatory for Human Rights",
        "Reuters",
        "Field notes",
    }


def test_a_source_the_file_drops_loses_only_the_imported_citation(awkward_file, tmp_path):
    run(awkward_file)
    event = Event.objects.get(event_id="SYR1001")
    sohr = Source.objects.get(name="Syrian Observatory for Human Rights")
    assert set(event.citations.values_list("import_batch", flat=True)) == {ImportBatch.objects.get().pk}
    # A curator cites the same source with nothing more: still the curator's, not the import's.
    own = CitationFactory(event=event, source=sohr, quote="")
    rows = awkward_rows()
    rows[0].update(source="Reuters")

    out, _ = run(write_csv(tmp_path / "v2.csv", ACLED_COLUMNS, rows))

    assert "0 created, 1 updated, 4 unchanged" in out
    imported = event.citations.filter(import_batch__isnull=False)
    assert list(imported.values_list("source__name", flat=True)) == ["Reuters"]
    assert list(event.citations.filter(import_batch__isnull=True)) == [own]


def test_an_older_copy_of_a_row_does_not_overwrite_a_newer_one(awkward_file, tmp_path):
    rows = awkward_rows()
    rows[0].update(fatalities="7", timestamp="1447300000")
    run(write_csv(tmp_path / "newer.csv", ACLED_COLUMNS, rows))

    out, _ = run(awkward_file)  # the older copy: timestamp 1447200000, 4 fatalities

    assert "0 updated, 5 unchanged" in out
    assert Event.objects.get(event_id="SYR1001").fatalities == 7


def test_a_retracted_event_is_left_alone(awkward_file, tmp_path, reviewer):
    from events.services import event_retract

    run(awkward_file)
    event_retract(event=Event.objects.get(event_id="SYR1001"), by=reviewer)
    rows = awkward_rows()
    rows[0].update(fatalities="7", timestamp="1447300000")

    out, _ = run(write_csv(tmp_path / "v2.csv", ACLED_COLUMNS, rows))

    assert "0 updated, 5 unchanged" in out
    assert "left alone" in out
    event = Event.objects.get(event_id="SYR1001")
    assert (event.status, event.fatalities) == (Status.RETRACTED, 4)


def test_an_event_curated_in_chronicle_is_never_overwritten_by_a_file_with_its_id(tmp_path, curator):
    """Curated ids and ACLED's share one namespace (SYR12 here may be another event than ACLED's
    SYR12): a file row with a curated event's id is refused by name, the rest import."""
    from events.services import event_create

    curated = event_create(
        by=curator,
        place=PlaceFactory(),
        event_date=dt.date(2015, 5, 20),
        event_type="Battles",
        sub_event_type="Armed clash",
        fatalities=3,
        notes="Coded here from the seed article.",
    )
    rows = awkward_rows()
    rows[1]["event_id_cnty"] = curated.event_id

    out, err = run(write_csv(tmp_path / "collide.csv", ACLED_COLUMNS, rows))

    # line 4 of the file: the first row's notes span two lines
    assert f"row 4, column event_id_cnty = {curated.event_id!r}: this id belongs to an event curated" in err
    assert "4 created" in out
    stored = Event.objects.get(pk=curated.pk)
    assert (stored.notes, stored.fatalities, stored.event_date, stored.version) == (
        "Coded here from the seed article.",
        3,
        dt.date(2015, 5, 20),
        1,
    )
    assert stored.history.count() == 1
    batch = ImportBatch.objects.latest("pk")
    assert batch.skipped == 1


def test_the_batch_records_who_when_what_and_the_counts(awkward_file, curator):
    import hashlib

    run(awkward_file, "--user", "curator")

    batch = ImportBatch.objects.get()
    assert batch.created_by == curator
    assert batch.file_name == "acled-awkward.csv"
    assert batch.sha256 == hashlib.sha256(awkward_file.read_bytes()).hexdigest()
    assert (batch.format, batch.rows, batch.created, batch.skipped) == ("acled", 5, 5, 0)
    assert batch.finished_at >= batch.started_at
    assert Event.objects.get(event_id="SYR1001").history.get().history_user == curator


# -- country codes -------------------------------------------------------------------------------


def test_a_country_code_acled_used_before_iso_falls_back_to_iso_number_then_name(tmp_path):
    # 2019–2022 files carry an iso3 column; some rows hold codes that are not ISO alpha-3.
    columns = (*ACLED_COLUMNS, "iso3")
    place = {"admin1": "", "admin2": "", "admin3": "", "location": "Somewhere"}
    rows = [
        current_row(event_id_cnty="XKX1", iso3="KSV", iso="0", country="Kosovo", **place),
        current_row(event_id_cnty="XKX2", iso3="XKX", iso="0", country="", **place),
        current_row(event_id_cnty="DRC1", iso3="ZAR", iso="180", country="Zaire", **place),
        current_row(event_id_cnty="DRC2", iso3="DRC", iso="180", country="DR Congo", **place),
        current_row(event_id_cnty="IVC1", iso3="IVC", iso="", country="Ivory Coast", **place),
        current_row(event_id_cnty="XKX3", iso3="", iso="0", country="", **place),
        current_row(event_id_cnty="ATL1", iso3="ATL", iso="999", country="Atlantis", **place),
        current_row(event_id_cnty="ATL2", iso3="ATL", iso="", country="", **place),
    ]

    out, err = run(write_csv(tmp_path / "acled-2020.csv", columns, rows))

    assert "6 created" in out and "2 skipped" in out
    countries = {event.event_id: event.place.country_code for event in Event.objects.select_related("place")}
    assert countries == {
        "XKX1": "XKX", "XKX2": "XKX", "XKX3": "XKX", "DRC1": "COD", "DRC2": "COD", "IVC1": "CIV"
    }  # fmt: skip
    errors = ImportBatch.objects.get().errors
    # The column named is the last fallback the row gave; the reason says why each one failed.
    assert [(error["row"], error["column"], error["value"]) for error in errors] == [
        (8, "country", "Atlantis"),
        (9, "iso3", "ATL"),
    ]
    assert errors[0]["reason"] == (
        "unknown country: iso3 'ATL' is neither an ISO 3166-1 alpha-3 code nor a known older code; "
        "iso '999' is not an ISO 3166-1 numeric code; the name is not a country name Chronicle knows "
        "(ACLED's, ISO's or a common one)"
    )
    assert "neither the name" not in err


# -- bad rows ----------------------------------------------------------------------------------

BAD_ROWS = [
    ("event_date", "31 Febtember 2016", "not a date"),
    ("event_type", "Skirmish", "not an ACLED event type"),
    ("sub_event_type", "Armed clash", "not a sub-event type of “Protests”"),
    ("fatalities", "abc", "not a whole number"),
    ("fatalities", "-2", "cannot be negative"),
    ("latitude", "200", "must be between -90 and 90"),
    ("longitude", "east", "not a number"),
    ("country", "Atlantis", "unknown country"),
    ("inter1", "Pirates", "unknown inter code"),
    ("time_precision", "7", "must be one of 1, 2, 3"),
    ("timestamp", "yesterday", "expected Unix seconds"),
]


def bad_file(tmp_path, column, value):
    rows = awkward_rows()
    rows[2][column] = value
    if column == "country":
        rows[2]["iso"] = ""
    return write_csv(tmp_path / "bad.csv", ACLED_COLUMNS, rows)


def database_state():
    return [model.objects.count() for model in (Event, EventActor, Citation, Actor, Place, Source)]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_ROWS)
def test_a_bad_row_is_reported_with_line_column_value_and_reason(tmp_path, column, value, reason):
    path = bad_file(tmp_path, column, value)

    out, err = run(path)

    # Row 1 has a two-line note, so the third record starts on line 5 of the file.
    assert f"row 5, column {column} = {value!r}: " in err
    assert reason in err
    assert "4 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert not Event.objects.filter(event_id="RUS501").exists()
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.COMMITTED
    assert batch.errors == [{"row": 5, "column": column, "value": value, "reason": batch.errors[0]["reason"]}]
    assert reason in batch.errors[0]["reason"]


@pytest.mark.parametrize(("column", "value", "reason"), BAD_ROWS[:6])
def test_a_dry_run_reports_every_error_and_writes_nothing_but_the_batch(tmp_path, column, value, reason):
    before = database_state()

    out, err = run(bad_file(tmp_path, column, value), "--dry-run")

    assert reason in err
    assert out.startswith("Dry run: 5 rows")
    assert "4 created" in out and "Nothing was written" in out
    assert database_state() == before
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.created, batch.skipped) == (ImportBatch.State.DRY_RUN, 4, 1)


@pytest.mark.parametrize(("column", "value", "reason"), BAD_ROWS[:6])
def test_strict_commits_nothing_when_a_row_fails(tmp_path, column, value, reason):
    before = database_state()

    with pytest.raises(CommandError, match="--strict and rows failed"):
        run(bad_file(tmp_path, column, value), "--strict")

    assert database_state() == before
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.FAILED
    assert reason in batch.errors[0]["reason"]


def test_a_duplicate_event_id_is_refused_on_its_second_row(tmp_path):
    rows = awkward_rows()
    rows[3]["event_id_cnty"] = "SYR1002"
    out, err = run(write_csv(tmp_path / "dup.csv", ACLED_COLUMNS, rows))
    assert "row 6, column event_id_cnty = 'SYR1002': the same event id is already on row 4" in err
    assert "4 created" in out


def test_a_new_actor_without_an_inter_code_is_refused(tmp_path):
    rows = awkward_rows()
    rows[2]["inter1"] = ""
    out, err = run(write_csv(tmp_path / "inter.csv", ACLED_COLUMNS, rows))
    assert "row 5, column inter1 = ''" in err
    assert "'Protesters (Russia)' is a new actor" in err
    assert "1 skipped" in out


def test_a_missing_required_column_aborts_with_a_clear_message(tmp_path):
    columns = tuple(name for name in ACLED_COLUMNS if name not in ("event_date", "latitude"))
    path = write_csv(tmp_path / "short.csv", columns, awkward_rows())

    with pytest.raises(CommandError, match="required columns event_date, latitude missing from the header"):
        run(path)

    assert Event.objects.count() == 0
    assert ImportBatch.objects.get().state == ImportBatch.State.FAILED


def test_an_empty_or_non_utf8_file_is_refused_clearly(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        run(empty)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(",".join(ACLED_COLUMNS).encode() + b"\nSYR1,2016-01-01,Caf\xe9\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        run(latin)


def test_a_ragged_row_is_reported(tmp_path):
    path = write_csv(tmp_path / "ok.csv", ACLED_COLUMNS, awkward_rows()[:1])
    with path.open("a") as handle:
        handle.write("SYR9,2016-01-01,2016\n")
    out, err = run(path)
    assert "row 4, column  = '': the row has 3 fields where the header has 31" in err


def test_errors_out_writes_the_row_level_report(tmp_path):
    report = tmp_path / "errors.csv"
    run(bad_file(tmp_path, "fatalities", "abc"), "--errors-out", str(report))

    with report.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1][:3] == ["5", "fatalities", "abc"]


def test_batch_size_sizes_statements_not_commits(awkward_file):
    out, _ = run(awkward_file, "--batch-size", "1")
    assert "5 created" in out
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run(awkward_file, "--batch-size", "0")


def test_an_unknown_user_or_path_is_refused(awkward_file, tmp_path):
    with pytest.raises(CommandError, match="no such user"):
        run(awkward_file, "--user", "nobody")
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.csv")


def test_the_garbage_collector_is_paused_during_a_run_and_restored_after(awkward_file, tmp_path):
    import gc

    from events.importers.acled import AcledParser
    from events.importers.common import HeaderError, run_import

    seen: list[bool] = []

    class Watching(AcledParser):
        def __call__(self, line, fields):
            seen.append(gc.isenabled())
            return super().__call__(line, fields)

    def imported(path) -> None:
        run_import(path=path, make_parser=Watching, default_format=ImportBatch.Format.ACLED, progress=False)

    assert gc.isenabled()
    imported(awkward_file)
    assert seen and not any(seen)
    assert gc.isenabled()
    # A run that fails still gives the collector back; one started with it off leaves it off.
    not_acled = tmp_path / "not-acled.csv"
    not_acled.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(HeaderError):
        imported(not_acled)
    assert gc.isenabled()
    gc.disable()
    try:
        imported(awkward_file)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_of_many_chunks_gets_every_history_row_and_reimports_unchanged(tmp_path, monkeypatch):
    """Chunks of 4 rows: each chunk's history rows are written while the next chunk is parsed
    (a pipeline on PostgreSQL); none may be lost, errors keep their rows, a re-import is a no-op."""
    from events.importers import common

    monkeypatch.setattr(common, "CHUNK_ROWS", 4)
    rows = [
        current_row(
            event_id_cnty=f"SYR{2000 + n}", fatalities=str(n), admin3=f"Sub {n % 3}", location=f"Village {n}"
        )
        for n in range(11)
    ]
    rows[5]["event_date"] = "not a date"  # chunk 2
    rows[9]["event_id_cnty"] = "SYR2001"  # chunk 3 repeats chunk 1's id
    path = write_csv(tmp_path / "chunks.csv", ACLED_COLUMNS, rows)

    outcome = import_acled_file(path, progress=False)

    assert (outcome.batch.created, outcome.batch.skipped) == (9, 2)
    assert [(e.row, e.column) for e in outcome.errors] == [(7, "event_date"), (11, "event_id_cnty")]
    events = Event.objects.filter(import_batch=outcome.batch)
    assert Event.history.filter(history_type="+").count() == events.count() == 9
    assert EventActor.history.count() == EventActor.objects.count() > 9
    assert Citation.history.count() == Citation.objects.count() == 9
    assert Place.history.count() == Place.objects.count()
    assert EventIdCounter.objects.get(prefix="SYR").last == 2010

    again = import_acled_file(path, progress=False)
    assert (again.batch.created, again.batch.updated, again.batch.unchanged) == (0, 0, 9)
    assert Event.history.count() == 9


def test_a_file_that_turns_unreadable_in_a_later_chunk_writes_nothing(tmp_path, monkeypatch):
    from events.importers import common

    monkeypatch.setattr(common, "CHUNK_ROWS", 4)
    notes = "Shelling reported. " * 200  # ~4 KB a row: the bad byte is decoded after two chunks
    rows = [
        current_row(event_id_cnty=f"SYR{3000 + n}", location=f"Village {n}", notes=notes) for n in range(10)
    ]
    path = write_csv(tmp_path / "broken.csv", ACLED_COLUMNS, rows)
    path.write_bytes(path.read_bytes() + b"SYR3999,\xff\xfe broken\n")

    with pytest.raises(common.HeaderError, match="not UTF-8 text after line"):
        import_acled_file(path, progress=False)

    assert not Event.objects.exists() and not Event.history.exists() and not EventActor.history.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.FAILED


# -- completeness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blanked", "columns"),
    [(["actor1"], ["actor1"]), (["source"], ["source"]), (["actor1", "source"], ["actor1", "source"])],
)
def test_a_row_without_actor_1_or_a_source_is_a_row_error_naming_the_column(tmp_path, blanked, columns):
    """An imported event is published, and a published event needs actor 1 and a citation
    (events.rules.REQUIRED_PARTS): the same rule as the admin and the API, asked per row."""
    rows = awkward_rows()
    for column in blanked:
        rows[2][column] = ""
    out, err = run(write_csv(tmp_path / "incomplete.csv", ACLED_COLUMNS, rows))
    batch = ImportBatch.objects.get()
    assert [(error["row"], error["column"]) for error in batch.errors] == [(5, column) for column in columns]
    assert "a published event needs" in batch.errors[0]["reason"]
    assert "4 created, 0 updated, 0 unchanged, 1 skipped" in out
    assert not Event.objects.filter(event_id="RUS501").exists()
    assert set(Event.objects.values_list("status", flat=True)) == {Status.PUBLISHED}


def test_an_update_that_would_leave_a_published_event_without_actor_1_is_refused(awkward_file, tmp_path):
    run(awkward_file)
    rows = awkward_rows()
    rows[0]["actor1"], rows[0]["notes"] = "", "Changed notes."
    out, err = run(write_csv(tmp_path / "second.csv", ACLED_COLUMNS, rows))
    assert "row 2, column actor1 = ''" in err
    event = Event.objects.get(event_id="SYR1001")
    assert event.notes == MULTILINE_NOTES and event.version == 1
    assert event.event_actors.filter(role=ActorRole.ACTOR1).exists()


def test_a_curators_import_makes_drafts_which_need_neither_actor_1_nor_a_source(tmp_path, curator):
    """Completeness is asked of rows that would be published: a person who may not publish
    imports drafts (events.rules.import_publishes), and a draft needs nothing yet."""
    rows = awkward_rows()
    rows[2]["actor1"], rows[2]["source"] = "", ""
    outcome = import_acled_file(
        write_csv(tmp_path / "drafts.csv", ACLED_COLUMNS, rows), user=curator, as_person=True
    )
    assert outcome.errors == []
    event = Event.objects.get(event_id="RUS501")
    assert event.status == Status.DRAFT and not event.citations.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_the_planner_statistics_of_its_rows(tmp_path, monkeypatch):
    """A run of ANALYZE_AFTER events or more refreshes the statistics once, inside its transaction
    (its own rows are counted): after the commit they hold the new events, with nothing re-run."""
    from events.importers import common
    from tests.acled_files import write_synthetic

    monkeypatch.setattr(common, "ANALYZE_AFTER", 20)
    path = write_synthetic(tmp_path / "events.csv", 60)
    outcome = import_acled_file(path)
    assert outcome.batch.created == 60
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'events_event'")
        assert cursor.fetchone()[0] == 60
        cursor.execute(
            "SELECT n_distinct FROM pg_stats WHERE tablename = 'events_event' AND attname = 'event_date'"
        )
        assert cursor.fetchone() is not None
