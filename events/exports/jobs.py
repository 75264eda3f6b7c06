"""Background exports: start a job, run it (on a Celery worker, or inline without a broker).

`export_job_start` validates the format and filters first (a bad filter is a 400 before anything
is queued), creates the ExportJob and queues it once the row is committed; without a broker
(settings.CELERY_BROKER_URL unset) it runs the export at once, in the caller's process.
`export_job_run` writes the export with the existing writers to a temporary file, counting
progress every settings.EXPORT_PROGRESS_EVERY rows, then hands the file to the exports storage
(Django's storage API: a second web node or an S3 bucket sees it; the worker's disk does not
matter).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from rest_framework import exceptions

from config import celery_app
from config.routers import reads_from_replica
from core.api.exceptions import ParameterError
from events.exports.formats import FORMATS, write_export
from events.exports.query import export_progress, export_queryset
from events.exports.xlsx import export_about
from events.filters import EventFilter
from events.models import ExportJob

# The Celery task that runs a job (events/tasks.py); queued by name.
EXPORT_JOB_TASK = "events.export_job"

logger = logging.getLogger(__name__)

# Formats that go to the background whenever a broker is configured, whatever their size.
ALWAYS_BACKGROUND = frozenset({"xlsx", "datapackage"})
ACTIVE_STATES = (ExportJob.State.QUEUED, ExportJob.State.RUNNING)


class ExportQueueUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The export queue is unreachable; try again shortly."
    default_code = "export_queue_unavailable"


class TooManyExportJobs(exceptions.Throttled):
    default_detail = "You have too many exports queued or running; wait for one to finish."


def background_configured() -> bool:
    """True when a Celery broker is configured (otherwise background exports run inline)."""
    return bool(settings.CELERY_BROKER_URL)


def export_filter_params(params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The event filters among `params` (a QueryDict or a dict), as stored on a job: one value as a
    string, several as a list. Other names (escape, fields, page…) are left out."""
    known = EventFilter.base_filters
    if isinstance(params, QueryDict):
        items = ((name, values) for name, values in params.lists())
    else:
        items = (
            (name, value if isinstance(value, list | tuple) else [value]) for name, value in params.items()
        )
    cleaned: dict[str, str | list[str]] = {}
    for name, values in items:
        if name in known:
            values = [str(value) for value in values]
            cleaned[name] = values[0] if len(values) == 1 else values
    return cleaned


