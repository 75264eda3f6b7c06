"""What the admin's import screen accepts (docs/security.md): CSV, TSV and XLSX files
(settings.IMPORT_FORMATS) up to settings.IMPORT_MAX_UPLOAD_BYTES, and no workbook that unpacks to
more than settings.IMPORT_MAX_UNPACKED_BYTES (a zip bomb: kilobytes that inflate to gigabytes).

Larger files go through `manage.py import_acled` / `import_ucdp`, which stream them. The screen's
imports get the bulk statement timeout (BulkImportMixin).
"""

from __future__ import annotations

import zipfile

from django import forms
from django.conf import settings
from import_export.forms import ImportForm

from config.statement_timeout import bulk_statement_timeout

ZIP_MAGIC = b"PK\x03\x04"


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
