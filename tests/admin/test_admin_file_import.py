"""The admin's "Import ACLED / UCDP file": upload, a dry-run preview through the importers the
commands use, a signed confirmation that imports exactly the previewed file, the result."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from core.vocab import Status
from events import rules
from events.importers.acled import import_acled_file
from events.importers.upload import FILE_IMPORT_FOLDER
from events.models import Event, ImportBatch
from tests.acled_files import ACLED_COLUMNS, GED_COLUMNS, current_row, ged_row, write_csv

pytestmark = pytest.mark.django_db

URL = "/admin/events/event/import-file/"
MULTILINE = 'Regime forces shelled "IS positions".\nIS fighters retreated east.\nThree died.'


def acled_bytes(tmp_path, rows: list[dict], name: str = "acled.csv") -> bytes:
    return write_csv(tmp_path / name, ACLED_COLUMNS, rows).read_bytes()


def three_rows_one_bad() -> list[dict]:
    """Line 2–4: a record whose notes span three lines; line 5: a good one; line 6: a bad date."""
    return [
        current_row(event_id_cnty="SYR1001", notes=MULTILINE),
        current_row(event_id_cnty="SYR1002", event_date="2015-11-11", location="Tadmor"),
        current_row(event_id_cnty="SYR1003", event_date="31 February 2015"),
    ]


def imported_before(tmp_path, event_id: str) -> None:
    """The event as an earlier import by the command left it (published)."""
    import_acled_file(
        write_csv(tmp_path / "before.csv", ACLED_COLUMNS, [current_row(event_id_cnty=event_id)])
    )


def preview(client, content: bytes, name: str = "acled.csv", file_format: str = ""):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(URL, {"import_file": upload, "file_format": file_format})


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def waiting_uploads() -> list[str]:
    try:
        return default_storage.listdir(FILE_IMPORT_FOLDER)[1]
    except FileNotFoundError:
        return []


def test_the_changelist_links_the_screen_and_the_screen_names_the_commands(client, curator):
    client.force_login(curator)
    assert URL in client.get("/admin/events/event/").content.decode()
    page = text(client.get(URL))
    assert "manage.py import_acled PATH" in page
    assert "your import creates drafts" in page


def test_the_preview_is_a_dry_run_counting_each_kind_and_naming_every_bad_row_by_its_line(
    client, reviewer, tmp_path
):
    client.force_login(reviewer)
    import_acled_file(
        write_csv(tmp_path / "before.csv", ACLED_COLUMNS, [current_row(event_id_cnty="SYR1002")])
    )
    response = preview(client, acled_bytes(tmp_path, three_rows_one_bad()))

    assert response.status_code == 200
    batch = response.context["batch"]
    assert (batch.state, batch.rows, batch.created, batch.updated, batch.unchanged, batch.skipped) == (
        ImportBatch.State.DRY_RUN,
        3,
        1,
        1,
        0,
        1,
    )
    # Rows numbered as the file's lines: the quoted notes of line 2 run to line 4.
    assert [(error["row"], error["column"]) for error in batch.errors] == [(6, "event_date")]
    assert {label: [line for line, *_ in rows] for label, rows in response.context["samples"]} == {
        "New": [2],
        "Changed": [5],
        "Unchanged": [],
    }
    page = text(response)
    assert "6 event_date '31 February 2015'" in page or "6 event_date 31 February 2015" in page
    assert "nothing has been written yet" in page
    assert set(Event.objects.values_list("event_id", flat=True)) == {"SYR1002"}  # rolled back
    assert len(waiting_uploads()) == 1


def test_every_error_comes_in_one_pass(client, reviewer, tmp_path):
    client.force_login(reviewer)
    rows = [
        current_row(event_id_cnty="SYR1", fatalities="many"),
        current_row(event_id_cnty="SYR2", latitude="95"),
        current_row(event_id_cnty="SYR3", event_type="Picnic"),
        current_row(event_id_cnty="SYR3"),
    ]
    response = preview(client, acled_bytes(tmp_path, rows))
    assert sorted({error["row"] for error in response.context["batch"].errors}) == [2, 3, 4, 5]


def test_confirming_imports_exactly_the_previewed_file_and_links_its_batch(client, reviewer, tmp_path):
    client.force_login(reviewer)
    token = preview(client, acled_bytes(tmp_path, three_rows_one_bad())).context["token"]

    response = client.post(URL, {"token": token})

    assert response.status_code == 200
    batch = ImportBatch.objects.get(state=ImportBatch.State.COMMITTED)
    assert (batch.created, batch.skipped, batch.created_by) == (2, 1, reviewer)
    assert f"/admin/events/importbatch/{batch.pk}/change/" in response.content.decode()
    assert dict(Event.objects.values_list("event_id", "status")) == {
        "SYR1001": Status.PUBLISHED,
        "SYR1002": Status.PUBLISHED,
    }
    assert Event.objects.get(event_id="SYR1001").notes == MULTILINE
    assert waiting_uploads() == []
    # The same confirmation again: the file is gone, nothing is imported twice.
    again = client.post(URL, {"token": token})
    assert again.status_code == 400
    assert "no longer on the server" in text(again)


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: "not-a-token",
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "",
    ],
    ids=["garbage", "tampered", "empty"],
)
def test_a_forged_confirmation_is_a_400_and_writes_nothing(client, reviewer, tmp_path, settings, forge):
    settings.DEBUG = False
    client.force_login(reviewer)
    token = preview(client, acled_bytes(tmp_path, [current_row()])).context["token"]

    response = client.post(URL, {"token": forge(token)})

    assert response.status_code == 400
    assert "not issued by this site" in text(response)
    assert not Event.objects.exists()


def test_a_stale_or_anothers_confirmation_is_a_400(client, curator, reviewer, tmp_path, settings):
    client.force_login(reviewer)
    token = preview(client, acled_bytes(tmp_path, [current_row()])).context["token"]

    client.force_login(curator)
    assert client.post(URL, {"token": token}).status_code == 400

    client.force_login(reviewer)
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = -1  # every token is older than that
    response = client.post(URL, {"token": token})
    assert response.status_code == 400
    assert "upload the file again" in text(response)
    assert not Event.objects.exists()


def test_a_curators_import_makes_drafts_and_refuses_rows_that_change_published_events(
    client, curator, tmp_path
):
    import_acled_file(
        write_csv(tmp_path / "before.csv", ACLED_COLUMNS, [current_row(event_id_cnty="SYR1001")])
    )
    assert Event.objects.get().status == Status.PUBLISHED
    client.force_login(curator)
    rows = [
        current_row(event_id_cnty="SYR1001", fatalities="40"),  # changes a published event
        current_row(event_id_cnty="SYR1005", event_date="2015-11-12"),
    ]
    token = preview(client, acled_bytes(tmp_path, rows)).context["token"]
    response = client.post(URL, {"token": token})

    batch = response.context["batch"]
    assert (batch.created, batch.updated, batch.skipped) == (1, 0, 1)
    [error] = batch.errors
    assert (error["row"], error["value"]) == (2, "SYR1001")
    assert "SYR1001 is published: only reviewers can change it" in error["reason"]
    assert Event.objects.get(event_id="SYR1001").fatalities == 4
    assert Event.objects.get(event_id="SYR1005").status == Status.DRAFT


def test_a_reviewers_import_changes_published_events_as_the_command_does(client, reviewer, tmp_path):
    import_acled_file(
        write_csv(tmp_path / "before.csv", ACLED_COLUMNS, [current_row(event_id_cnty="SYR1001")])
    )
    client.force_login(reviewer)
    token = preview(client, acled_bytes(tmp_path, [current_row(fatalities="40")])).context["token"]
    client.post(URL, {"token": token})
    assert Event.objects.get(event_id="SYR1001").fatalities == 40


@pytest.mark.parametrize("role", ["viewer", None])
def test_those_who_may_not_add_events_may_not_import(client, request, tmp_path, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    get = client.get(URL)
    post = preview(client, acled_bytes(tmp_path, [current_row()]))
    assert get.status_code in (302, 403) and post.status_code in (302, 403)
    if role:
        assert get.status_code == 403 and post.status_code == 403
    assert not ImportBatch.objects.exists() and waiting_uploads() == []


def test_a_file_over_the_limit_is_refused_naming_the_command(client, curator, tmp_path, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 200
    client.force_login(curator)
    response = preview(client, acled_bytes(tmp_path, [current_row(), current_row(event_id_cnty="SYR2")]))
    assert response.status_code == 400
    assert "manage.py import_acled PATH" in text(response)
    assert waiting_uploads() == [] and not ImportBatch.objects.exists()


def test_a_ucdp_file_is_detected_previewed_and_imported(client, reviewer, tmp_path):
    client.force_login(reviewer)
    content = write_csv(
        tmp_path / "ged.csv", GED_COLUMNS, [ged_row(), ged_row(id="139451", best="x")]
    ).read_bytes()

    response = preview(client, content, "ged.csv")

    assert response.context["format_label"] == "UCDP GED CSV"
    batch = response.context["batch"]
    assert (batch.format, batch.created, batch.skipped) == (ImportBatch.Format.UCDP, 1, 1)
    assert batch.errors[0]["row"] == 3
    client.post(URL, {"token": response.context["token"]})
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        (b"", "", "file is empty"),
        ("event_id_cnty,event_date\nSYR1,2015-01-01\n".encode("utf-16"), "", "NUL byte"),
        ("event_id_cnty,notes\nSYR1,caf\xe9\n".encode("latin-1"), "", "not UTF-8"),
        (b"name,kind\nSOHR,ngo\n", "", "neither an ACLED file"),
        (b"name,kind\nSOHR,ngo\n", "acled", "Not an ACLED file: required columns"),
        (b"event_id_cnty,event_date\nSYR1,2015-01-01\n", "ucdp", "Not a UCDP GED file"),
    ],
    ids=["empty", "utf-16", "latin-1", "unknown-columns", "not-acled", "not-ucdp"],
)
def test_an_unreadable_file_gets_a_message_naming_the_problem(
    client, curator, settings, content, file_format, message
):
    settings.DEBUG = False
    client.force_login(curator)
    response = preview(client, content, file_format=file_format)
    page = text(response)
    assert response.status_code == 400
    assert message in page
    assert "Traceback" not in page
    assert not Event.objects.exists() and waiting_uploads() == []


def test_unconfirmed_uploads_expire_with_the_import_screens(client, curator, tmp_path):
    client.force_login(curator)
    preview(client, acled_bytes(tmp_path, [current_row()]))
    [name] = waiting_uploads()
    old = (dt.datetime.now() - dt.timedelta(hours=48)).timestamp()
    os.utime(default_storage.path(f"{FILE_IMPORT_FOLDER}/{name}"), (old, old))

    call_command("clear_import_uploads", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert waiting_uploads() == []


def test_the_event_import_screen_sends_an_acled_file_to_this_screen(client, curator, tmp_path, settings):
    settings.DEBUG = False
    client.force_login(curator)
    upload = SimpleUploadedFile("acled.csv", acled_bytes(tmp_path, [current_row()]), content_type="text/csv")

    response = client.post(
        "/admin/events/event/import/", {"resource": "0", "format": "0", "import_file": upload}
    )

    page = text(response)
    assert "This is an ACLED CSV file" in page
    assert URL in response.content.decode()
    assert "Traceback" not in page and "import_id_fields" not in page
    assert "imports Chronicle's own event export" in text(client.get("/admin/events/event/import/"))


@pytest.mark.parametrize(
    ("role", "may_import", "publishes", "may_change_published"),
    [
        ("viewer", False, False, False),
        ("curator", True, False, False),
        ("reviewer", True, True, True),
        ("superuser", True, True, True),
    ],
)
def test_the_rules_answer_who_imports_what(request, role, may_import, publishes, may_change_published):
    user = request.getfixturevalue(role)
    assert (rules.import_refusal(user) is None) is may_import
    assert rules.import_publishes(user) is publishes
    published = rules.import_change_refusal(user, event_id="SYR1", status=Status.PUBLISHED)
    assert (published is None) is may_change_published
    if may_import:
        assert rules.import_change_refusal(user, event_id="SYR1", status=Status.DRAFT) is None
