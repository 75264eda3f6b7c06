"""Delete admin-import uploads whose preview was never confirmed (run it daily, e.g. from cron)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from events.importers.upload import remove_stale_uploads


class Command(BaseCommand):
    help = (
        "Delete files uploaded on the admin's import screens whose preview was never confirmed, once "
        "older than IMPORT_UPLOAD_MAX_AGE_HOURS (each new preview also does this)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age-hours",
            type=float,
            default=None,
            help="Age in hours beyond which an upload is deleted (default: IMPORT_UPLOAD_MAX_AGE_HOURS).",
        )

    def handle(self, *args, max_age_hours: float | None, **options):
        hours = settings.IMPORT_UPLOAD_MAX_AGE_HOURS if max_age_hours is None else max_age_hours
        removed = remove_stale_uploads(max_age=dt.timedelta(hours=hours))
        self.stdout.write(f"Deleted {len(removed)} unconfirmed import uploads older than {hours:g} hours.")
