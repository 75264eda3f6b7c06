"""ACLED and UCDP files imported by a person from the admin, through the importers the commands use.

An upload is kept in Django's default storage (every web node sees it) under UPLOAD_FOLDER and
named by a random hex id; the preview is a dry run of the file (`file_preview`), and its
confirmation carries a signed token (`sign_upload`) naming the stored file, its SHA-256, its
format and the person who previewed it. `file_import` checks the token and imports exactly that
file. Uploads never confirmed are deleted after settings.IMPORT_UPLOAD_MAX_AGE_HOURS, with the
import screen's (events.importers.upload.remove_stale_uploads).
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage

from config.statement_timeout import bulk_statement_timeout
from events import rules
from events.importers.acled import import_acled_file
from events.importers.common import HeaderError, ImportOutcome, read_csv
from events.importers.ucdp import UCDP_REQUIRED_COLUMNS, import_ucdp_file
from events.importers.upload import FILE_IMPORT_FOLDER as UPLOAD_FOLDER
from events.importers.upload import remove_stale_uploads

UPLOAD_NAME = re.compile(r"[0-9a-f]{32}")
TOKEN_SALT = "events.importers.files"


@dataclass(frozen=True)
class FileFormat:
    label: str
    importer: Callable[..., ImportOutcome]
    command: str  # the management command for files too large for the admin


FORMATS: dict[str, FileFormat] = {
    "acled": FileFormat("ACLED CSV", import_acled_file, "import_acled"),
    "ucdp": FileFormat("UCDP GED CSV", import_ucdp_file, "import_ucdp"),
}


class UploadError(Exception):
    """The upload or its confirmation cannot be used; the message says why (shown as is)."""


def too_large_message(size: int, format_key: str | None) -> str | None:
    """The message for a file over settings.IMPORT_MAX_UPLOAD_BYTES (None if it is within)."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size <= limit:
        return None
    command = FORMATS[format_key].command if format_key in FORMATS else "import_acled"
    alternative = "" if format_key in FORMATS else " (`manage.py import_ucdp PATH` for a UCDP file)"
    return (
        f"The file is {size / 1_000_000:,.1f} MB; the admin imports files of at most "
        f"{limit / 1_000_000:,.1f} MB. Import it on the server with `manage.py {command} PATH`"
        f"{alternative}, which streams files of any size."
    )


def detect_format(columns: list[str]) -> str | None:
    """ "acled" or "ucdp" from a file's (lower-cased) header; None if it is neither."""
    names = set(columns)
    if "event_id_cnty" in names:
        return "acled"
    if set(UCDP_REQUIRED_COLUMNS) <= names:
        return "ucdp"
    return None


def store_upload(upload) -> tuple[str, str]:
    """Keep an uploaded file for its preview and confirmation: (stored name, SHA-256)."""
    remove_stale_uploads()
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = uuid.uuid4().hex
    default_storage.save(f"{UPLOAD_FOLDER}/{name}", upload)
    return name, digest.hexdigest()


def discard_upload(name: str) -> None:
    default_storage.delete(f"{UPLOAD_FOLDER}/{name}")


def sign_upload(*, name: str, sha256: str, format_key: str, file_name: str, by) -> str:
    """The confirmation token of a previewed upload (tamper-proof, tied to the person)."""
    payload = {"name": name, "sha256": sha256, "format": format_key, "file_name": file_name, "by": by.pk}
    return signing.dumps(payload, salt=TOKEN_SALT)


