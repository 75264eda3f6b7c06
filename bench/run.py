"""`make bench`: run every benchmark scenario against a PostgreSQL database of BENCH_EVENTS events.

    DATABASE_URL=postgres://… BENCH_EVENTS=1000000 .venv/bin/python bench/run.py

Environment:
    BENCH_EVENTS       events the database must hold (default 1,000,000); seed_demo tops it up
    BENCH_REPEAT       timed repetitions per request scenario (default 30)
    BENCH_ONLY         run only scenarios whose name contains this text (comma-separated)
    BENCH_SEED_EVENTS  events for the seed_demo speed scenario, into a scratch database
                       (default 100,000; 0 skips it)
    BENCH_IMPORT_ROWS  rows of the ACLED import scenarios' file (default 100,000)
    BENCH_IMPORT_INTO_COPY  0 skips the import into a copy of the bench database (long at 1M)
    BENCH_OUTPUT       the Markdown file to update (default docs/benchmarks.md; "-" for none); a
                       database of another size than 1M gets its own section (bench/sections.py)
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

if __name__ == "__main__":
    import django

    django.setup()
    from bench.harness import main

    sys.exit(main())
