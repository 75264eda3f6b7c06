"""Hand-built data and clients for the REST API tests (tests/api/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from actors.models import Actor
from core.vocab import ActorRole, EventType, InterCode, Status, SubEventType, TimePrecision
from events.models import Event, Source, Tombstone
from events.services import event_create
from places.models import Place, PlaceKind

UTC = dt.UTC


def client_for(user=None) -> APIClient:
    """An API client authenticated with a real DRF token (anonymous without a user)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def event_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["event_id"] for row in response.json()["results"]]


@dataclass
class World:
    """Places, actors, sources and five events whose filter results are known by hand."""

    places: dict[str, Place] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)

    def ids(self, *names: str) -> set[str]:
        return {self.events[name].event_id for name in names}


def _place(name: str, kind: str, parent: Place | None = None, **extra) -> Place:
    place = Place(name=name, kind=kind, parent=parent, **extra)
    place.full_clean()
    place.save()
    return place


def _event(*, status: str = Status.PUBLISHED, updated_at: dt.datetime | None = None, **fields) -> Event:
    event = event_create(**fields)
    changes = {"status": status}
    if updated_at:
        changes["updated_at"] = updated_at
    Event.objects.filter(pk=event.pk).update(**changes)
    event.refresh_from_db()
    return event


def build_world() -> World:
    """Syria (Aleppo, Idlib) and Iraq (Baghdad); five events, one of them a draft.

    battle      SYR Aleppo city, 2015-03-10 (day),      Battles/Armed clash, army vs IS, 10 dead, SOHR
    airstrike   SYR Idlib town,  2015-06-15 (week: 12–18 June), Air/drone strike on civilians, 3 dead, Reuters
    protest     IRQ Baghdad,     2015-12-15 (month: all December), Peaceful protest, 0 dead, Reuters
    riot        SYR Aleppo city, 2016-01-05 (day),      Riots/Mob violence, DRAFT
    regain      SYR Aleppo (admin1), 2014-12-31 (week: 28 Dec–3 Jan), Gov. regains territory, 50 dead, SOHR
    """
    w = World()
    syria = _place("Syria", PlaceKind.COUNTRY, country_code="SYR", latitude=35.0, longitude=38.5)
    iraq = _place("Iraq", PlaceKind.COUNTRY, country_code="IRQ", latitude=33.0, longitude=44.0)
    aleppo = _place("Aleppo", PlaceKind.ADMIN1, syria, latitude=36.2, longitude=37.2)
    aleppo_district = _place("Jebel Saman", PlaceKind.ADMIN2, aleppo)
    aleppo_city = _place("Aleppo", PlaceKind.LOCALITY, aleppo_district, latitude=36.2, longitude=37.16)
    idlib = _place("Idlib", PlaceKind.ADMIN1, syria)
    idlib_town = _place("Saraqib", PlaceKind.LOCALITY, idlib, latitude=35.86, longitude=36.8)
    baghdad = _place("Baghdad", PlaceKind.ADMIN1, iraq)
    baghdad_city = _place("Baghdad", PlaceKind.LOCALITY, baghdad, latitude=33.3, longitude=44.4)
    w.places.update(
        syria=syria,
        iraq=iraq,
        aleppo=aleppo,
        aleppo_district=aleppo_district,
        aleppo_city=aleppo_city,
        idlib=idlib,
        idlib_town=idlib_town,
        baghdad=baghdad,
        baghdad_city=baghdad_city,
    )

    army = Actor.objects.create(
        name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES, country="SYR"
    )
    islamic_state = Actor.objects.create(
        name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP, aliases="ISIS\nDaesh"
    )
    protesters = Actor.objects.create(name="Protesters (Iraq)", kind=InterCode.PROTESTERS, country="IRQ")
    civilians = Actor.objects.create(name="Civilians (Syria)", kind=InterCode.CIVILIANS, country="SYR")
    rioters = Actor.objects.create(name="Rioters (Syria)", kind=InterCode.RIOTERS, country="SYR")
    w.actors.update(
        army=army, islamic_state=islamic_state, protesters=protesters, civilians=civilians, rioters=rioters
    )

    sohr = Source.objects.create(name="Syrian Observatory for Human Rights", kind="ngo", country="GBR")
    reuters = Source.objects.create(name="Reuters", kind="news_agency", country="GBR")
    w.sources.update(sohr=sohr, reuters=reuters)

    w.events["battle"] = _event(
        event_date=dt.date(2015, 3, 10),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=aleppo_city,
        fatalities=10,
        notes="Government forces clashed with Islamic State fighters near the airport.",
        actors=[(army, ActorRole.ACTOR1), (islamic_state, ActorRole.ACTOR2)],
        citations=[{"source": sohr, "quote": "Ten fighters were killed.", "field": "fatalities"}],
        updated_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
    )
    w.events["airstrike"] = _event(
        event_date=dt.date(2015, 6, 15),
        time_precision=TimePrecision.WEEK,
        event_type=EventType.EXPLOSIONS,
        sub_event_type=SubEventType.AIR_DRONE_STRIKE,
        place=idlib_town,
        fatalities=3,
        civilian_targeting=True,
        notes="An air strike hit the market.",
        actors=[(army, ActorRole.ACTOR1), (civilians, ActorRole.ACTOR2)],
        citations=[{"source": reuters, "url": "https://example.org/a", "quote": "Three died."}],
        updated_at=dt.datetime(2024, 2, 1, tzinfo=UTC),
    )
    w.events["protest"] = _event(
        event_date=dt.date(2015, 12, 15),
        time_precision=TimePrecision.MONTH,
        event_type=EventType.PROTESTS,
        sub_event_type=SubEventType.PEACEFUL_PROTEST,
        place=baghdad_city,
        fatalities=0,
        notes="Peaceful protesters demanded an end to corruption.",
        actors=[(protesters, ActorRole.ACTOR1)],
        citations=[{"source": reuters, "quote": "Hundreds marched."}],
        updated_at=dt.datetime(2024, 3, 1, tzinfo=UTC),
    )
    w.events["riot"] = _event(
        status=Status.DRAFT,
        event_date=dt.date(2016, 1, 5),
        event_type=EventType.RIOTS,
        sub_event_type=SubEventType.MOB_VIOLENCE,
        place=aleppo_city,
        fatalities=1,
        notes="A mob attacked a shop.",
        actors=[(rioters, ActorRole.ACTOR1)],
        updated_at=dt.datetime(2024, 5, 1, tzinfo=UTC),
    )
    w.events["regain"] = _event(
        event_date=dt.date(2014, 12, 31),
        time_precision=TimePrecision.WEEK,
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.GOVERNMENT_REGAINS_TERRITORY,
        place=aleppo,
        fatalities=50,
        notes="The army retook the villages east of the city.",
        actors=[(army, ActorRole.ACTOR1), (islamic_state, ActorRole.ACTOR2)],
        citations=[{"source": sohr, "quote": "The army regained control."}],
        updated_at=dt.datetime(2024, 4, 1, tzinfo=UTC),
    )
    return w


def build_small_world() -> Event:
    """One published event with its place, actors and citation, and one tombstone (for fuzzing)."""
    syria = _place("Syria", PlaceKind.COUNTRY, country_code="SYR")
    town = _place("Palmyra", PlaceKind.LOCALITY, syria, latitude=34.55, longitude=38.27)
    army = Actor.objects.create(name="Military Forces of Syria (2000-2024)", kind=InterCode.STATE_FORCES)
    rebels = Actor.objects.create(name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP, aliases="ISIS")
    source = Source.objects.create(name="Reuters", kind="news_agency")
    Tombstone.objects.create(
        event_id="SYR999", removed_at=dt.datetime(2024, 1, 1, tzinfo=UTC), reason="error"
    )
    return _event(
        event_date=dt.date(2015, 5, 20),
        time_precision=TimePrecision.WEEK,
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
        place=town,
        fatalities=12,
        notes="Islamic State took Palmyra.",
        actors=[(army, ActorRole.ACTOR1), (rebels, ActorRole.ACTOR2)],
        citations=[{"source": source, "url": "https://example.org/p", "quote": "IS took the town."}],
    )