def read_token(token: str, *, by) -> dict:
    """The upload a confirmation names, checked: signed here, by this person, not expired, the
    file still stored and unchanged. UploadError says what is wrong."""
    max_age = settings.IMPORT_UPLOAD_MAX_AGE_HOURS * 3600
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise UploadError(
            f"This preview is more than {settings.IMPORT_UPLOAD_MAX_AGE_HOURS:g} hours old: "
            "upload the file again."
        ) from None
    except signing.BadSignature:
        raise UploadError("This confirmation was not issued by this site: upload the file again.") from None
    if not isinstance(payload, dict) or payload.get("by") != by.pk:
        raise UploadError("This confirmation belongs to another preview: upload the file again.")
    name, format_key = str(payload.get("name", "")), payload.get("format")
    if not UPLOAD_NAME.fullmatch(name) or format_key not in FORMATS:
        raise UploadError("This confirmation names no previewed file: upload the file again.")
    stored = f"{UPLOAD_FOLDER}/{name}"
    if not default_storage.exists(stored):
        raise UploadError(
            "The previewed file is no longer on the server (already imported, or left unconfirmed "
            f"for over {settings.IMPORT_UPLOAD_MAX_AGE_HOURS:g} hours): upload the file again."
        )
    digest = hashlib.sha256()
    with default_storage.open(stored, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != payload.get("sha256"):
        raise UploadError("The stored file is not the one previewed: upload the file again.")
    return payload


def _local_copy(name: str) -> Path:
    """The stored upload as a local file for the importer (storage may be remote); caller deletes."""
    with (
        default_storage.open(f"{UPLOAD_FOLDER}/{name}", "rb") as source,
        tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as target,
    ):
        while block := source.read(1 << 20):
            target.write(block)
    return Path(target.name)


def _run(*, name: str, format_key: str, file_name: str, by, dry_run: bool) -> ImportOutcome:
    denied = rules.import_refusal(by)
    if denied:
        raise PermissionDenied(denied)
    path = _local_copy(name)
    try:
        with bulk_statement_timeout():
            return FORMATS[format_key].importer(
                path, user=by, dry_run=dry_run, progress=False, file_name=file_name, as_person=True
            )
    finally:
        path.unlink(missing_ok=True)


def file_format_of(name: str, chosen: str | None) -> str:
    """The stored upload's format: `chosen`, or detected from its header. UploadError if the file
    cannot be read (empty, not UTF-8, not CSV) or its header is neither ACLED's nor UCDP's."""
    path = _local_copy(name)
    try:
        columns, records = read_csv(path)
        next(records, None)  # started, so that closing it closes the file
        records.close()
    except HeaderError as exc:
        raise UploadError(f"{exc} Nothing was imported.") from None
    finally:
        path.unlink(missing_ok=True)
    if chosen in FORMATS:
        return chosen
    detected = detect_format(columns)
    if detected is None:
        shown = ", ".join(columns[:8]) + (", …" if len(columns) > 8 else "")
        raise UploadError(
            "The header is neither an ACLED file's (no event_id_cnty column) nor a UCDP GED file's "
            f"(columns {', '.join(UCDP_REQUIRED_COLUMNS)}); it reads: {shown or '(nothing)'}. "
            "Choose the format, or check that this is the right file."
        )
    return detected


def file_preview(*, name: str, format_key: str, file_name: str, by) -> ImportOutcome:
    """A dry run of the stored upload by the importer the commands use: every row checked and
    compared with what is stored, then rolled back (only its ImportBatch, state dry run, stays)."""
    try:
        return _run(name=name, format_key=format_key, file_name=file_name, by=by, dry_run=True)
    except HeaderError as exc:
        raise UploadError(f"{exc} Nothing was imported.") from None


def file_import(*, token: str, by) -> ImportOutcome:
    """Import the upload a preview's token names, as `by`; the stored upload is then deleted."""
    denied = rules.import_refusal(by)
    if denied:
        raise PermissionDenied(denied)
    payload = read_token(token, by=by)
    try:
        outcome = _run(
            name=payload["name"],
            format_key=payload["format"],
            file_name=payload["file_name"],
            by=by,
            dry_run=False,
        )
    except HeaderError as exc:
        raise UploadError(f"{exc} Nothing was imported.") from None
    discard_upload(payload["name"])
    return outcome
