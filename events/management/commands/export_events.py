"""python manage.py export_events --format csv|acled|monadic|xlsx|geojson|datapackage|aggregate
--output PATH [filters] [--by KEYS --period PERIOD --fill]"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from tqdm import tqdm

from core.api.exceptions import ParameterError
from events.aggregates import KEYS, PERIODS, aggregate
from events.exports import FORMATS, write_export
from events.exports.aggregates import write_aggregate_csv, write_aggregate_xlsx
from events.exports.query import export_progress, export_queryset
from events.exports.xlsx import export_about

AGGREGATE = "aggregate"


class Command(BaseCommand):
    help = (
        "Export events as Chronicle CSV, ACLED CSV (dyadic or monadic), an XLSX report, GeoJSON, a "
        "Frictionless data package, or aggregates (counts by --by and --period, as CSV or, for an "
        "--output ending in .xlsx, XLSX), with the API's filters (--filter country=SYR …)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", required=True, choices=sorted([*FORMATS, AGGREGATE]), help="Output format."
        )
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
            "--by",
            default="",
            help=f"aggregate: keys to group by, comma-separated ({', '.join(KEYS)}).",
        )
        parser.add_argument("--period", choices=PERIODS, help="aggregate: the period of each row.")
        parser.add_argument(
            "--fill", action="store_true", help="aggregate: pad the periods without events with zeros."
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
        include_unpublished = options["include_unpublished"]
        escape = not options["no_escape_formulas"]
        try:
            if options["format"] == AGGREGATE:
                count = self._aggregate(params, options, user=user, output=output, escape=escape)
            else:
                queryset = export_queryset(user=user, params=params, include_unpublished=include_unpublished)
                about = export_about(user=user, params=params, include_unpublished=include_unpublished)
                count = write_export(options["format"], queryset, output, escape=escape, about=about)
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
        noun = "rows" if options["format"] == AGGREGATE else "events"
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {count:,} {noun} as {options['format']} to {output} ({elapsed:.1f} s)."
            )
        )

    def _aggregate(self, params: QueryDict, options, *, user, output: Path, escape: bool) -> int:
        """Counts by --by and --period: CSV, or XLSX when the output ends in .xlsx."""
        params["by"] = options["by"]
        if options["period"]:
            params["period"] = options["period"]
        if options["fill"]:
            params["fill"] = "1"
        result = aggregate(user=user, params=params, include_unpublished=options["include_unpublished"])
        if output.suffix.lower() == ".xlsx":
            about = export_about(user=user, params=params, include_unpublished=options["include_unpublished"])
            return write_aggregate_xlsx(str(output), result, about=about)
        return write_aggregate_csv(result, output, escape=escape)
