"""Synthetic but realistic demo data at scale, for benchmarks and demos (`seed_demo`).

Deterministic for a seed: one `random.Random(seed)` drives everything, reference data is
built from tuples (never from dict or set ordering) and every timestamp is fixed, so two
runs with the same seed and event count write identical rows.

Rows are written in bulk without `Model.save()`: the derived fields (`disorder_type`,
`interaction`, `period_start`/`period_end`, `geo_precision`, a place's `path`, `depth` and
labels) are computed here with the same functions the models use. PostgreSQL gets `COPY`
(one statement per table and batch, in one transaction), SQLite `executemany` INSERTs. Ids
are assigned here, after the current maximum, and the sequences are reset afterwards.
No simple_history rows are written unless asked (`--history`: one creation row per row, by
INSERT … SELECT), since benchmarks do not read them.
"""

from events.demo.service import DemoSummary, demo_clear, demo_seed

__all__ = ["DemoSummary", "demo_clear", "demo_seed"]
