"""The real `acled` package from PyPI (pinned in requirements.txt) against a live Chronicle.

Only the client's base URL changes: its own `BaseHttpClient.BASE_URL` (what ACLED_API_HOST sets at
import time) points at pytest-django's live server, and the credentials are a Chronicle token and
its account's e-mail, sent as ACLED's legacy `key` and `email`. Every answer is checked against
what the ORM says the caller may see.
"""

import datetime as dt

import pytest
from acled import AcledClient
from acled.clients.base_http_client import BaseHttpClient
from acled.exceptions import ClientError
from django.db.models import Count, Max, Min
from rest_framework.authtoken.models import Token

from core.vocab import ActorRole, RetractionReason
from events.models import Event, EventActor, Tombstone
from tests.api_helpers import UTC, build_world
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Legacy key/email authentication:DeprecationWarning"),
]


@pytest.fixture(autouse=True)
def chronicle_as_acled_host(live_server, monkeypatch, settings):
    """Point the client at the live server; no retries, so a failure shows at once."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "off"}}
    monkeypatch.setattr(BaseHttpClient, "BASE_URL", f"{live_server.url}/api")
    monkeypatch.setattr(BaseHttpClient, "MAX_RETRIES", 1)  # one retry: the client re-sends after a 403
    monkeypatch.setattr(BaseHttpClient, "RETRY_BACKOFF_FACTOR", 0)


@pytest.fixture
def world(transactional_db, reviewer):
    w = build_world()
    from events.services import event_retract

    event_retract(event=w.events["protest"], by=reviewer, reason=RetractionReason.DUPLICATE)
    Tombstone.objects.filter(event_id=w.events["protest"].event_id).update(
        removed_at=dt.datetime(2024, 6, 1, tzinfo=UTC)
    )
    Tombstone.objects.create(
        event_id="SYR999", removed_at=dt.datetime(2024, 7, 1, tzinfo=UTC), reason="error", deleted=True
    )
    return w


def client_for(user) -> AcledClient:
    token, _ = Token.objects.get_or_create(user=user)
    return AcledClient(api_key=token.key, email=user.email)


def visible(user):
    """What the ACLED API shows any caller, whatever its role: the published events."""
    return Event.objects.published().order_by("-event_date", "-id")


def ids(events) -> list[str]:
    return [event["event_id_cnty"] for event in events]


def test_get_data_with_acled_filters_returns_exactly_what_the_orm_selects(world, viewer):
    events = client_for(viewer).get_data(
        country="Syria",
        event_date="2015-01-01|2016-12-31",
        event_type="Battles",
        actor1="military",  # LIKE by default, as ACLED's guide says
        query_params={"event_date_where": "BETWEEN"},
    )
    expected = visible(viewer).filter(
        place__country_code="SYR",
        event_date__range=(dt.date(2015, 1, 1), dt.date(2016, 12, 31)),
        event_type="Battles",
        pk__in=EventActor.objects.filter(role=ActorRole.ACTOR1, actor__name__icontains="military").values(
            "event_id"
        ),
    )
    assert (
        ids(events) == list(expected.values_list("event_id", flat=True)) == [world.events["battle"].event_id]
    )
    [battle] = events
    # parsed by the client without error, into its types
    assert battle["event_date"] == dt.date(2015, 3, 10)
    assert (battle["year"], battle["fatalities"], battle["time_precision"]) == (2015, 10, 1)
    assert (battle["latitude"], battle["longitude"]) == (36.2, 37.16)
    assert battle["timestamp"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert (battle["actor1"], battle["actor2"]) == (
        "Military Forces of Syria (2000-2024)",
        "Islamic State (Syria)",
    )
    assert (battle["country"], battle["iso"], battle["region"]) == ("Syria", "760", "Middle East")


def test_fields_limit_and_page_walk_the_callers_events(world, viewer):
    client = client_for(viewer)
    everything = list(visible(viewer).values_list("event_id", flat=True))
    assert world.events["riot"].event_id not in everything  # a viewer's key too reads published events
    pages = [
        client.get_data(fields="event_id_cnty|event_date|fatalities", limit=3, page=page) for page in (1, 2)
    ]
    assert [ids(page) for page in pages] == [everything[:3], everything[3:]]
    assert all(
        set(event) == {"event_id_cnty", "event_date", "fatalities"} for page in pages for event in page
    )
    assert all(isinstance(event["fatalities"], int) for page in pages for event in page)


def test_a_key_without_access_never_sees_drafts(world):
    outsider = UserFactory(username="outsider", email="Outsider@Example.org")
    events = client_for(outsider).get_data(limit=100)
    expected = list(visible(outsider).values_list("event_id", flat=True))
    assert ids(events) == expected
    assert world.events["riot"].event_id not in expected
    assert world.events["protest"].event_id not in expected  # retracted


def test_a_wrong_key_is_a_client_error(world, viewer):
    client = AcledClient(api_key="0" * 40, email=viewer.email)
    with pytest.raises(ClientError) as raised:
        client.get_data(limit=1)
    assert raised.value.status_code == 403


def test_deleted_client_reads_the_tombstones(world, viewer):
    client = client_for(viewer)
    since = int(dt.datetime(2024, 6, 15, tzinfo=UTC).timestamp())
    rows = client.get_deleted_data(deleted_timestamp=since)
    expected = Tombstone.objects.filter(removed_at__gte=dt.datetime(2024, 6, 15, tzinfo=UTC))
    assert rows == [
        {"event_id_cnty": event_id, "deleted_timestamp": int(removed_at.timestamp())}
        for event_id, removed_at in expected.order_by("removed_at").values_list("event_id", "removed_at")
    ]
    assert [row["event_id_cnty"] for row in client.get_deleted_data(limit=10)] == [
        world.events["protest"].event_id,
        "SYR999",
    ]


def test_actor_client_summarises_the_callers_events(world, viewer):
    rows = client_for(viewer).get_actor_data(actor_name="military")
    expected = (
        EventActor.objects.filter(event__in=Event.objects.published(), actor__name__icontains="military")
        .values("actor__name")
        .annotate(first=Min("event__event_date"), last=Max("event__event_date"), count=Count("event"))
    )
    assert rows == [
        {
            "actor_name": row["actor__name"],
            "first_event_date": row["first"],
            "last_event_date": row["last"],
            "event_count": row["count"],
        }
        for row in expected
    ]
    assert rows[0]["event_count"] == 3


def test_country_region_and_actor_type_clients(world, viewer):
    client = client_for(viewer)
    by_country = (
        Event.objects.published()
        .values("place__country_code", "place__country_name")
        .annotate(first=Min("event_date"), last=Max("event_date"), count=Count("id"))
        .order_by("place__country_name")
    )
    numeric = {"IRQ": 368, "SYR": 760}
    assert client.get_country_data() == [
        {
            "country": row["place__country_name"],
            "iso": numeric[row["place__country_code"]],
            "iso3": row["place__country_code"],
            "first_event_date": row["first"],
            "last_event_date": row["last"],
            "event_count": row["count"],
        }
        for row in by_country
    ]
    assert [row["iso3"] for row in client.get_country_data(country="syr")] == ["SYR"]
    regions = client.get_region_data(region=11)
    assert [(row["region"], row["region_name"], row["event_count"]) for row in regions] == [
        (11, "Middle East", Event.objects.published().count())
    ]
    types = client.get_actor_type_data(actor_type_id=1)
    assert [(row["actor_type_id"], row["event_count"]) for row in types] == [(1, 3)]
