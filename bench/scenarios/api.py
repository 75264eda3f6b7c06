"""API scenarios (DESIGN.md §5): one function per group; each request line is one `time_get`."""

from bench.harness import Bench, Result, scenario


@scenario
def api_event_list(bench: Bench) -> list[Result]:
    """The first pages of /api/v1/events/: page-number (with its count) and cursor."""
    return [
        bench.time_get(
            "API events, 50 rows, page 1 (no filter)",
            "/api/v1/events/?page_size=50",
            target_ms=25,
            max_queries=6,
        ),
        bench.time_get(
            "API events, 50 rows, cursor page 1 (no filter)",
            "/api/v1/events/?pagination=cursor&page_size=50",
            target_ms=10,
            max_queries=6,
        ),
    ]
