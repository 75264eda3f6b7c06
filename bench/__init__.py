"""`make bench`: Chronicle's benchmark harness (see bench/run.py and docs/benchmarks.md)."""
