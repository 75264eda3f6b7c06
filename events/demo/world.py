"""The reference data seed_demo invents: places, actors, sources and import batches."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from actors.models import Actor, ActorRelation
from core.countries import country_by_iso3
from core.vocab import ActorRelationKind, GeoPrecision
from events.demo.words import (
    COUNTRIES,
    IDENTITY_PATTERNS,
    INTERNATIONAL_SOURCES,
    MILITIA_PATTERNS,
    NAME_STYLES,
    NATIONAL_SOURCE_PATTERNS,
    REBEL_PATTERNS,
    SOCIAL_GROUPS,
    K,
)
from events.models import ImportBatch, Source
from places.models import Place, PlaceKind

DEMO_FIRST_DAY = dt.date(1997, 1, 1)
DEMO_LAST_DAY = dt.date(2026, 10, 31)
# "Now" for synthetic timestamps: fixed, so runs do not depend on the clock.
DEMO_NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# Before this day events arrive in yearly backfill imports, after it in weekly uploads.
WEEKLY_IMPORTS_FROM = dt.date(2018, 1, 1)


def next_id(model) -> int:
    """The first free primary key: seed_demo assigns ids itself and resets sequences after."""
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


class Namer:
    """Invented but plausible place and group names in a country's naming style."""

    def __init__(self, rng: random.Random, style: str) -> None:
        self.rng = rng
        self.parts = NAME_STYLES[style]
        self.used: set[str] = set()

    def name(self) -> str:
        prefixes, first, second, endings = self.parts
        choice = self.rng.choice
        for _ in range(50):
            prefix = choice(prefixes)
            core = choice(first) + choice(second) + choice(endings)
            if prefix and prefix[-1] not in " -":
                core = core.lower()
            candidate = prefix + core
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        candidate = f"{candidate} {len(self.used)}"
        self.used.add(candidate)
        return candidate

    def word(self) -> str:
        """A bare name without prefix, for groups and peoples."""
        _, first, second, endings = self.parts
        return self.rng.choice(first) + self.rng.choice(second) + self.rng.choice(endings).strip()


@dataclass
class Regime:
    """A period of government: its state forces carry the period in their names ("(2011-)")."""

    start: dt.date
    end: dt.date
    military: int
    police: int
    government: int


@dataclass
class Country:
    """One country's invented places, actors and sources, in the shapes the event maker uses."""

    code: str
    name: str
    weight: int
    place_id: int = 0
    localities: list[tuple] = field(default_factory=list)  # (place_id, name, admin1, admin2)
    locality_weights: list[float] = field(default_factory=list)
    admin2s: list[tuple] = field(default_factory=list)
    admin1s: list[tuple] = field(default_factory=list)
    regimes: list[Regime] = field(default_factory=list)
    actors: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # kind -> [(id, name)]
    social: list[tuple[int, str]] = field(default_factory=list)
    parties: list[tuple[int, str]] = field(default_factory=list)
    foreign: list[Country] = field(default_factory=list)
    sources: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, name, scale, slug

    def regime(self, day: dt.date) -> Regime:
        for regime in self.regimes:
            if regime.start <= day <= regime.end:
                return regime
        return self.regimes[-1]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _country_name(code: str) -> str:
    return country_by_iso3(code).name


