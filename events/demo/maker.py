"""One synthetic event at a time, with its actors, citations and (if retracted) tombstone."""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence

from events.demo.words import (
    BATTLE_PAIRS,
    DETAILS,
    EVENT_TYPE_WEIGHTS,
    FATALITY_SENTENCES,
    FATALITY_SHAPES,
    GEO,
    MONTHS,
    NO_FATALITY_SENTENCES,
    NOTE_TEMPLATES,
    PROTEST_DETAILS,
    RETRACTION_REASONS,
    ROLE,
    SOURCE_SCALES,
    STATUS,
    SUB_EVENT_WEIGHTS,
    TARGETS,
    TIME,
    VAC_PERPETRATORS,
    WHERE_TEMPLATES,
    WORD_POOLS,
    E,
    K,
    S,
)
from events.demo.world import DEMO_FIRST_DAY, DEMO_LAST_DAY, DEMO_NOW, WEEKLY_IMPORTS_FROM, Country, World
from events.rules import event_derived


def cumulative(pairs: Sequence[tuple[object, float]]) -> tuple[list, list[float]]:
    values, weights, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        weights.append(total)
    return values, weights


class EventMaker:
    """Makes one event at a time, with its actors, citations and (if retracted) tombstone."""

    def __init__(
        self, rng: random.Random, world: World, *, first_ids: dict[str, int], serials: dict[str, int]
    ):
        self.rng = rng
        self.world = world
        self.ids = dict(first_ids)
        self.serials = serials
        self.countries, self.country_weights = cumulative([(c, c.weight) for c in world.countries])
        self.types, self.type_weights = cumulative(EVENT_TYPE_WEIGHTS)
        self.sub_types = {t: cumulative(pairs) for t, pairs in SUB_EVENT_WEIGHTS.items()}
        self.battle_pairs, self.battle_weights = cumulative(BATTLE_PAIRS)
        # Coverage grows over the years, as ACLED's did.
        years = range(DEMO_FIRST_DAY.year, DEMO_LAST_DAY.year + 1)
        self.years, self.year_weights = cumulative([(y, 1 + (y - 1997) * 0.3) for y in years])
        self.day_counts = {
            y: ((dt.date(y, 12, 31) if y < DEMO_LAST_DAY.year else DEMO_LAST_DAY) - dt.date(y, 1, 1)).days + 1
            for y in years
        }

    def _pick(self, values: list, cum_weights: list[float]):
        """A weighted choice (what random.choices does, without its per-call overhead)."""
        return values[bisect(cum_weights, self.rng.random() * cum_weights[-1])]

    def _id(self, table: str) -> int:
        pk = self.ids[table]
        self.ids[table] = pk + 1
        return pk

    def _armed(
        self, country: Country, kind: int, day: dt.date, *, police: bool = False
    ) -> tuple[int, str, int]:
        """(actor id, name, inter) of an actor of this kind in this country at this date."""
        rng = self.rng
        if kind == K.STATE_FORCES:
            regime = country.regime(day)
            pk = regime.police if police else regime.military
            return pk, self.world.actor_names[pk], K.STATE_FORCES
        if kind == K.EXTERNAL_OTHER and rng.random() < 0.5:
            # State forces acting abroad are coded 8 in that event (docs/architecture.md).
            foreign = rng.choice(country.foreign)
            pk = foreign.regime(day).military
            return pk, self.world.actor_names[pk], K.EXTERNAL_OTHER
        pk, name = rng.choice(country.actors[kind])
        return pk, name, kind

    def _other(self, country: Country, kind: int, day: dt.date, not_id: int) -> tuple[int, str, int]:
        for _ in range(4):
            actor = self._armed(country, kind, day)
            if actor[0] != not_id:
                return actor
        # Every country has an "Unidentified Armed Group" and at least two identity militias.
        kind = (
            K.POLITICAL_MILITIA if country.actors[K.POLITICAL_MILITIA][0][0] != not_id else K.IDENTITY_MILITIA
        )
        pk, name = country.actors[kind][0]
        return pk, name, kind

    def _civilians(self, country: Country) -> tuple[int, str, int]:
        pk, name = country.actors[K.CIVILIANS][0]
        return pk, name, K.CIVILIANS

    def make(self) -> tuple[tuple, list[tuple], list[tuple], tuple | None]:
        rng = self.rng
        rand = rng.random
        country = self._pick(self.countries, self.country_weights)
        year = self._pick(self.years, self.year_weights)
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(self.day_counts[year]))
        roll = rand()
        precision = TIME.DAY if roll < 0.86 else TIME.WEEK if roll < 0.96 else TIME.MONTH
        end_date = None
        if precision == TIME.DAY and rand() < 0.02:
            end_date = min(day + dt.timedelta(days=rng.randint(1, 6)), DEMO_LAST_DAY)
        event_type = self._pick(self.types, self.type_weights)
        subs, sub_weights = self.sub_types[event_type]
        sub_type = self._pick(subs, sub_weights)

        # Where: mostly a town, sometimes only the district or province is known.
        roll = rand()
        if roll < 0.86:
            place = self._pick(country.localities, country.locality_weights)
            geo = GEO.EXACT if rand() < 0.8 else GEO.NEAR
        elif roll < 0.96:
            place, geo = rng.choice(country.admin2s), GEO.NEAR
        else:
            place, geo = rng.choice(country.admin1s), GEO.REGION
        place_id, place_name, admin1, admin2 = place

        actor1, assoc1, actor2, assoc2, civilian = self._actors(country, event_type, sub_type, day)
        fatalities = self._fatalities(event_type, sub_type)
        notes, tags = self._notes(
            country,
            event_type,
            sub_type,
            day,
            precision,
            place_name,
            admin1,
            admin2,
            actor1,
            actor2,
            fatalities,
        )
        inter1 = actor1[2] if actor1 else None
        inter2 = actor2[2] if actor2 else None
        disorder_type, interaction, period_start, period_end = event_derived(
            event_type, sub_type, day, precision, end_date, inter1, inter2
        )
        pk = self._id("event")
        serial = self.serials.get(country.code, 0) + 1
        self.serials[country.code] = serial

        # Roles, in the order event_create gives positions.
        event_actors = []
        position = 0
        for role, actors in (
            (ROLE.ACTOR1, [actor1] if actor1 else []),
            (ROLE.ASSOC_ACTOR_1, assoc1),
            (ROLE.ACTOR2, [actor2] if actor2 else []),
            (ROLE.ASSOC_ACTOR_2, assoc2),
        ):
            for actor in actors:
                event_actors.append((self._id("eventactor"), pk, actor[0], role, actor[2], position))
                position += 1

        status, created_at, updated_at, batch_id, version, source_ts = self._lifecycle(day)
        retracted_at, reason, tombstone = None, "", None
        if status == STATUS.RETRACTED:
            retracted_at = min(updated_at + dt.timedelta(days=rng.randint(1, 60)), DEMO_NOW)
            updated_at = retracted_at
            reason = rng.choice(RETRACTION_REASONS)
            tombstone = (self._id("tombstone"), f"{country.code}{serial}", retracted_at, reason, False)

        citations, scales = self._citations(pk, country, day, notes, fatalities)
        source_scale = scales[0] if len(set(scales)) == 1 else f"{scales[0]}-{scales[1]}"
        if source_scale not in SOURCE_SCALES:
            source_scale = scales[0]
        event = (
            pk,
            f"{country.code}{serial}",
            day,
            precision,
            end_date,
            period_start,
            period_end,
            event_type,
            sub_type,
            "",
            disorder_type,
            interaction,
            place_id,
            geo,
            fatalities,
            civilian,
            notes,
            tags,
            source_scale,
            status,
            retracted_at,
            reason,
            created_at,
            updated_at,
            batch_id,
            version,
            source_ts,
        )
        return event, event_actors, citations, tombstone

    def _actors(self, country: Country, event_type: str, sub_type: str, day: dt.date):
        """actor1, assoc_actor_1 list, actor2, assoc_actor_2 list, civilian_targeting."""
        rng, rand = self.rng, self.rng.random
        armed, other = self._armed, self._other
        a1 = a2 = None
        assoc1: list = []
        assoc2: list = []
        civilian = False
        if event_type == E.PROTESTS:
            pk, name = country.actors[K.PROTESTERS][0]
            a1 = (pk, name, K.PROTESTERS)
            if rand() < 0.35:
                pool = country.social + country.parties
                picks = rng.sample(pool, 1 if rand() < 0.8 else 2)
                assoc1 = [
                    (pk, name, K.PROTESTERS if (pk, name) in country.parties else K.CIVILIANS)
                    for pk, name in picks
                ]
            if sub_type != S.PEACEFUL_PROTEST:
                a2 = armed(country, K.STATE_FORCES, day, police=rand() < 0.8)
                civilian = sub_type == S.EXCESSIVE_FORCE
        elif event_type == E.RIOTS:
            pk, name = country.actors[K.RIOTERS][0]
            a1 = (pk, name, K.RIOTERS)
            if sub_type == S.VIOLENT_DEMONSTRATION:
                if rand() < 0.45:
                    a2 = armed(country, K.STATE_FORCES, day, police=True)
            else:
                a2 = self._civilians(country)
                civilian = True
        elif event_type == E.BATTLES:
            if sub_type == S.GOVERNMENT_REGAINS_TERRITORY:
                a1 = armed(country, K.STATE_FORCES, day)
                a2 = armed(country, rng.choice((K.REBEL_GROUP, K.POLITICAL_MILITIA)), day)
            elif sub_type == S.NON_STATE_ACTOR_OVERTAKES_TERRITORY:
                a1 = armed(country, rng.choice((K.REBEL_GROUP, K.REBEL_GROUP, K.IDENTITY_MILITIA)), day)
                a2 = other(country, rng.choice((K.STATE_FORCES, K.POLITICAL_MILITIA)), day, a1[0])
            else:
                kinds = self._pick(self.battle_pairs, self.battle_weights)
                first, second = kinds if rand() < 0.5 else kinds[::-1]
                a1 = armed(country, first, day)
                a2 = other(country, second, day, a1[0])
        elif event_type == E.EXPLOSIONS:
            if sub_type in (S.AIR_DRONE_STRIKE, S.CHEMICAL_WEAPON):
                a1 = armed(country, K.STATE_FORCES if rand() < 0.8 else K.EXTERNAL_OTHER, day)
            elif sub_type == S.SHELLING:
                a1 = armed(country, K.STATE_FORCES if rand() < 0.6 else K.REBEL_GROUP, day)
            elif sub_type == S.SUICIDE_BOMB:
                a1 = armed(country, K.REBEL_GROUP, day)
            else:
                a1 = armed(country, K.POLITICAL_MILITIA if rand() < 0.6 else K.REBEL_GROUP, day)
            roll = rand()
            if roll < 0.4:
                a2, civilian = self._civilians(country), True
            elif roll < 0.75:
                a2 = other(
                    country,
                    K.REBEL_GROUP if a1[2] in (K.STATE_FORCES, K.EXTERNAL_OTHER) else K.STATE_FORCES,
                    day,
                    a1[0],
                )
        elif event_type == E.VIOLENCE_AGAINST_CIVILIANS:
            a1 = armed(country, rng.choice(VAC_PERPETRATORS), day)
            a2, civilian = self._civilians(country), True
            if rand() < 0.25:
                pk, name = rng.choice(country.social)
                assoc2 = [(pk, name, K.CIVILIANS)]
        else:  # Strategic developments
            if sub_type == S.ARRESTS:
                a1 = armed(country, K.STATE_FORCES, day, police=True)
                roll = rand()
                if roll < 0.3:
                    pk, name = country.actors[K.PROTESTERS][0]
                    a2 = (pk, name, K.PROTESTERS)
                elif roll < 0.6:
                    a2 = self._civilians(country)
                elif roll < 0.8:
                    a2 = armed(country, K.REBEL_GROUP, day)
            elif sub_type in (S.AGREEMENT, S.NON_VIOLENT_TRANSFER):
                a1 = armed(country, rng.choice((K.STATE_FORCES, K.REBEL_GROUP)), day)
                a2 = other(country, rng.choice((K.REBEL_GROUP, K.IDENTITY_MILITIA)), day, a1[0])
            elif sub_type == S.DISRUPTED_WEAPONS_USE:
                a1 = armed(country, K.STATE_FORCES, day)
                if rand() < 0.5:
                    a2 = armed(country, K.REBEL_GROUP, day)
            elif sub_type == S.LOOTING:
                a1 = armed(
                    country,
                    rng.choice((K.REBEL_GROUP, K.POLITICAL_MILITIA, K.IDENTITY_MILITIA, K.STATE_FORCES)),
                    day,
                )
                if rand() < 0.6:
                    a2 = self._civilians(country)
            else:
                a1 = armed(
                    country,
                    rng.choice((K.STATE_FORCES, K.REBEL_GROUP, K.POLITICAL_MILITIA, K.IDENTITY_MILITIA)),
                    day,
                )
        if a1 and a1[2] != K.PROTESTERS and a1[2] != K.RIOTERS and rand() < 0.05:
            assoc1 = [self._other(country, K.POLITICAL_MILITIA, day, a1[0])]
        if a2 is not None and a1 is not None and a2[0] == a1[0]:
            a2 = None
        if assoc1 and a1 and assoc1[0][0] == a1[0]:
            assoc1 = []
        return a1, assoc1, a2, assoc2, civilian

    def _fatalities(self, event_type: str, sub_type: str) -> int:
        """Zero for most events, a long tail for a few (ACLED's distribution is that skewed)."""
        zero, mu, sigma = FATALITY_SHAPES.get(sub_type, (1.0, 0.0, 0.0))
        if self.rng.random() < zero:
            return 0
        return min(1 + int(self.rng.lognormvariate(mu, sigma)), 1200)

    def _notes(
        self, country, event_type, sub_type, day, precision, place, admin1, admin2, a1, a2, fatalities
    ):
        """1-3 sentences in ACLED's style, from varied vocabulary (so full-text search means something)."""
        rng = self.rng
        choice = rng.choice
        if precision == TIME.DAY:
            when = f"On {day.day} {MONTHS[day.month]} {day.year}"
        elif precision == TIME.WEEK:
            when = f"During the week of {day.day} {MONTHS[day.month]} {day.year}"
        else:
            when = f"In {MONTHS[day.month]} {day.year}"
        area = admin2 or admin1
        if place != area:
            where = choice(WHERE_TEMPLATES).format(place=place, area=area, admin1=admin1)
        else:
            where = f"in {place} area ({admin1 or country.name})"
        slots = _Slots(rng, when=when, where=where, place=place, admin1=admin1)
        slots["a1"] = a1[1] if a1 else "unidentified actors"
        slots["a2"] = a2[1] if a2 else "unidentified actors"
        if event_type == E.EXPLOSIONS:
            slots["hit"] = f"{a2[1]} in {choice(TARGETS)}" if a2 else choice(TARGETS)
        elif sub_type == S.VIOLENT_DEMONSTRATION:
            slots["reaction"] = f" {a2[1]} {choice(WORD_POOLS['police_act'])}." if a2 else ""
        text = choice(NOTE_TEMPLATES[sub_type]).format_map(slots)
        tags = ""
        if event_type == E.PROTESTS:
            size = choice(WORD_POOLS["size"]).format(crowd_size=rng.randint(2, 50) * 10)
            text += f" [size={size}]"
            tags = f"crowd size={size}"
        elif fatalities:
            one, many = choice(FATALITY_SENTENCES)
            text += " " + (one if fatalities == 1 else many.format(n=fatalities))
        elif event_type in (E.BATTLES, E.EXPLOSIONS, E.VIOLENCE_AGAINST_CIVILIANS):
            text += " " + choice(NO_FATALITY_SENTENCES)
        details = PROTEST_DETAILS if event_type == E.PROTESTS else DETAILS
        while len(text) < 150 or (len(text) < 300 and rng.random() < 0.35):
            text += " " + choice(details)
        return text, tags

    def _lifecycle(self, day: dt.date):
        """status, created_at, updated_at, import batch, version, source timestamp."""
        rng = self.rng
        roll = rng.random()
        batch_id, source_ts, version = None, None, 1
        imported = roll < 0.7
        if imported:
            if day < WEEKLY_IMPORTS_FROM:
                batch_id, created = self.world.backfill_batches[day.year]
            else:
                monday = day + dt.timedelta(days=7 + (7 - day.weekday()) % 7)
                found = self.world.weekly_batches.get(monday.toordinal())
                if found is None:
                    imported = False
                else:
                    batch_id, created = found
        if imported:
            # Every row of an import batch shares its timestamp, as real bulk imports do.
            updated = created
            source_ts = int(created.timestamp()) - 86_400 * 3
            status = STATUS.RETRACTED if rng.random() < 0.01 else STATUS.PUBLISHED
            if rng.random() < 0.05:
                version = rng.randint(2, 4)
                updated = min(created + dt.timedelta(seconds=rng.randint(3_600, 40_000_000)), DEMO_NOW)
        else:
            start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
            created = min(start + dt.timedelta(seconds=rng.randint(86_400, 20 * 86_400)), DEMO_NOW)
            roll = rng.random()
            status = (
                STATUS.DRAFT
                if roll < 0.066
                else STATUS.REVIEWED
                if roll < 0.12
                else STATUS.RETRACTED
                if roll < 0.13
                else STATUS.PUBLISHED
            )
            version = 1 if status == STATUS.DRAFT else rng.randint(2, 5)
            updated = (
                created
                if version == 1
                else min(created + dt.timedelta(seconds=rng.randint(600, 5_000_000)), DEMO_NOW)
            )
        return status, created, updated, batch_id, version, source_ts

    def _citations(self, event_pk: int, country: Country, day: dt.date, notes: str, fatalities: int):
        rng = self.rng
        roll = rng.random()
        n = 1 if roll < 0.6 else 2 if roll < 0.9 else 3
        pool = country.sources
        picks = []
        while len(picks) < n:
            source = rng.choice(pool) if rng.random() < 0.75 else rng.choice(self.world.international_sources)
            if source not in picks:
                picks.append(source)
        quote = notes.split(". ", 1)[0].rstrip(".") + "."
        rows, scales = [], []
        for i, (source_id, _name, scale, slug) in enumerate(picks):
            published = day + dt.timedelta(days=rng.randint(0, 3))
            url = f"https://{slug}.example.org/{published.year}/{published.month:02}/{event_pk}-{i}"
            field_name, reported = "", None
            if i and fatalities and rng.random() < 0.5:
                field_name, reported = "fatalities", max(0, fatalities + rng.randint(-3, 5))
            rows.append(
                (
                    self._id("citation"),
                    event_pk,
                    source_id,
                    url,
                    quote if i == 0 else "",
                    published,
                    published + dt.timedelta(days=rng.randint(0, 10)),
                    "",
                    field_name,
                    reported,
                )
            )
            scales.append(scale)
        return rows, scales


class _Slots(dict):
    """Template slots; a slot not set is drawn from its word pool (or a number) when used."""

    def __init__(self, rng: random.Random, **slots: str) -> None:
        super().__init__(slots)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key == "few":
            return str(self.rng.randint(2, 40))
        if key == "many":
            return str(self.rng.randint(2, 60))
        return self.rng.choice(WORD_POOLS[key])
