"""Benchmark scenarios: every module here is imported by bench/run.py; see bench/harness.py."""
