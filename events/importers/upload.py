"""What the admin's import screen accepts (docs/security.md): CSV, TSV and XLSX files
(settings.IMPORT_FORMATS) up to settings.IMPORT_MAX_UPLOAD_BYTES, and no workbook that unpacks to
more than settings.IMPORT_MAX_UNPACKED_BYTES (a zip bomb: kilobytes that inflate to gigabytes).

Between the preview and its confirmation the upload waits in Django's default storage
(ImportUploadStorage); the confirmation names it in a hidden field, checked on return, and uploads
never confirmed are deleted after settings.IMPORT_UPLOAD_MAX_AGE_HOURS.

Larger files go through `manage.py import_acled` / `import_ucdp`, which stream them. The screen's
imports get the bulk statement timeout (BulkImportMixin).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile

from django import forms
from django.conf import settings
from django.template.response import TemplateResponse
from django.utils import timezone
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import MediaStorage

from config.statement_timeout import bulk_statement_timeout

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")  # MediaStorage names an upload uuid4().hex
FILE_IMPORT_FOLDER = "chronicle-file-imports"  # the ACLED / UCDP file import's (events/importers/files.py)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def nul_line(upload) -> int | None:
    """The line of the first NUL byte in a text upload (None if there is none).

    PostgreSQL text cannot hold NUL; in a CSV it means a binary file, or UTF-16 from Excel.
    """
    upload.seek(0)
    line, found = 1, None
    for chunk in upload.chunks():
        position = chunk.find(b"\x00")
        if position >= 0:
            found = line + chunk.count(b"\n", 0, position)
            break
        line += chunk.count(b"\n")
    upload.seek(0)
    return found


def unpacked_size(upload) -> int | None:
    """The total size a zip (an XLSX workbook) declares for its members; None for other files.

    Python's zipfile never inflates a member past its declared size, so this bounds what openpyxl
    can be made to read.
    """
    upload.seek(0)
    magic = upload.read(4)
    upload.seek(0)
    if magic != ZIP_MAGIC:
        return None
    try:
        with zipfile.ZipFile(upload) as archive:
            return sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise forms.ValidationError(
            f"The file looks like a workbook but is not a valid zip ({exc})."
        ) from None
    finally:
        upload.seek(0)


class LimitedImportForm(ImportForm):
    """django-import-export's import form, refusing oversized files before anything reads them."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {_megabytes(upload.size)}; the import screen takes at most "
                f"{_megabytes(limit)}. Import larger files with `manage.py import_acled`.",
                code="too_large",
            )
        unpacked, unpacked_limit = unpacked_size(upload), settings.IMPORT_MAX_UNPACKED_BYTES
        if unpacked is not None and unpacked > unpacked_limit:
            raise forms.ValidationError(
                f"The workbook unpacks to {_megabytes(unpacked)}, more than the {_megabytes(unpacked_limit)} "
                "the import screen reads; save it as CSV, or import it with `manage.py import_acled`.",
                code="too_large_unpacked",
            )
        if unpacked is None and (line := nul_line(upload)) is not None:
            raise forms.ValidationError(
                f"Line {line} holds a NUL byte: this is not a UTF-8 text file (a binary file, or UTF-16 "
                "text?). Save it as CSV UTF-8.",
                code="nul",
            )
        return upload


class BulkImportMixin:
    """For a ModelAdmin with django-import-export's ImportMixin: the preview and the confirmed
    import read and write under the bulk statement timeout, not a web page's
    (config/statement_timeout.py), in one transaction as the import itself would be."""

    def import_action(self, request, **kwargs):
        with bulk_statement_timeout():
            return super().import_action(request, **kwargs)

    def process_import(self, request, **kwargs):
        with bulk_statement_timeout():
            return super().process_import(request, **kwargs)


class ImportUploadStorage(MediaStorage):
    """settings.IMPORT_EXPORT_TMP_STORAGE_CLASS: a previewed upload in Django's default storage (every
    web node sees it), under django-import-export's folder; saving one first deletes the stale ones."""

    def save(self, data) -> None:
        remove_stale_uploads()
        super().save(data)

    def exists(self) -> bool:
        return bool(self.name) and self._storage.exists(self.get_full_path())


def remove_stale_uploads(*, max_age: dt.timedelta | None = None) -> list[str]:
    """Delete previewed uploads older than max_age (settings.IMPORT_UPLOAD_MAX_AGE_HOURS), the import
    screen's and the ACLED / UCDP file import's (events/importers/files.py); their names."""
    if max_age is None:
        max_age = dt.timedelta(hours=settings.IMPORT_UPLOAD_MAX_AGE_HOURS)
    screen = ImportUploadStorage()
    storage = screen._storage
    cutoff, removed = timezone.now() - max_age, []
    for folder in (screen.MEDIA_FOLDER, FILE_IMPORT_FOLDER):
        try:
            _, names = storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{folder}/{name}"
            try:
                if storage.get_modified_time(path) < cutoff:
                    storage.delete(path)
                    removed.append(name)
            except FileNotFoundError:
                continue  # confirmed (and deleted) by another request meanwhile
    if removed:
        logger.info("Deleted %d import uploads never confirmed: %s", len(removed), ", ".join(removed))
    return removed


class ConfirmUploadForm(ConfirmImportForm):
    """The confirmation step's hidden fields, which come back from the browser: checked, never trusted."""

    def clean(self):
        data = super().clean()
        file_format, resource = data.get("format", ""), data.get("resource") or "0"
        # Each import screen has one resource; the format is an index into settings.IMPORT_FORMATS.
        if not re.fullmatch(r"[0-9]{1,3}", file_format) or int(file_format) >= len(settings.IMPORT_FORMATS):
            raise forms.ValidationError(
                "This confirmation names no known file format: upload the file again."
            )
        if resource != "0":
            raise forms.ValidationError("This confirmation names no known resource: upload the file again.")
        name = data.get("import_file_name", "")
        if not (UPLOAD_NAME.fullmatch(name) and ImportUploadStorage(name=name).exists()):
            raise forms.ValidationError(
                "The previewed file is no longer on the server (already imported, or left unconfirmed "
                f"for over {settings.IMPORT_UPLOAD_MAX_AGE_HOURS} hours): upload the file again."
            )
        return data


class ImportScreenMixin(BulkImportMixin, ImportExportMixin):
    """django-import-export's import and export screens with the limits above, under the bulk
    statement timeout."""

    import_form_class = LimitedImportForm  # size limits, no zip bombs
    confirm_form_class = ConfirmUploadForm

    def process_import(self, request, **kwargs):
        response = super().process_import(request, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data["confirm_form"].errors:
            response.status_code = 400  # the page says why; the preview must be uploaded again
        return response
