"""What import_acled and import_ucdp share: options, the errors CSV, the summary, the exit code."""

from __future__ import annotations

import csv
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.exports.columns import escape_formula
from events.importers.common import HeaderError, ImportOutcome, RowError

ERROR_COLUMNS = ("row", "column", "value", "reason")
SHOWN_ERRORS = 20


def write_errors_csv(errors: list[dict] | list[RowError], target) -> None:
    """The row-level error report: row (file line), column, value, reason.

    Values come from the imported file: one starting with = + - @ is escaped, as in the exports, so
    that opening the report in a spreadsheet runs no formula.
    """
    writer = csv.writer(target)
    writer.writerow(ERROR_COLUMNS)
    for error in errors:
        item = error.as_dict() if isinstance(error, RowError) else error
        writer.writerow([escape_formula(str(item.get(column, ""))) for column in ERROR_COLUMNS])


class ImportCommand(BaseCommand):
    """Parse arguments, call the importer, print a summary; exit non-zero on failure."""

    importer = staticmethod(lambda path, **options: None)  # set by subclasses

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file to import.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change; write nothing but the import batch.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Commit nothing if any row has an error (default: import valid rows, skip the rest).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows per bulk SQL statement (default 1000). The whole run is one transaction.",
        )
        parser.add_argument(
            "--errors-out",
            type=Path,
            help="Write the row-level errors to this CSV (row, column, value, reason).",
        )
        parser.add_argument("--user", help="Username recorded as the importer (batch, history).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user {options['user']!r}: no such user.") from None
        try:
            outcome: ImportOutcome = self.importer(
                path,
                user=user,
                dry_run=options["dry_run"],
                strict=options["strict"],
                batch_size=options["batch_size"],
                progress=False if options["no_progress"] else None,
            )
        except HeaderError as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from None
        if options["errors_out"]:
            with options["errors_out"].open("w", newline="", encoding="utf-8") as target:
                write_errors_csv(outcome.errors, target)
        for error in outcome.errors[:SHOWN_ERRORS]:
            self.stderr.write(str(error))
        if len(outcome.errors) > SHOWN_ERRORS:
            more = len(outcome.errors) - SHOWN_ERRORS
            where = (
                f" (all in {options['errors_out']})"
                if options["errors_out"]
                else " (--errors-out PATH lists all)"
            )
            self.stderr.write(f"… and {more} more errors{where}.")
        style = self.style.SUCCESS if not outcome.errors else self.style.WARNING
        if outcome.batch.state == outcome.batch.State.FAILED:
            raise CommandError(outcome.summary())
        self.stdout.write(style(outcome.summary()))
