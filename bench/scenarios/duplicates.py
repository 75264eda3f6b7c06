"""Duplicate scenarios: the candidates lookup a save runs, the API's /duplicates/ and the admin queue.

The events looked up are a fixed random sample (seed 15) of the database's events, so runs compare.
"""

from __future__ import annotations

import itertools
import random

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.harness import Bench, Result, percentiles, scenario
from bench.scenarios.api import token_client
from events.duplicates import duplicate_candidates, duplicate_queue
from events.models import Event

SAMPLE = 200


@scenario
def duplicates(bench: Bench) -> list[Result]:
    """Candidates for one event (the save path), the API endpoint and the admin queue's first page."""
    ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    sample = random.Random(15).sample(ids, min(SAMPLE, len(ids)))
    events = Event.objects.in_bulk(sample)
    rotation = itertools.cycle(sample)
    found = [len(duplicate_candidates(event=events[pk])) for pk in sample]
    samples = bench.time_calls(lambda: duplicate_candidates(event=events[next(rotation)]), repeat=len(sample))
    with CaptureQueriesContext(connection) as queries:
        duplicate_candidates(event=events[sample[0]])
    p50, p95 = percentiles(samples)
    with_candidates = sum(1 for count in found if count)
    results = [
        Result(
            "Duplicate candidates for one event (save path)",
            p50,
            p95,
            queries=len(queries),
            target="p50 ≤ 20 ms",
            met=p50 <= 20,
            note=f"{with_candidates} of {len(sample)} sampled events have candidates ({sum(found)} in all)",
        )
    ]
    event_id = events[sample[0]].event_id
    results.append(
        bench.time_get(
            "API /events/{id}/duplicates/ (viewer token)",
            f"/api/v1/events/{event_id}/duplicates/",
            client=token_client(bench),
            max_queries=6,
        )
    )
    pairs = len(duplicate_queue())
    results.append(
        bench.time_get(
            "Admin possible duplicates queue (first page)",
            reverse("admin:events_event_duplicates"),
            repeat=5,
            note=f"{pairs} undecided pairs among the 500 most recently changed events",
        )
    )
    return results