class World:
    """Reference data: built once per run, written before the events that point at it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.countries: list[Country] = []
        self.place_rows: list[tuple] = []
        self.actor_rows: list[tuple] = []
        self.relation_rows: list[tuple] = []
        self.source_rows: list[tuple] = []
        self.batch_rows: list[tuple] = []
        self.international_sources: list[tuple[int, str, str, str]] = []
        self.backfill_batches: dict[int, tuple[int, dt.datetime]] = {}  # year -> (id, time)
        self.weekly_batches: dict[int, tuple[int, dt.datetime]] = {}  # Monday ordinal -> (id, time)
        self.actor_names: dict[int, str] = {}

    def build(self) -> None:
        self._load_existing()
        for code, lat, lon, spread, weight, style in COUNTRIES:
            namer = Namer(self.rng, style)
            country = Country(code=code, name=_country_name(code), weight=weight)
            self._places(country, namer, lat, lon, spread)
            self._actors(country, namer)
            self._sources(country)
            self.countries.append(country)
        for country in self.countries:
            others = [c for c in self.countries if c is not country]
            country.foreign = self.rng.sample(others, 2)
        self._relations()
        self._international_sources()
        self._import_batches()

    # Existing rows are reused by natural key, so seeding into a database with data appends.
    def _load_existing(self) -> None:
        self.existing_places = {
            (parent, name, kind): (pk, path)
            for pk, parent, name, kind, path in Place.objects.values_list(
                "pk", "parent", "name", "kind", "path"
            )
        }
        self.existing_countries = {
            code: (pk, path)
            for pk, code, path in Place.objects.filter(kind=PlaceKind.COUNTRY, parent=None).values_list(
                "pk", "country_code", "path"
            )
        }
        self.existing_actors = dict(Actor.objects.values_list("name", "pk"))
        self.existing_sources = dict(Source.objects.values_list("name", "pk"))
        self.next_place = next_id(Place)
        self.next_actor = next_id(Actor)
        self.next_source = next_id(Source)
        self.next_batch = next_id(ImportBatch)
        self.next_relation = next_id(ActorRelation)

    def _place(self, *, name, kind, parent, country, lat, lon, precision, labels) -> tuple[int, str]:
        parent_id, parent_path, depth = parent
        if parent_id is None and kind == PlaceKind.COUNTRY and country in self.existing_countries:
            return self.existing_countries[country]
        found = self.existing_places.get((parent_id, name, kind))
        if found:
            return found
        pk = self.next_place
        self.next_place += 1
        path = f"{parent_path}{pk}/"
        self.place_rows.append(
            (pk, name, kind, parent_id, country, lat, lon, precision, None, path, depth, *labels)
        )
        return pk, path

    def _places(self, country: Country, namer: Namer, lat: float, lon: float, spread: float) -> None:
        rng = self.rng

        def near(lat0: float, lon0: float, radius: float) -> tuple[float, float]:
            la = max(-89.9, min(89.9, lat0 + rng.uniform(-radius, radius)))
            lo = max(-179.9, min(179.9, lon0 + rng.uniform(-radius, radius)))
            return round(la, 4), round(lo, 4)

        root = self._place(
            name=country.name,
            kind=PlaceKind.COUNTRY,
            parent=(None, "/", 0),
            country=country.code,
            lat=lat,
            lon=lon,
            precision=GeoPrecision.REGION,
            labels=(country.name, "", "", ""),
        )
        country.place_id = root[0]
        with_admin3 = rng.random() < 0.25
        for _ in range(rng.randint(6, 14)):
            a1_name = namer.name()
            a1_lat, a1_lon = near(lat, lon, spread * 0.8)
            a1 = self._place(
                name=a1_name,
                kind=PlaceKind.ADMIN1,
                parent=(root[0], root[1], 1),
                country=country.code,
                lat=a1_lat,
                lon=a1_lon,
                precision=GeoPrecision.REGION,
                labels=(country.name, a1_name, "", ""),
            )
            country.admin1s.append((a1[0], a1_name, a1_name, ""))
            for _ in range(rng.randint(3, 7)):
                a2_name = namer.name()
                a2_lat, a2_lon = near(a1_lat, a1_lon, spread * 0.25)
                labels = (country.name, a1_name, a2_name, "")
                a2 = self._place(
                    name=a2_name,
                    kind=PlaceKind.ADMIN2,
                    parent=(a1[0], a1[1], 2),
                    country=country.code,
                    lat=a2_lat,
                    lon=a2_lon,
                    precision=GeoPrecision.NEAR,
                    labels=labels,
                )
                country.admin2s.append((a2[0], a2_name, a1_name, a2_name))
                parent, depth, admin3 = (a2[0], a2[1]), 3, ""
                if with_admin3:
                    admin3 = namer.name()
                    a3 = self._place(
                        name=admin3,
                        kind=PlaceKind.ADMIN3,
                        parent=(a2[0], a2[1], 3),
                        country=country.code,
                        lat=a2_lat,
                        lon=a2_lon,
                        precision=GeoPrecision.NEAR,
                        labels=(country.name, a1_name, a2_name, admin3),
                    )
                    parent, depth = a3, 4
                for _ in range(rng.randint(3, 8)):
                    name = namer.name()
                    loc_lat, loc_lon = near(a2_lat, a2_lon, spread * 0.08)
                    loc = self._place(
                        name=name,
                        kind=PlaceKind.LOCALITY,
                        parent=(parent[0], parent[1], depth),
                        country=country.code,
                        lat=loc_lat,
                        lon=loc_lon,
                        precision=GeoPrecision.EXACT,
                        labels=(country.name, a1_name, a2_name, admin3),
                    )
                    country.localities.append((loc[0], name, a1_name, a2_name))
        # A few hot spots take most events (Zipf-like), as in real conflict data.
        ranks = list(range(1, len(country.localities) + 1))
        rng.shuffle(ranks)
        total = 0.0
        for rank in ranks:
            total += 1.0 / rank**0.9
            country.locality_weights.append(total)

    def _actor(self, name: str, kind: int, code: str, *, aliases="", start=None, end=None) -> tuple[int, str]:
        if name in self.existing_actors:
            pk = self.existing_actors[name]
            self.actor_names[pk] = name
            return pk, name
        pk = self.next_actor
        self.next_actor += 1
        self.existing_actors[name] = pk
        self.actor_names[pk] = name
        self.actor_rows.append((pk, name, kind, code, aliases, None, "", start, end, DEMO_NOW, DEMO_NOW))
        return pk, name

    def _unique_name(self, name: str, code: str) -> str:
        if name not in self.existing_actors:
            return name
        if f"{name} ({code})" not in self.existing_actors:
            return f"{name} ({code})"
        return f"{name} ({code}) {self.next_actor}"

    def _actors(self, country: Country, namer: Namer) -> None:
        rng, c, code = self.rng, country.name, country.code
        kinds: dict[int, list[tuple[int, str]]] = {kind: [] for kind in vars(K).values()}
        # State forces change names with regimes: "Military Forces of X (2011-)".
        cuts = sorted(rng.sample(range(1999, 2025), rng.randint(0, 2)))
        starts = [rng.randint(1965, 1996), *cuts]
        for i, start in enumerate(starts):
            last = i == len(starts) - 1
            period = f"{start}-" if last else f"{start}-{starts[i + 1]}"
            begin = dt.date(start, rng.randint(1, 12), 1)
            end = DEMO_LAST_DAY if last else dt.date(starts[i + 1], 1, 1) - dt.timedelta(days=1)
            dates = {"start": begin, "end": None if last else end}
            military = self._actor(f"Military Forces of {c} ({period})", K.STATE_FORCES, code, **dates)
            police = self._actor(f"Police Forces of {c} ({period})", K.STATE_FORCES, code, **dates)
            government = self._actor(f"Government of {c} ({period})", K.STATE_FORCES, code, **dates)
            regime_start = DEMO_FIRST_DAY if i == 0 else dt.date(start, 1, 1)
            country.regimes.append(Regime(regime_start, end, military[0], police[0], government[0]))
            kinds[K.STATE_FORCES] += [military, police]
        n = max(1, round(country.weight * rng.uniform(0.6, 1.4)))
        for _ in range(n):
            word, region = namer.word(), rng.choice(country.admin1s)[1]
            name = self._unique_name(rng.choice(REBEL_PATTERNS).format(n=word, r=region), code)
            initials = "".join(w[0] for w in name.split() if w[0].isupper())
            kinds[K.REBEL_GROUP].append(self._actor(name, K.REBEL_GROUP, code, aliases=initials))
        kinds[K.POLITICAL_MILITIA].append(
            self._actor(f"Unidentified Armed Group ({c})", K.POLITICAL_MILITIA, code)
        )
        for _ in range(1 + round(country.weight * rng.uniform(0.3, 0.9))):
            name = self._unique_name(rng.choice(MILITIA_PATTERNS).format(n=namer.word(), c=c), code)
            kinds[K.POLITICAL_MILITIA].append(self._actor(name, K.POLITICAL_MILITIA, code))
        for _ in range(2 + round(country.weight * rng.uniform(0.6, 1.6))):
            name = self._unique_name(rng.choice(IDENTITY_PATTERNS).format(n=namer.word(), c=c), code)
            kinds[K.IDENTITY_MILITIA].append(self._actor(name, K.IDENTITY_MILITIA, code))
        kinds[K.RIOTERS].append(self._actor(f"Rioters ({c})", K.RIOTERS, code))
        kinds[K.PROTESTERS].append(self._actor(f"Protesters ({c})", K.PROTESTERS, code))
        kinds[K.CIVILIANS].append(self._actor(f"Civilians ({c})", K.CIVILIANS, code))
        country.social = [self._actor(f"{group} ({c})", K.CIVILIANS, code) for group in SOCIAL_GROUPS]
        for _ in range(rng.randint(2, 4)):
            word = namer.word()
            name = self._unique_name(f"{word} Party", code)
            country.parties.append(self._actor(name, K.PROTESTERS, code, aliases=f"{word[0]}P"))
        kinds[K.EXTERNAL_OTHER].append(self._actor(f"Private Security Forces ({c})", K.EXTERNAL_OTHER, code))
        if country.weight >= 5:
            name = f"UN: United Nations Stabilization Mission in {c}"
            kinds[K.EXTERNAL_OTHER].append(self._actor(name, K.EXTERNAL_OTHER, ""))
        country.actors = kinds

    def _relations(self) -> None:
        """Some militias are backed by governments, some rebels allied or splintered."""
        seen: set[tuple[int, int, str]] = set()
        new_actor_ids = {row[0] for row in self.actor_rows}
        for country in self.countries:
            militias = country.actors[K.POLITICAL_MILITIA][1:]
            rebels = country.actors[K.REBEL_GROUP]
            pairs = []
            if militias:
                pairs.append((self.rng.choice(militias)[0], country.regimes[-1].government, "backed_by"))
            if len(rebels) >= 2:
                a, b = self.rng.sample(rebels, 2)
                kind = self.rng.choice((ActorRelationKind.ALLIED_WITH, ActorRelationKind.SPLINTER_OF))
                pairs.append((a[0], b[0], kind))
            for subject, obj, kind in pairs:
                key = (subject, obj, str(kind))
                if subject in new_actor_ids and key not in seen:
                    seen.add(key)
                    start = dt.date(self.rng.randint(1998, 2020), self.rng.randint(1, 12), 1)
                    self.relation_rows.append(
                        (self.next_relation, subject, obj, str(kind), start, None, None)
                    )
                    self.next_relation += 1

    def _source(self, name: str, kind: str, scale: str, code: str) -> tuple[int, str, str, str]:
        slug = _slug(name)
        if name in self.existing_sources:
            return self.existing_sources[name], name, scale, slug
        pk = self.next_source
        self.next_source += 1
        self.existing_sources[name] = pk
        self.source_rows.append((pk, name, kind, scale, f"https://{slug}.example.org/", code))
        return pk, name, scale, slug

    def _sources(self, country: Country) -> None:
        patterns = self.rng.sample(NATIONAL_SOURCE_PATTERNS, 2 + min(country.weight, 8) // 2 + 1)
        for pattern, kind, scale in patterns:
            town = self.rng.choice(country.localities)[1]
            source = self._source(pattern.format(c=country.name, t=town), kind, scale, country.code)
            if source not in country.sources:
                country.sources.append(source)

    def _international_sources(self) -> None:
        for name, kind, scale in INTERNATIONAL_SOURCES:
            self.international_sources.append(self._source(name, kind, scale, ""))

    def _batch(self, file_name: str, at: dt.datetime) -> int:
        pk = self.next_batch
        self.next_batch += 1
        sha = f"{self.rng.getrandbits(256):064x}"
        finished = at + dt.timedelta(minutes=self.rng.randint(1, 40))
        self.batch_rows.append(
            (
                pk,
                None,
                at,
                finished,
                file_name,
                sha,
                ImportBatch.Format.ACLED,
                ImportBatch.State.COMMITTED,
                [],
            )
        )
        return pk

    def _import_batches(self) -> None:
        """Yearly backfills (imported in 2018) and weekly uploads after that."""
        for year in range(DEMO_FIRST_DAY.year, WEEKLY_IMPORTS_FROM.year):
            at = dt.datetime(2018, 1, 15, 3, 0, tzinfo=dt.UTC) + dt.timedelta(hours=6 * (year - 1997))
            self.backfill_batches[year] = (self._batch(f"acled_backfill_{year}.csv", at), at)
        monday = WEEKLY_IMPORTS_FROM + dt.timedelta(days=(7 - WEEKLY_IMPORTS_FROM.weekday()) % 7)
        while True:
            at = dt.datetime.combine(monday, dt.time(6, 0), tzinfo=dt.UTC)
            if at > DEMO_NOW:
                break
            year, week, _ = monday.isocalendar()
            self.weekly_batches[monday.toordinal()] = (self._batch(f"acled_{year}-W{week:02d}.csv", at), at)
            monday += dt.timedelta(days=7)