def _validated_params(params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Refuse unknown filter names and values that are not text, numbers or booleans."""
    errors: dict[str, list[str]] = {}
    for name, value in params.items():
        if name not in EventFilter.base_filters:
            errors[name] = [f"Unknown filter; allowed: {', '.join(sorted(EventFilter.base_filters))}."]
            continue
        values = value if isinstance(value, list | tuple) else [value]
        if not values or not all(isinstance(item, str | int | float | bool) for item in values):
            errors[name] = ["Enter a value (text or a number), or a list of them."]
    if errors:
        raise exceptions.ValidationError({"filters": errors})
    return export_filter_params(params)


def export_over_inline_limit(queryset: QuerySet) -> bool:
    """Whether an export covers more than settings.EXPORT_INLINE_MAX_ROWS events (a bounded count:
    it stops at the limit)."""
    limit = settings.EXPORT_INLINE_MAX_ROWS
    return queryset.order_by()[: limit + 1].count() > limit


def export_jobs_for(user) -> QuerySet:
    """The jobs `user` may see: their own, or all for a superuser. Read on the primary database:
    a job's state changes by the second, and a replica may lag behind its creation."""
    jobs = ExportJob.objects.using(DEFAULT_DB_ALIAS).select_related("created_by")
    if user.is_superuser:
        return jobs
    return jobs.filter(created_by=user)


def export_job_start(*, user, format: str, params: Mapping[str, Any], escape: bool = True) -> ExportJob:
    """Validate, create and queue (or, without a broker, run) an export job for `user`.

    Raises ValidationError naming `format` or `filters.<name>` (nothing is created then),
    TooManyExportJobs when the user has EXPORT_JOBS_MAX_ACTIVE jobs queued or running, and
    ExportQueueUnavailable when the broker cannot be reached (the job is then marked failed).
    """
    if format not in FORMATS:
        raise exceptions.ValidationError({"format": [f"Unknown format; allowed: {', '.join(FORMATS)}."]})
    params = _validated_params(params)
    try:
        export_queryset(user=user, params=params)  # EventFilter checks every value
    except ParameterError as exc:
        raise exceptions.ValidationError({"filters": exc.detail}) from None
    background = background_configured()
    if background:
        active = export_jobs_for(user).filter(created_by=user, state__in=ACTIVE_STATES).count()
        if active >= settings.EXPORT_JOBS_MAX_ACTIVE:
            raise TooManyExportJobs()
    job = ExportJob(created_by=user, format=format, params=params, escape=escape)
    job.full_clean(exclude=["file"])
    job.save()
    if background:
        # Queue once the row is committed, so the worker finds it.
        transaction.on_commit(partial(_enqueue, job.pk), robust=False)
        return job
    return export_job_run(job_id=job.pk)


def _enqueue(job_id: int) -> None:
    try:
        # The broker is read from the settings at call time, so one process can be pointed elsewhere.
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            # By the task's name: events.tasks imports this module to run the job.
            celery_app.send_task(
                EXPORT_JOB_TASK,
                (job_id,),
                queue=settings.EXPORTS_QUEUE,
                connection=connection,
                retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
            )
    except Exception as exc:
        logger.exception("Could not queue export job %s", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            state=ExportJob.State.FAILED,
            error=f"Could not queue the export: {exc}",
            finished_at=timezone.now(),
        )
        raise ExportQueueUnavailable() from exc


def export_file_name(job: ExportJob) -> str:
    """The file's name as the user downloads it: chronicle-events-<id>-<created>.<extension>."""
    extension = FORMATS[job.format].extension or ".zip"  # a data package is a zip file
    return f"chronicle-events-{job.pk}-{job.created_at:%Y%m%d-%H%M}{extension}"


class _Progress:
    """Called by export_rows with the rows read since its last call; saves the running count on
    the job every `every` rows (one UPDATE, committed at once, visible to whoever polls)."""

    def __init__(self, job_id: int, every: int) -> None:
        self.job_id, self.every = job_id, max(every, 1)
        self.done = self.saved = 0

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self.done - self.saved >= self.every:
            ExportJob.objects.filter(pk=self.job_id).update(rows_done=self.done)
            self.saved = self.done


def export_job_run(*, job_id: int) -> ExportJob:
    """Run a queued job: write its export into the exports storage. A failure is recorded on the
    job (state failed, the error), not raised. A job already done or failed is left alone (a
    message delivered twice)."""
    job = ExportJob.objects.using(DEFAULT_DB_ALIAS).select_related("created_by").get(pk=job_id)
    if job.state not in ACTIVE_STATES:
        return job
    job.state, job.started_at, job.rows_done, job.error = ExportJob.State.RUNNING, timezone.now(), 0, ""
    job.save(update_fields=["state", "started_at", "rows_done", "error"])
    progress = _Progress(job.pk, settings.EXPORT_PROGRESS_EVERY)
    try:
        with reads_from_replica():
            queryset = export_queryset(user=job.created_by, params=job.params)
            job.rows_total = queryset.count()
        job.save(update_fields=["rows_total"])
        name = export_file_name(job)
        with tempfile.TemporaryDirectory(prefix="chronicle-export-") as directory:
            path = Path(directory) / name
            token = export_progress.set(progress)
            try:
                with reads_from_replica():
                    about = export_about(user=job.created_by, params=job.params)
                    count = write_export(job.format, queryset, path, escape=job.escape, about=about)
            finally:
                export_progress.reset(token)
            with path.open("rb") as handle:
                job.file.save(name, File(handle), save=False)
    except Exception as exc:
        logger.exception("Export job %s failed", job.pk)
        job.state, job.error = ExportJob.State.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        job.rows_done = progress.done
    else:
        job.state = ExportJob.State.DONE
        job.rows_done = job.rows_total = count if count is not None else progress.done
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "rows_done", "rows_total", "file", "finished_at"])
    return job
