"""Celery tasks of the events app (found by the "chronicle" app's autodiscovery)."""

import logging

from celery import shared_task

from events.exports.jobs import EXPORT_JOB_TASK, export_job_run
from events.models import ExportJob

logger = logging.getLogger(__name__)


@shared_task(name=EXPORT_JOB_TASK)
def export_job_task(job_id: int) -> str:
    """Run one background export (events.exports.jobs.export_job_run); returns its final state."""
    try:
        return export_job_run(job_id=job_id).state
    except ExportJob.DoesNotExist:
        logger.warning("Export job %s was deleted before it ran.", job_id)
        return "deleted"
