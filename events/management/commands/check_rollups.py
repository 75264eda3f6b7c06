"""Compare the rollups with the events' own GROUP BY; `--rebuild` rewrites it from events."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from events import rollups


class Command(BaseCommand):
    help = (
        "Check that the rollups the aggregates read equal the events' own counts (exit status "
        "1 and the first differing rows when not); --rebuild rewrites it from the events first. "
        "PostgreSQL only: on SQLite the aggregates always read events."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Rewrite the rollups from the events.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, rebuild: bool, database: str, **options) -> None:
        if not rollups.is_kept(database):
            self.stdout.write("This database keeps no rollups (SQLite, or not migrated): nothing to check.")
            return
        if rebuild:
            with transaction.atomic(using=database):
                counts = rollups.rebuild(database)
            for table, rows in counts.items():
                self.stdout.write(f"Rebuilt {table}: {rows:,} rows.")
        differences = rollups.differences(database)
        if not differences:
            self.stdout.write(self.style.SUCCESS("The rollups equal the events' counts."))
            return
        for row in differences:
            self.stderr.write(", ".join(f"{name}={value}" for name, value in row.items()))
        raise CommandError(
            f"The rollups differ from the events in {len(differences)} rows (first ones above); "
            "run check_rollups --rebuild."
        )
