"""Admin scenarios (docs/benchmarks.md): the events changelist a curator opens, searches and filters.

Logged in as the bench superuser through the session, as a curator's browser is; the page is
rendered in full (templates included), 50 rows a page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from bench.harness import Bench, Result, scenario
from core.vocab import InterCode, Status


@scenario
def admin_event_changelist(bench: Bench) -> list[Result]:
    """The events changelist: plain, searched, filtered, and drilled into a year and a month."""
    client = bench.client()
    changelist = reverse("admin:events_event_changelist")

    def get(name: str, target: float, **params) -> Result:
        link = f"{changelist}?{urlencode(params)}" if params else changelist
        return bench.time_get(f"Admin events: {name}", link, client=client, target_ms=target)

    return [
        get("changelist", 150),
        get("search 'drone' (notes, places, actors)", 200, q="drone"),
        get("search an event id", 200, q="SYR100"),
        get("search 'drone' in a country (SYR)", 200, q="drone", country="SYR"),
        get(f"filtered by actor kind ({InterCode.CIVILIANS.label})", 150, actor_kind=InterCode.CIVILIANS),
        get(
            "filtered by status and event type",
            150,
            status__exact=Status.REVIEWED,
            event_type__exact="Battles",
        ),
        get("filtered by country (SYR)", 150, country="SYR"),
        get("drilled to a year (2015)", 150, event_date__year=2015),
        get("drilled to a month (2015-06)", 150, event_date__year=2015, event_date__month=6),
    ]
