"""Compare the event actors' copies of their event's date, status and updated_at with the events;
`--rebuild` rewrites the ones that differ."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from events import actor_copies


class Command(BaseCommand):
    help = (
        "Check that every event actor holds its event's date, status and updated_at (what an actor's pages "
        "read; events/actor_copies.py): exit status 1 and the first differing rows when not. "
        "--rebuild rewrites the ones that differ first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Rewrite the copies that differ.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, rebuild: bool, database: str, **options) -> None:
        if rebuild:
            with transaction.atomic(using=database):
                rows = actor_copies.rebuild(database)
            self.stdout.write(f"Rewrote {rows:,} row{'' if rows == 1 else 's'}.")
        differences = actor_copies.differences(database)
        if not differences:
            self.stdout.write(
                self.style.SUCCESS("The event actors' dates, statuses and updated_at equal their events'.")
            )
            return
        for row in differences:
            self.stderr.write(", ".join(f"{name}={value}" for name, value in row.items()))
        raise CommandError(
            f"Event actors differ from their events in {len(differences)} "
            f"row{'' if len(differences) == 1 else 's'} (first ones above); run check_event_actors --rebuild."
        )
