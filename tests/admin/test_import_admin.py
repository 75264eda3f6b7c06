"""The admin's import (django-import-export, natural keys, preview) and export screens and actions."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.vocab import ActorRole, Status
from events.models import Event, ImportBatch
from tests.factories import (
    ActorFactory,
    CountryFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/events/event/import/"
PROCESS_URL = "/admin/events/event/process_import/"
HEADER = [
    "event_id", "event_date", "time_precision", "event_type", "sub_event_type", "fatalities", "place",
    "actor1", "inter1", "actor2", "inter2", "assoc_actor_1", "sources", "notes",
]  # fmt: skip


@pytest.fixture
def reference_data():
    syria = CountryFactory(name="Syria", country_code="SYR")
    homs = PlaceFactory(name="Homs", kind="admin1", parent=syria)
    tadmor = PlaceFactory(name="Tadmor", kind="admin2", parent=homs)
    PlaceFactory(name="Tadmor", kind="admin3", parent=tadmor)
    PlaceFactory(name="Palmyra", parent=tadmor)
    ActorFactory(name="Military Forces of Syria (2000-2024)", kind=1)
    ActorFactory(name="Islamic State (Syria)", kind=2)
    ActorFactory(name="NDF: National Defence Forces", kind=3)
    SourceFactory(name="SOHR")
    SourceFactory(name="Reuters")


def upload(rows: list[list[str]]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("events.csv", text.getvalue().encode(), content_type="text/csv")


GOOD_ROW = [
    "", "2015-11-10", "1", "Battles", "Armed clash", "4", "Syria > Homs > Tadmor > Palmyra",
    "Military Forces of Syria (2000-2024)", "1", "Islamic State (Syria)", "Rebel group",
    "NDF: National Defence Forces", "SOHR; Reuters", "Clashes near Palmyra.",
]  # fmt: skip


def preview(client, rows):
    response = client.post(IMPORT_URL, {"resource": "0", "format": "0", "import_file": upload(rows)})
    assert response.status_code == 200
    return response


def test_the_preview_is_a_dry_run_recorded_as_a_batch_then_confirm_imports(client, curator, reference_data):
    client.force_login(curator)

    response = preview(client, [GOOD_ROW])

    assert Event.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.format, batch.created, batch.created_by) == ("dry_run", "admin", 1, curator)
    confirm = response.context["confirm_form"].initial
    response = client.post(PROCESS_URL, confirm)
    assert response.status_code == 302

    event = Event.objects.get()
    assert event.event_id == "SYR1"
    assert event.status == Status.DRAFT
    assert event.place.hierarchy == ["Syria", "Homs", "Tadmor", "Palmyra"]
    assert event.interaction == 12
    roles = sorted(event.event_actors.values_list("role", "actor__name", "inter"))
    assert roles == [
        (ActorRole.ACTOR1, "Military Forces of Syria (2000-2024)", 1),
        (ActorRole.ACTOR2, "Islamic State (Syria)", 2),
        (ActorRole.ASSOC_ACTOR_1, "NDF: National Defence Forces", 3),
    ]
    assert sorted(event.citations.values_list("source__name", flat=True)) == ["Reuters", "SOHR"]
    assert event.history.get().history_user == curator
    assert ImportBatch.objects.filter(state="committed", created=1).exists()


def test_unknown_natural_keys_are_row_errors_and_the_report_downloads_as_csv(
    client, curator, superuser, reference_data
):
    client.force_login(curator)
    bad = list(GOOD_ROW)
    bad[6] = "Syria > Homs > Atlantis"
    bad[7] = "Pirates of Palmyra"
    bad[12] = "Daily Planet"

    response = preview(client, [GOOD_ROW, bad])

    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert Event.objects.count() == 0
    batch = ImportBatch.objects.get()
    reasons = {(error["row"], error["column"]): error["reason"] for error in batch.errors}
    assert "No place 'Atlantis' under 'Syria > Homs'." in reasons[(3, "place")]
    assert "No actor named 'Pirates of Palmyra'" in reasons[(3, "actor1")]
    assert "No source named 'Daily Planet'" in reasons[(3, "sources")]

    client.force_login(superuser)
    page = client.get(f"/admin/events/importbatch/{batch.pk}/change/")
    assert f"/admin/events/importbatch/{batch.pk}/errors.csv" in page.content.decode()
    report = client.get(f"/admin/events/importbatch/{batch.pk}/errors.csv")
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert ["3", "actor1", "Pirates of Palmyra"] in [row[:3] for row in rows]


def test_reimporting_unchanged_rows_skips_them(client, curator, reference_data):
    client.force_login(curator)
    row = list(GOOD_ROW)
    row[0] = "SYR77"
    client.post(PROCESS_URL, preview(client, [row]).context["confirm_form"].initial)
    event = Event.objects.get(event_id="SYR77")
    version = event.version

    client.post(PROCESS_URL, preview(client, [row]).context["confirm_form"].initial)

    event.refresh_from_db()
    assert event.version == version
    assert ImportBatch.objects.filter(state="committed").latest("started_at").unchanged == 1

    row[5] = "9"
    client.post(PROCESS_URL, preview(client, [row]).context["confirm_form"].initial)
    event.refresh_from_db()
    assert (event.fatalities, event.version) == (9, version + 1)


def test_a_curator_cannot_change_a_published_event_by_import(client, curator, reference_data):
    place = PlaceFactory(name="Town", parent=CountryFactory(name="Syria", country_code="SYR"))
    EventFactory(event_id="SYR5", place=place, status=Status.PUBLISHED)
    client.force_login(curator)
    row = list(GOOD_ROW)
    row[0] = "SYR5"
    preview(client, [row])
    batch = ImportBatch.objects.get()
    assert "only reviewers can change it" in batch.errors[0]["reason"]


def test_viewers_cannot_import(client, viewer):
    client.force_login(viewer)
    assert client.get(IMPORT_URL).status_code == 403


def test_export_selected_as_acled_csv_and_excel(client, curator, reference_data):
    place = PlaceFactory(name="Town", parent=CountryFactory(name="Syria", country_code="SYR"))
    chosen = [EventFactory(event_id=f"SYR{n}", place=place) for n in (1, 2)]
    EventFactory(event_id="SYR3", place=place)
    client.force_login(curator)

    response = client.post(
        "/admin/events/event/",
        {"action": "export_selected_acled", "_selected_action": [event.pk for event in chosen]},
    )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert sorted(row["event_id_cnty"] for row in csv.DictReader(io.StringIO(text))) == ["SYR1", "SYR2"]

    response = client.post(
        "/admin/events/event/",
        {"action": "export_selected_xlsx", "_selected_action": [chosen[0].pk]},
    )
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [row[0] for row in book["Events"].iter_rows(min_row=2, values_only=True)] == ["SYR1"]


def test_the_admin_export_screen_writes_natural_keys(client, curator, reference_data):
    from events.resources import EventResource

    event = EventFactory(event_id="SYR8", place=PlaceFactory(name="Town", parent=CountryFactory()))
    dataset = EventResource().export(Event.objects.filter(pk=event.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["place"] == "Syria > Town"
    assert row["event_id"] == "SYR8"


# -- reference data: sources, actors and places by natural key -----------------------------------


def upload_csv(header: list[str], rows: list[list[str]]) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("data.csv", text.getvalue().encode(), content_type="text/csv")


def admin_import(client, url: str, header: list[str], rows: list[list[str]]):
    """Preview then confirm an import on an admin's import screen."""
    response = client.post(
        f"{url}import/", {"resource": "0", "format": "0", "import_file": upload_csv(header, rows)}
    )
    assert response.status_code == 200
    assert "confirm_form" in response.context, response.context.get("result") and [
        (row.number, row.error_dict) for row in response.context["result"].invalid_rows
    ]
    confirm = response.context["confirm_form"].initial
    assert client.post(f"{url}process_import/", confirm).status_code == 302


