"""`manage.py load_seed`: the seed data set, with a creation row in the history of each object."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from events.services import history_fill_missing

SEED = settings.BASE_DIR / "fixtures" / "seed.json"


class Command(BaseCommand):
    help = (
        "Load fixtures/seed.json (or the fixtures named) with loaddata, then give every object that "
        "has no history a creation row (loaddata saves raw rows, which the history does not record). "
        "Safe to run again: objects with a history are left alone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixtures", nargs="*", help=f"Fixture files (default {SEED.name}).")

    def handle(self, *args, fixtures: list[str], **options) -> None:
        fixtures = fixtures or [str(SEED)]
        with transaction.atomic():
            call_command("loaddata", *fixtures, verbosity=options["verbosity"])
            written = history_fill_missing(reason=f"Loaded from {', '.join(map(_name, fixtures))}")
        if options["verbosity"]:
            total = sum(written.values())
            details = ", ".join(f"{count} {label}" for label, count in written.items())
            self.stdout.write(f"History: {total} creation rows" + (f" ({details})" if details else "") + ".")


def _name(path: str) -> str:
    return str(path).rsplit("/", 1)[-1]
