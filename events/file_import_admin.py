"""The admin's "Import ACLED / UCDP file" screen: upload → preview (a dry run) → confirm → result.

The work is done by events/importers/files.py, through the importers the commands use; this
module turns the form and the token into its calls and its outcome into pages. EventAdmin mounts
it (file_import_urls) and links it from the changelist, next to django-import-export's Import,
which reads Chronicle's own export format only (EventImportForm says so to an ACLED or UCDP file).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from events import rules
from events.importers.admin import ERRORS_CSV_URL
from events.importers.common import ImportOutcome
from events.importers.files import (
    FORMATS,
    UploadError,
    detect_format,
    discard_upload,
    file_format_of,
    file_import,
    file_preview,
    sign_upload,
    store_upload,
    too_large_message,
)
from events.importers.upload import LimitedImportForm, nul_line
from events.models import Event

TEMPLATE = "admin/events/event/file_import.html"
URL_NAME = "admin:events_event_import_file"
ERRORS_SHOWN = 1000  # on the preview; the batch's error CSV lists them all


class FileImportForm(forms.Form):
    import_file = forms.FileField(label="File", help_text="A CSV file as ACLED or UCDP GED publish it.")
    file_format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Detect from the header"), *((key, f.label) for key, f in FORMATS.items())],
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        too_large = too_large_message(upload.size, self.data.get("file_format") or None)
        if too_large:
            raise forms.ValidationError(too_large, code="too_large")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty: no header row.", code="empty")
        if (line := nul_line(upload)) is not None:
            raise forms.ValidationError(
                f"Line {line} holds a NUL byte: this is not a UTF-8 text file (a binary file, a "
                "workbook, or UTF-16 text?). Save it as CSV UTF-8.",
                code="nul",
            )
        return upload


class EventImportForm(LimitedImportForm):
    """django-import-export's event import form: that screen reads Chronicle's own event export
    (EventResource's columns); an ACLED or UCDP file is sent to the file import instead."""

    def clean_import_file(self):
        upload = super().clean_import_file()
        upload.seek(0)
        first = upload.readline(64 * 1024)
        upload.seek(0)
        try:
            header = first.decode("utf-8-sig")
        except UnicodeDecodeError:
            return upload  # not text (a workbook): the screen's own reader decides
        columns = [name.strip().strip('"').lower() for name in header.strip().split(",")]
        found = detect_format(columns)
        if found:
            raise forms.ValidationError(
                f"This is an {FORMATS[found].label} file. This screen imports Chronicle's own event export "
                f"only; import {FORMATS[found].label} files with “Import ACLED / UCDP file” "
                f"({reverse(URL_NAME)}).",
                code="acled_or_ucdp",
            )
        return upload


def _context(model_admin, request: HttpRequest, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": "Import ACLED / UCDP file",
        "subtitle": None,
        "opts": Event._meta,
        "publishes": rules.import_publishes(request.user),
        "max_megabytes": f"{settings.IMPORT_MAX_UPLOAD_BYTES / 1_000_000:,.1f}",
        **extra,
    }


def _samples(outcome: ImportOutcome) -> list[tuple[str, list[tuple[int, str, int | None]]]]:
    """The first rows of each kind, each with the stored event's pk when there is one (one query)."""
    ids = {event_id for rows in outcome.samples.values() for _, event_id in rows}
    pks = dict(Event.objects.filter(event_id__in=ids).values_list("event_id", "pk")) if ids else {}
    labels = {"new": "New", "changed": "Changed", "unchanged": "Unchanged"}
    return [
        (
            labels[kind],
            [(line, event_id, pks.get(event_id)) for line, event_id in outcome.samples.get(kind, [])],
        )
        for kind in labels
    ]


def _outcome_context(outcome: ImportOutcome) -> dict:
    batch = outcome.batch
    errors = batch.errors or []
    return {
        "outcome": outcome,
        "batch": batch,
        "batch_url": reverse("admin:events_importbatch_change", args=[batch.pk]),
        "errors": errors[:ERRORS_SHOWN],
        "errors_more": max(len(errors) - ERRORS_SHOWN, 0),
        "errors_csv_url": reverse(ERRORS_CSV_URL, args=[batch.pk]) if errors else "",
        "duplicates": batch.duplicates or [],
        "samples": _samples(outcome),
        "imported": batch.created + batch.updated,
    }


def file_import_view(model_admin, request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST a file: its preview. POST a token: the import and its result."""
    denied = rules.import_refusal(request.user)
    if denied:
        raise PermissionDenied(denied)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(model_admin, request)
    if request.method != "POST":
        return TemplateResponse(request, TEMPLATE, _context(model_admin, request, form=FileImportForm()))
    form = FileImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return TemplateResponse(request, TEMPLATE, _context(model_admin, request, form=form), status=400)
    upload = form.cleaned_data["import_file"]
    file_name = upload.name[:500]
    name, sha256 = store_upload(upload)
    try:
        format_key = file_format_of(name, form.cleaned_data["file_format"] or None)
        outcome = file_preview(name=name, format_key=format_key, file_name=file_name, by=request.user)
    except UploadError as exc:
        discard_upload(name)
        form.add_error("import_file", str(exc))
        return TemplateResponse(request, TEMPLATE, _context(model_admin, request, form=form), status=400)
    token = sign_upload(name=name, sha256=sha256, format_key=format_key, file_name=file_name, by=request.user)
    context = _context(
        model_admin,
        request,
        step="preview",
        token=token,
        file_name=file_name,
        format_label=FORMATS[format_key].label,
        **_outcome_context(outcome),
    )
    return TemplateResponse(request, TEMPLATE, context)


def _confirm(model_admin, request: HttpRequest) -> HttpResponse:
    try:
        outcome = file_import(token=request.POST["token"], by=request.user)
    except UploadError as exc:
        context = _context(model_admin, request, form=FileImportForm(), refused=str(exc))
        return TemplateResponse(request, TEMPLATE, context, status=400)
    batch = outcome.batch
    context = _context(
        model_admin,
        request,
        step="result",
        file_name=batch.file_name,
        format_label=batch.get_format_display(),
        **_outcome_context(outcome),
    )
    return TemplateResponse(request, TEMPLATE, context)


def file_import_urls(model_admin) -> list:
    """The screen's URL, mounted by EventAdmin.get_urls before its own."""
    view = model_admin.admin_site.admin_view(lambda request: file_import_view(model_admin, request))
    return [path("import-file/", view, name=URL_NAME.removeprefix("admin:"))]