def test_sources_actors_and_places_import_by_natural_key_in_the_admin(client, superuser):
    from actors.models import Actor
    from events.models import Source
    from places.models import Place

    client.force_login(superuser)
    CountryFactory(name="Syria", country_code="SYR")
    SourceFactory(name="SOHR", scale="National")

    admin_import(
        client,
        "/admin/events/source/",
        ["name", "kind", "scale", "url", "country"],
        [["SOHR", "ngo", "International", "", "GBR"], ["Enab Baladi", "newspaper", "National", "", "SYR"]],
    )
    assert dict(Source.objects.values_list("name", "scale")) == {
        "SOHR": "International",
        "Enab Baladi": "National",
    }

    admin_import(
        client,
        "/admin/actors/actor/",
        ["name", "kind", "country", "parent"],
        [
            ["Military Forces of Syria (2000-2024)", "State forces", "SYR", ""],
            ["Air Force of Syria (2000-2024)", "1", "SYR", "Military Forces of Syria (2000-2024)"],
        ],
    )
    air_force = Actor.objects.get(name="Air Force of Syria (2000-2024)")
    assert (air_force.kind, air_force.parent.name) == (1, "Military Forces of Syria (2000-2024)")

    admin_import(
        client,
        "/admin/places/place/",
        ["name", "kind", "parent", "country_code", "latitude", "longitude"],
        [
            ["Homs", "admin1", "Syria", "SYR", "", ""],
            ["Palmyra", "locality", "Syria > Homs", "SYR", "34.56", "38.28"],
        ],
    )
    assert Place.objects.get(name="Palmyra").hierarchy == ["Syria", "Homs", "Palmyra"]


@pytest.mark.parametrize("url", ["/admin/events/source/", "/admin/actors/actor/", "/admin/places/place/"])
def test_reference_data_admins_offer_export_with_natural_keys(client, superuser, url):
    ActorFactory(name="Air Force of Syria (2000-2024)", parent=ActorFactory(name="Military Forces of Syria"))
    PlaceFactory(name="Palmyra", parent=CountryFactory(name="Syria", country_code="SYR"))
    SourceFactory(name="SOHR")
    client.force_login(superuser)

    form = client.get(f"{url}export/").context["form"]
    columns = {name: "on" for name in form.fields if name not in ("resource", "format", "export_items")}
    response = client.post(f"{url}export/", {"format": "0", "resource": "0", **columns})

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows
    assert "id" not in rows[0]
    if "actor" in url:
        assert {row["name"]: row["parent"] for row in rows}["Air Force of Syria (2000-2024)"] == (
            "Military Forces of Syria"
        )
    if "place" in url:
        assert {row["name"]: row["parent"] for row in rows}["Palmyra"] == "Syria"
