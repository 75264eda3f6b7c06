"""The admin's export screens (django-import-export) escape formulas exactly like every other export,
and its import screens undo the escape as the ACLED importer does.

Each file is read back with the reader a spreadsheet user's tools would use: csv for CSV and TSV,
openpyxl for XLSX.
"""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from actors.models import Actor
from events.models import Source
from tests.factories import ActorFactory, CountryFactory, EventFactory, PlaceFactory, SourceFactory

pytestmark = pytest.mark.django_db

# What a hostile curator types, and what the file must hold.
HOSTILE = {
    "+SUM(1,2)": "'+SUM(1,2)",
    "@SUM(A1:A9)": "'@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://x")': '\'=HYPERLINK("http://x")',
}
FORMATS = ["csv", "tsv", "xlsx"]


def export(client, url: str, file_format: str) -> list[dict]:
    """Every column of the admin's export screen at `url`, in `file_format`, as dicts of cells."""
    form = client.get(f"{url}export/").context["form"]
    choices = {label.lower(): value for value, label in form.fields["format"].choices if value != ""}
    columns = {name: "on" for name in form.fields if name not in ("resource", "format", "export_items")}
    response = client.post(f"{url}export/", {"format": choices[file_format], "resource": "0", **columns})
    assert response.status_code == 200, response.content[:500]
    if file_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter="\t" if file_format == "tsv" else ","))


def test_the_admin_offers_the_spreadsheet_formats_only(client, viewer):
    client.force_login(viewer)
    form = client.get("/admin/events/event/export/").context["form"]
    assert sorted(label for value, label in form.fields["format"].choices if value != "") == [
        "csv",
        "tsv",
        "xlsx",
    ]


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_viewers_event_export_escapes_text_cells_and_keeps_numbers(client, viewer, file_format):
    country = CountryFactory(name="Australia", country_code="AUS")
    for n, note in enumerate(HOSTILE):
        EventFactory(event_id=f"AUS{n + 1}", place=PlaceFactory(name=f"Town {n}", parent=country),
                     notes=note, fatalities=n + 3, tags="=1+1")  # fmt: skip
    client.force_login(viewer)

    rows = {row["event_id"]: row for row in export(client, "/admin/events/event/", file_format)}

    for n, (note, escaped) in enumerate(HOSTILE.items()):
        row = rows[f"AUS{n + 1}"]
        assert row["notes"] == escaped, note
        assert row["tags"] == "'=1+1"  # a leading = is escaped, never stripped
        assert row["fatalities"] in (n + 3, str(n + 3))


@pytest.mark.parametrize("file_format", FORMATS)
def test_actor_and_source_exports_escape_names(client, curator, file_format):
    parent = ActorFactory(name="=Parent force")
    for name in HOSTILE:
        ActorFactory(name=name, parent=parent)
        SourceFactory(name=name, url="")
    client.force_login(curator)

    actors = {row["name"]: row for row in export(client, "/admin/actors/actor/", file_format)}
    sources = {row["name"] for row in export(client, "/admin/events/source/", file_format)}

    assert set(HOSTILE.values()) <= set(actors)
    assert {actors[escaped]["parent"] for escaped in HOSTILE.values()} == {"'=Parent force"}
    assert set(HOSTILE.values()) <= sources


@pytest.mark.parametrize("file_format", FORMATS)
def test_negative_coordinates_are_numbers_not_escaped_text(client, superuser, file_format):
    PlaceFactory(name="-Sydney", latitude=-33.5, longitude=-151.25, parent=CountryFactory(name="Australia"))
    client.force_login(superuser)

    row = {row["name"]: row for row in export(client, "/admin/places/place/", file_format)}["'-Sydney"]

    if file_format == "xlsx":
        assert (row["latitude"], row["longitude"]) == (-33.5, -151.25)
    else:
        assert (row["latitude"], row["longitude"]) == ("-33.5", "-151.25")


def admin_import(client, url: str, upload: SimpleUploadedFile) -> None:
    form = client.get(f"{url}import/").context["form"]
    choices = {label.lower(): value for value, label in form.fields["format"].choices if value != ""}
    file_format = upload.name.rsplit(".", 1)[1]
    response = client.post(
        f"{url}import/", {"resource": "0", "format": choices[file_format], "import_file": upload}
    )
    assert "confirm_form" in response.context, response.content[:2000]
    assert client.post(f"{url}process_import/", response.context["confirm_form"].initial).status_code == 302


@pytest.mark.parametrize("file_format", FORMATS)
def test_an_exported_file_imports_back_to_the_same_names(client, superuser, file_format):
    for name in HOSTILE:
        SourceFactory(name=name, url="")
    client.force_login(superuser)
    form = client.get("/admin/events/source/export/").context["form"]
    choices = {label.lower(): value for value, label in form.fields["format"].choices if value != ""}
    columns = {name: "on" for name in form.fields if name not in ("resource", "format", "export_items")}
    exported = client.post(
        "/admin/events/source/export/", {"format": choices[file_format], "resource": "0", **columns}
    ).content
    Source.objects.all().delete()

    admin_import(client, "/admin/events/source/", SimpleUploadedFile(f"sources.{file_format}", exported))

    assert set(Source.objects.values_list("name", flat=True)) == set(HOSTILE)


def test_an_escaped_actor_name_in_a_csv_is_stored_without_the_apostrophe(client, curator):
    client.force_login(curator)
    text = "name,kind,country\n'+Forces of the plus sign,State forces,SYR\n"
    admin_import(client, "/admin/actors/actor/", SimpleUploadedFile("actors.csv", text.encode()))
    assert Actor.objects.get().name == "+Forces of the plus sign"
