"""python manage.py export_events --format csv|acled|xlsx|geojson|datapackage --output PATH [filters]"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from tqdm import tqdm

from events.api.exceptions import ParameterError
from events.exports import FORMATS, write_export
from events.exports.query import export_progress, export_queryset


class Command(BaseCommand):
    help = (
        "Export events as Chronicle CSV, ACLED CSV, an XLSX report, GeoJSON or a Frictionless "
        "data package, with the API's filters (--filter country=SYR --filter year=2015 …)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), help="Output format.")
        parser.add_argument(
            "--output",
            required=True,
            type=Path,
            help="File to write (datapackage: a directory, or a .zip file).",
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="An API event filter, e.g. country=SYR, date_after=2015-01-01, event_type=Battles; "
            "repeat for several.",
        )
        who = parser.add_mutually_exclusive_group()
        who.add_argument("--user", help="Export what this user may see (default: published events only).")
        who.add_argument(
            "--include-unpublished",
            action="store_true",
            help="Include drafts, reviewed and retracted events.",
        )
        parser.add_argument(
            "--no-escape-formulas",
            action="store_true",
            help="Do not prefix text cells starting with = + - @ with an apostrophe (CSV formats).",
        )

    def handle(self, *args, **options) -> None:
        params = QueryDict(mutable=True)
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--filter {item!r}: expected KEY=VALUE, e.g. country=SYR.")
            params.appendlist(key.strip(), value.strip())
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user {options['user']!r}: no such user.") from None
        output: Path = options["output"]
        if options["format"] != "datapackage" and not output.parent.exists():
            raise CommandError(f"--output {output}: the directory {output.parent} does not exist.")
        started = time.perf_counter()
        bar = tqdm(unit=" events", disable=None, leave=False)
        read = 0

        def progress(rows: int) -> None:
            # Counted here, not by the bar: a bar is disabled (and counts nothing) off a terminal.
            nonlocal read
            read += rows
            bar.update(rows)

        token = export_progress.set(progress)
        try:
            queryset = export_queryset(
                user=user, params=params, include_unpublished=options["include_unpublished"]
            )
            count = write_export(
                options["format"], queryset, output, escape=not options["no_escape_formulas"]
            )
        except ParameterError as exc:
            problems = "; ".join(
                f"{name}: {' '.join(str(message) for message in messages)}"
                for name, messages in exc.detail.items()
            )
            raise CommandError(f"Bad filter — {problems}") from None
        finally:
            export_progress.reset(token)
            bar.close()
        count = read if count is None else count
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {count:,} events as {options['format']} to {output} ({elapsed:.1f} s)."
            )
        )
