"""`manage.py seed_demo --events N`: realistic synthetic data for benchmarks and demos."""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from tqdm import tqdm

from events.demo import demo_seed


def _at_least(minimum: int):
    """An argparse type: a whole number (1_000_000 allowed) no smaller than `minimum`."""

    def parse(value: str) -> int:
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            raise ArgumentTypeError(f"must be a whole number, not {value!r}") from None
        if number < minimum:
            raise ArgumentTypeError(f"must be at least {minimum}, not {number}")
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Write N synthetic but realistic events (with ~3,000 actors over all 8 inter codes, a place "
        "hierarchy over 70 countries, a few hundred sources, 1-3 citations per event, 1997-2026) for "
        "benchmarks and demos. Deterministic for a --seed. Uses COPY on PostgreSQL. Writes "
        "simple_history creation rows only with --history. --clear first empties every event, actor, "
        "place and source table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=_at_least(0), required=True, help="How many events to write.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed writes the same rows (default 1)."
        )
        parser.add_argument(
            "--batch-size",
            type=_at_least(1),
            default=10_000,
            help="Events per COPY/INSERT statement (default 10,000); the run is one transaction.",
        )
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also give every row a creation row in its history (as load_seed does for the seed), "
            "so demo events' history pages are not empty. Benchmarks leave it off.",
        )
        parser.add_argument(
            "--clear",
            action="store_true",
            help="First delete all events, actors, places, sources, import batches, tombstones, id "
            "counters and their history (TRUNCATE … CASCADE on PostgreSQL). Users stay.",
        )

    def handle(
        self, *args, events: int, seed: int, batch_size: int, clear: bool, history: bool, **options
    ) -> None:
        verbosity = options["verbosity"]
        with tqdm(
            total=events, unit="event", unit_scale=True, disable=verbosity == 0, file=self.stderr._out
        ) as bar:
            try:
                summary = demo_seed(
                    events=events,
                    seed=seed,
                    batch_size=batch_size,
                    clear=clear,
                    history=history,
                    progress=bar.update,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        if verbosity == 0:
            return
        counts = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {counts} into {connection.vendor} in {summary.seconds:.1f} s "
                f"({summary.events_per_second:,.0f} events/s, {summary.rows_per_second:,.0f} rows/s)."
            )
        )
        if summary.analyze_seconds:
            self.stdout.write(f"VACUUM/ANALYZE took {summary.analyze_seconds:.1f} s more.")
        if verbosity >= 2:
            for phase, seconds in summary.phase_seconds.items():
                self.stdout.write(f"  {phase}: {seconds:.1f} s")
            for table, seconds in summary.write_seconds.items():
                self.stdout.write(f"  writing {table}: {seconds:.1f} s")
