"""Explorer scenarios: the server's share of /explore/'s first paint, as an anonymous visitor.

The page itself (form, admin1 counts, latest events), then the two aggregate requests its
JavaScript sends in parallel: the map (per place, or per admin1 when the selection has more
events than an answer takes places) and the monthly timeline. The browser's own time (scripts,
the basemap, drawing) is measured with chromium and reported in docs/explorer.md.
"""

from __future__ import annotations

from bench.harness import Bench, Result, scenario
from bench.scenarios.api import anonymous_throttling_off
from events.aggregates import MAX_PLACES
from events.models import Event

AGGREGATE = "/api/v1/events/aggregate/"
TARGET_MS = 2000  # first paint, server side included


@scenario
def explorer_first_paint(bench: Bench) -> list[Result]:
    """GET /explore/ and the map and timeline aggregates it triggers, no filter."""
    client = bench.client(anonymous=True)
    level = "place" if Event.objects.published().count() <= MAX_PLACES else "admin1"
    with anonymous_throttling_off():
        page = bench.time_get("Explorer: page", "/explore/", client=client, max_queries=5)
        map_ = bench.time_get(
            f"Explorer: map (by={level},event_type)", f"{AGGREGATE}?by={level},event_type", client=client
        )
        timeline = bench.time_get(
            "Explorer: timeline (by=event_type, month, fill)",
            f"{AGGREGATE}?by=event_type&period=month&fill=1",
            client=client,
        )
    total = page.p50_ms + max(map_.p50_ms, timeline.p50_ms)
    first_paint = Result(
        "Explorer: server time of the first paint (page + slower aggregate)",
        total,
        target=f"≤ {TARGET_MS} ms",
        met=total <= TARGET_MS,
        note="the two aggregates run in parallel; browser time not included",
    )
    return [page, map_, timeline, first_paint]
