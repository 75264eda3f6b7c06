"""API scenarios (docs/benchmarks.md): the event list, 50 rows, under every kind of filter and page.

Anonymous callers (the public's path: published events only) unless a line says "token";
anonymous throttling is switched off for the run, as for the load test. The filter values are
looked up in the database (a busy country, one of its provinces, one of its state forces), so
the scenarios run on any database seed_demo wrote.
"""

from __future__ import annotations

import base64
import json
from contextlib import contextmanager
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from actors.models import Actor
from bench.harness import Bench, Result, scenario
from core.vocab import InterCode
from events.models import Event
from events.roles import VIEWER
from places.models import Place, PlaceKind

URL = "/api/v1/events/"
PAGE = 50


@contextmanager
def anonymous_throttling_off():
    """AnonThrottle reads its rate per request: "off" for the duration of the scenario."""
    rates = api_settings.DEFAULT_THROTTLE_RATES
    before = rates.get("anon")
    rates["anon"] = "off"
    try:
        yield
    finally:
        rates["anon"] = before


def token_client(bench: Bench) -> Client:
    """A client sending a viewer's token, as scripts do (the token and permission lookups count)."""
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name=VIEWER))
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


def halfway_cursor(*, published_only: bool) -> str:
    """The opaque cursor positioned after the middle event of the (updated_at, id) order."""
    events = Event.objects.published() if published_only else Event.objects.all()
    total = events.count()
    middle = events.order_by("updated_at", "id").values("updated_at", "id")[total // 2]
    raw = json.dumps({"u": middle["updated_at"].isoformat(), "i": middle["id"]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def url(**params) -> str:
    return f"{URL}?{urlencode({**params, 'page_size': PAGE})}"


@scenario
def api_event_list(bench: Bench) -> list[Result]:
    """/api/v1/events/, 50 rows: page-number pages (with their count) and cursor pages."""
    country = Place.objects.countries().filter(country_code="SYR").first() or (
        Place.objects.countries().order_by("id").first()
    )
    code = country.country_code
    province = Place.objects.filter(parent=country, kind=PlaceKind.ADMIN1).order_by("id").first()
    army = (
        Actor.objects.filter(country=code, kind=InterCode.STATE_FORCES).order_by("id").first()
        or Actor.objects.order_by("id").first()
    )
    anonymous = bench.client(anonymous=True)
    token = token_client(bench)

    def get(name: str, link: str, *, target: float, client: Client = anonymous, note: str = "") -> Result:
        return bench.time_get(name, link, client=client, target_ms=target, max_queries=6, note=note)

    results: list[Result] = []
    with anonymous_throttling_off():
        first_cursor = anonymous.get(url(pagination="cursor")).json()["next"]
        # docs/benchmarks.md: page-number pages (with their count) ≤ 25 ms; cursor pages and
        # single-filter pages ≤ 10 ms. Each single filter is timed both ways: as a page-number
        # page with its count (the 25 ms budget) and as a cursor page (the 10 ms one).
        single_filters = [
            (f"country={code}", {"country": code}),
            (f"place subtree ({province.name}, admin1)", {"place": province.pk}),
            (f"actor ({army.name})", {"actor": army.pk}),
            ("date range (one quarter)", {"date_after": "2020-01-01", "date_before": "2020-03-31"}),
            ("event_type=Battles", {"event_type": "Battles"}),
        ]
        results.append(
            get("API events: page 1, no filter", url(), target=25, note="page-number, with its count")
        )
        for label, params in single_filters:
            results.append(
                get(f"API events: {label}", url(**params), target=25, note="page-number, with its count")
            )
        for label, params in single_filters:
            results.append(
                get(f"API events: {label}, cursor page", url(pagination="cursor", **params), target=10)
            )
        # Combinations the load test draws (ops/loadtest.py filter_path), and cursor pulls of a
        # period: the walk over (updated_at, id) meets the dates late, since updated_at follows them.
        results += [
            get(
                f"API events: {label}",
                url(**params),
                target=25,
                note="page-number, with its count",
            )
            for label, params in [
                ("event_type=Battles&year=2015", {"event_type": "Battles", "year": 2015}),
                (f"country={code}&fatalities_min=1", {"country": code, "fatalities_min": 1}),
                (f"country={code}&civilian_targeting=true", {"country": code, "civilian_targeting": "true"}),
            ]
        ]
        results += [
            get(f"API events: {label}, cursor page", url(pagination="cursor", **params), target=10)
            for label, params in [
                ("year=2020", {"year": 2020}),
                ("date_after=2025-01-01", {"date_after": "2025-01-01"}),
                (f"country={code}&year=2015", {"country": code, "year": 2015}),
            ]
        ]
        results += [
            get("API events: q=drone (full text)", url(q="drone"), target=50),
            get("API events: q=checkpoint (full text, common word)", url(q="checkpoint"), target=50),
            get(
                f"API events: combined (country={code}, Battles, 2015, fatalities ≥ 1)",
                url(country=code, event_type="Battles", year=2015, fatalities_min=1),
                target=25,
            ),
            get(
                "API events: deep page (page 200 = rows 9,951–10,000)",
                url(page=200),
                target=25,
                note="the deepest page-number page served",
            ),
            get("API events: cursor page 1", url(pagination="cursor"), target=10),
            get("API events: cursor page 2 (next link)", first_cursor, target=10),
            get(
                "API events: cursor page halfway down",
                url(cursor=halfway_cursor(published_only=True)),
                target=50,
            ),
            get(
                "API events: page 1, no filter (token)",
                url(),
                target=25,
                client=token,
                note="viewer: every status; + token and permission queries",
            ),
            get(
                f"API events: country={code} (token)",
                url(country=code),
                target=25,
                client=token,
                note="page-number, with its count",
            ),
            get("API events: cursor page 1 (token)", url(pagination="cursor"), target=10, client=token),
            get(
                "API events: cursor page halfway down (token)",
                url(cursor=halfway_cursor(published_only=False)),
                target=50,
                client=token,
            ),
        ]
    return results
