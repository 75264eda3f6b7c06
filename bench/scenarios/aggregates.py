"""Aggregate scenarios: the three requests a dashboard sends to /api/v1/events/aggregate/.

Anonymous callers (published events), throttling off. The country is looked up in the database
(Syria when seed_demo wrote it), so the scenarios run on any seeded database.
"""

from __future__ import annotations

from urllib.parse import urlencode

from bench.harness import Bench, Result, scenario
from bench.scenarios.api import anonymous_throttling_off
from places.models import Place

URL = "/api/v1/events/aggregate/"
TARGET_MS = 100


@scenario
def aggregates_dashboard(bench: Bench) -> list[Result]:
    """Country × month over everything, admin1 × week of one country, event type × year."""
    country = Place.objects.countries().filter(country_code="SYR").first() or (
        Place.objects.countries().order_by("id").first()
    )
    client = bench.client(anonymous=True)

    def get(name: str, **params) -> Result:
        return bench.time_get(
            f"Aggregates: {name}",
            f"{URL}?{urlencode(params)}",
            client=client,
            target_ms=TARGET_MS,
            max_queries=3,
        )

    with anonymous_throttling_off():
        return [
            get("country × month, everything", by="country", period="month"),
            get(
                f"admin1 × week, {country.country_code}",
                by="admin1",
                period="week",
                country=country.country_code,
            ),
            get("event type × year, everything", by="event_type", period="year"),
            get(
                f"admin1 × week of {country.country_code}, padded (fill=1)",
                by="admin1",
                period="week",
                country=country.country_code,
                fill=1,
                year=2020,
            ),
            get(f"places of {country.country_code} (the map)", by="place", country=country.country_code),
        ]
