"""The admin's import screens in production: no tracebacks, no 500 on a forged confirmation, and no
upload left on the server by a preview nobody confirmed."""

import datetime as dt
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from events.models import Source

pytestmark = pytest.mark.django_db

SOURCES = "/admin/events/source/"
UPLOADS = "django-import-export"  # django-import-export's folder in the default storage


def preview(client, text: str, name: str = "sources.csv"):
    upload = SimpleUploadedFile(name, text.encode())
    return client.post(f"{SOURCES}import/", {"resource": "0", "format": "0", "import_file": upload})


def waiting_uploads() -> list[str]:
    try:
        return default_storage.listdir(UPLOADS)[1]
    except FileNotFoundError:
        return []


def test_with_debug_off_an_import_error_shows_its_message_and_no_traceback(client, curator, settings):
    settings.DEBUG = False
    client.force_login(curator)

    response = preview(client, "title,kind\nSOHR,ngo\n")  # no `name`, the natural key

    page = response.content.decode()
    assert response.status_code == 200
    assert "not present in the file headers" in page
    assert "Traceback" not in page
    assert "site-packages" not in page and ".py" not in page


def test_a_preview_waits_in_storage_and_its_confirmation_imports_it(client, curator):
    client.force_login(curator)
    confirm = preview(client, "name,kind\nSOHR,ngo\n").context["confirm_form"].initial
    assert waiting_uploads() == [confirm["import_file_name"]]

    assert client.post(f"{SOURCES}process_import/", confirm).status_code == 302
    assert Source.objects.get().name == "SOHR"
    assert waiting_uploads() == []


@pytest.mark.parametrize(
    ("field", "forged"),
    [
        ("import_file_name", "../../../../etc/passwd"),
        ("import_file_name", "0123456789abcdef0123456789abcdef"),  # looks like one, is not there
        ("import_file_name", "settings.py"),
        ("format", "9"),
        ("format", "csv"),
        ("resource", "7"),
    ],
)
def test_a_forged_confirmation_is_refused_with_a_message(client, curator, field, forged):
    client.force_login(curator)
    confirm = preview(client, "name,kind\nSOHR,ngo\n").context["confirm_form"].initial

    response = client.post(f"{SOURCES}process_import/", {**confirm, field: forged})

    assert response.status_code == 400
    assert "upload the file again" in response.content.decode()
    assert not Source.objects.exists()


def test_a_confirmation_sent_twice_imports_once_and_then_explains(client, curator):
    client.force_login(curator)
    confirm = preview(client, "name,kind\nSOHR,ngo\n").context["confirm_form"].initial
    assert client.post(f"{SOURCES}process_import/", confirm).status_code == 302

    again = client.post(f"{SOURCES}process_import/", confirm)

    assert again.status_code == 400
    assert "no longer on the server" in again.content.decode()
    assert Source.objects.count() == 1


def age(name: str, hours: float) -> None:
    path = default_storage.path(f"{UPLOADS}/{name}")
    then = (dt.datetime.now() - dt.timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_previews_never_confirmed_are_deleted_once_older_than_the_limit(client, curator, settings):
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 24
    client.force_login(curator)
    stale = preview(client, "name\nOld\n").context["confirm_form"].initial["import_file_name"]
    recent = preview(client, "name\nRecent\n").context["confirm_form"].initial["import_file_name"]
    age(stale, hours=25)
    age(recent, hours=23)

    call_command("clear_import_uploads")

    assert waiting_uploads() == [recent]


def test_each_new_preview_sweeps_the_stale_ones(client, curator, settings):
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 24
    client.force_login(curator)
    stale = preview(client, "name\nOld\n").context["confirm_form"].initial["import_file_name"]
    age(stale, hours=48)

    fresh = preview(client, "name\nNew\n").context["confirm_form"].initial["import_file_name"]

    assert waiting_uploads() == [fresh]
    response = client.post(
        f"{SOURCES}process_import/",
        {"import_file_name": stale, "original_file_name": "s.csv", "format": "0", "resource": "0"},
    )
    assert response.status_code == 400
    assert "no longer on the server" in response.content.decode()
