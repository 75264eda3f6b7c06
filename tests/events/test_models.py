"""The data model: database constraints, derived fields, the place hierarchy, event ids."""

import datetime as dt
import itertools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from actors.models import Actor, ActorRelation
from core.vocab import (
    EVENT_TAXONOMY,
    ActorRole,
    DisorderType,
    EventType,
    InterCode,
    SubEventType,
    TimePrecision,
    disorder_type_for,
    interaction_for,
    legacy_event_type_map,
    parse_inter,
)
from events.models import Event, EventIdCounter, Source, event_period
from events.services import event_create, event_id_next
from places.models import Place, PlaceKind
from tests.factories import ActorFactory, CountryFactory, EventFactory, PlaceFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _violates(callable_) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


class TestDatabaseConstraints:
    def test_negative_fatalities_are_refused_by_the_database(self):
        event = EventFactory()
        _violates(lambda: Event.objects.filter(pk=event.pk).update(fatalities=-1))

    def test_invalid_event_and_sub_event_pair_is_refused_by_the_database(self):
        event = EventFactory()
        _violates(
            lambda: Event.objects.filter(pk=event.pk).update(
                event_type=EventType.RIOTS, sub_event_type=SubEventType.ARMED_CLASH
            )
        )

    def test_blank_sub_event_type_is_refused_without_a_legacy_type(self):
        event = EventFactory()
        _violates(lambda: Event.objects.filter(pk=event.pk).update(sub_event_type=""))
        Event.objects.filter(pk=event.pk).update(sub_event_type="", legacy_event_type="Remote violence")

    def test_latitude_91_is_refused_by_the_database(self):
        place = PlaceFactory()
        _violates(lambda: Place.objects.filter(pk=place.pk).update(latitude=91))

    def test_longitude_181_is_refused_by_the_database(self):
        place = PlaceFactory()
        _violates(lambda: Place.objects.filter(pk=place.pk).update(longitude=-181))

    def test_duplicate_actor_name_is_refused(self):
        ActorFactory(name="Islamic State (Syria)")
        _violates(lambda: Actor.objects.create(name="Islamic State (Syria)", kind=2))

    def test_duplicate_source_name_is_refused(self):
        SourceFactory(name="SOHR")
        _violates(lambda: Source.objects.create(name="SOHR"))

    def test_duplicate_event_id_is_refused(self):
        EventFactory(event_id="SYR1")
        _violates(lambda: EventFactory(event_id="SYR1"))

    def test_duplicate_place_under_the_same_parent_is_refused(self):
        syria = CountryFactory()
        PlaceFactory(parent=syria, name="Palmyra")
        _violates(lambda: PlaceFactory(parent=syria, name="Palmyra"))

    def test_duplicate_root_place_is_refused_although_parent_is_null(self):
        CountryFactory()
        _violates(lambda: Place.objects.create(name="Syria", kind=PlaceKind.COUNTRY, country_code="SYR"))

    def test_same_name_at_different_levels_is_allowed(self):
        syria = CountryFactory()
        aleppo1 = PlaceFactory(parent=syria, name="Aleppo", kind=PlaceKind.ADMIN1)
        aleppo2 = PlaceFactory(parent=aleppo1, name="Aleppo", kind=PlaceKind.ADMIN2)
        PlaceFactory(parent=aleppo2, name="Aleppo", kind=PlaceKind.LOCALITY)
        assert Place.objects.filter(name="Aleppo").count() == 3

    def test_an_actor_cannot_relate_to_itself(self):
        actor = ActorFactory()
        _violates(lambda: ActorRelation.objects.create(subject=actor, object=actor, kind="allied_with"))

    def test_an_event_has_one_actor1(self):
        event = EventFactory()
        event.event_actors.create(actor=ActorFactory(), role=ActorRole.ACTOR1)
        _violates(lambda: event.event_actors.create(actor=ActorFactory(), role=ActorRole.ACTOR1))

    def test_an_event_may_have_several_associated_actors(self):
        event = EventFactory()
        event.event_actors.create(actor=ActorFactory(), role=ActorRole.ASSOC_ACTOR_1)
        event.event_actors.create(actor=ActorFactory(), role=ActorRole.ASSOC_ACTOR_1)
        assert event.event_actors.count() == 2


class TestValidationMessages:
    def test_full_clean_names_the_invalid_sub_event_type(self):
        event = EventFactory.build(
            event_type=EventType.PROTESTS, sub_event_type=SubEventType.ARMED_CLASH, place=PlaceFactory()
        )
        with pytest.raises(ValidationError) as error:
            event.full_clean(exclude=["event_id", "period_start", "period_end", "disorder_type"])
        assert "“Armed clash” is not a sub-event type of “Protests”" in str(error.value)

    def test_full_clean_refuses_negative_fatalities_with_a_message(self):
        event = EventFactory.build(fatalities=-3, place=PlaceFactory())
        with pytest.raises(ValidationError) as error:
            event.full_clean(exclude=["event_id", "period_start", "period_end", "disorder_type"])
        assert "Fatalities cannot be negative." in error.value.message_dict["fatalities"]

    def test_a_place_cannot_sit_under_a_lower_kind(self):
        locality = PlaceFactory()
        admin1 = Place(name="Homs", kind=PlaceKind.ADMIN1, parent=locality)
        with pytest.raises(ValidationError) as error:
            admin1.full_clean()
        assert "cannot sit under" in str(error.value)


class TestDerivedFields:
    @pytest.mark.parametrize(
        ("event_type", "sub_event_type"),
        [(et, st) for et, subs in EVENT_TAXONOMY.items() for st in subs],
    )
    def test_every_acled_pair_is_valid_and_gets_its_disorder_type(self, event_type, sub_event_type):
        event = EventFactory(event_type=event_type, sub_event_type=sub_event_type)
        event.refresh_from_db()
        assert event.disorder_type == disorder_type_for(event_type, sub_event_type)

    def test_disorder_types_follow_the_codebook(self):
        assert disorder_type_for("Battles", "Armed clash") == DisorderType.POLITICAL_VIOLENCE
        assert disorder_type_for("Riots", "Mob violence") == DisorderType.POLITICAL_VIOLENCE
        assert disorder_type_for("Riots", "Violent demonstration") == DisorderType.DEMONSTRATIONS
        assert disorder_type_for("Protests", "Peaceful protest") == DisorderType.DEMONSTRATIONS
        assert (
            disorder_type_for("Protests", "Excessive force against protesters")
            == "Political violence; Demonstrations"
        )
        assert disorder_type_for("Strategic developments", "Arrests") == "Strategic developments"

    @pytest.mark.parametrize(
        ("inter1", "inter2"), list(itertools.product([None, *InterCode.values], repeat=2))
    )
    def test_interaction_for_every_inter_combination(self, inter1, inter2):
        codes = sorted(c for c in (inter1, inter2) if c)
        expected = None if not codes else codes[0] * 10 + (codes[1] if len(codes) == 2 else 0)
        assert interaction_for(inter1, inter2) == expected

    def test_interaction_examples_from_the_codebook(self):
        assert interaction_for(1, 2) == 12
        assert interaction_for(7, 1) == 17
        assert interaction_for(6, None) == 60
        assert interaction_for(8, 2) == 28

    def test_event_interaction_uses_the_inter_code_in_that_event(self):
        russia = ActorFactory(name="Military Forces of Russia (2000-)", kind=InterCode.STATE_FORCES)
        isis = ActorFactory(name="Islamic State (Syria)", kind=InterCode.REBEL_GROUP)
        event = event_create(
            event_date=dt.date(2015, 9, 30),
            event_type=EventType.EXPLOSIONS,
            sub_event_type=SubEventType.AIR_DRONE_STRIKE,
            place=PlaceFactory(),
            actors=[(russia, ActorRole.ACTOR1), (isis, ActorRole.ACTOR2)],
        )
        assert event.interaction == 12
        event.event_actors.filter(role=ActorRole.ACTOR1).update(inter=InterCode.EXTERNAL_OTHER)
        from events.services import event_sync_interaction

        event_sync_interaction(event=event)
        event.refresh_from_db()
        assert event.interaction == 28

    @pytest.mark.parametrize(
        ("precision", "date", "period"),
        [
            (TimePrecision.DAY, dt.date(2015, 5, 20), (dt.date(2015, 5, 20), dt.date(2015, 5, 20))),
            (TimePrecision.WEEK, dt.date(2015, 11, 11), (dt.date(2015, 11, 8), dt.date(2015, 11, 14))),
            (TimePrecision.MONTH, dt.date(2015, 5, 15), (dt.date(2015, 5, 1), dt.date(2015, 5, 31))),
            (TimePrecision.MONTH, dt.date(2016, 2, 15), (dt.date(2016, 2, 1), dt.date(2016, 2, 29))),
        ],
    )
    def test_event_period_follows_time_precision(self, precision, date, period):
        assert event_period(date, precision) == period
        event = EventFactory(event_date=date, time_precision=precision)
        event.refresh_from_db()
        assert (event.period_start, event.period_end) == period

    def test_end_date_extends_the_period(self):
        assert event_period(dt.date(2015, 5, 1), 1, dt.date(2015, 5, 9))[1] == dt.date(2015, 5, 9)

    def test_geo_precision_defaults_from_the_place(self):
        event = EventFactory(place=PlaceFactory(geo_precision=2))
        assert event.geo_precision == 2


class TestVocabularyParsing:
    @pytest.mark.parametrize(
        ("raw", "code"),
        [("1", 1), ("8", 8), ("2.0", 2), ("State forces", 1), ("civilians", 7), ("", None), ("0", None)],
    )
    def test_inter_codes_are_read_as_numbers_or_labels(self, raw, code):
        assert parse_inter(raw) == code

    @pytest.mark.parametrize("raw", ["9", "Aliens", "1e400", "nan", "-inf"])
    def test_unknown_inter_codes_are_refused(self, raw):
        with pytest.raises(ValueError):
            parse_inter(raw)

    @pytest.mark.parametrize(
        ("legacy", "inter1", "expected"),
        [
            ("Battle-No change of territory", 1, ("Battles", "Armed clash")),
            (
                "Battle-Non-state actors overtake territory",
                2,
                ("Battles", "Non-state actor overtakes territory"),
            ),
            ("Violence Against Civilians", 2, ("Violence against civilians", "")),
            ("Riots/Protests", 6, ("Protests", "")),
            ("Riots/Protests", 5, ("Riots", "")),
            ("Remote violence", 1, ("Explosions/Remote violence", "")),
            (
                "Headquarters or base established",
                2,
                ("Strategic developments", "Headquarters or base established"),
            ),
            ("Strategic development", 1, ("Strategic developments", "")),
        ],
    )
    def test_legacy_event_types_map_to_the_current_vocabulary(self, legacy, inter1, expected):
        assert legacy_event_type_map(legacy, inter1) == expected


class TestPlaceHierarchy:
    @pytest.fixture
    def tree(self):
        syria = CountryFactory()
        homs = Place.objects.create(name="Homs", kind=PlaceKind.ADMIN1, parent=syria)
        tadmor = Place.objects.create(name="Tadmor", kind=PlaceKind.ADMIN2, parent=homs)
        palmyra = Place.objects.create(name="Palmyra", kind=PlaceKind.LOCALITY, parent=tadmor)
        theatre = Place.objects.create(name="Roman theatre", kind=PlaceKind.SITE, parent=palmyra)
        aleppo = Place.objects.create(name="Aleppo", kind=PlaceKind.ADMIN1, parent=syria)
        return {
            "syria": syria,
            "homs": homs,
            "tadmor": tadmor,
            "palmyra": palmyra,
            "theatre": theatre,
            "aleppo": aleppo,
        }

    def test_labels_and_country_code_are_inherited(self, tree):
        theatre = tree["theatre"]
        assert (theatre.country_code, theatre.country_name, theatre.admin1, theatre.admin2) == (
            "SYR",
            "Syria",
            "Homs",
            "Tadmor",
        )
        assert theatre.hierarchy == ["Syria", "Homs", "Tadmor", "Roman theatre"]
        assert theatre.depth == 4

    def test_subtree_is_one_query_and_the_right_set(self, tree, django_assert_num_queries):
        with django_assert_num_queries(1):
            names = set(Place.objects.subtree(tree["homs"]).values_list("name", flat=True))
        assert names == {"Homs", "Tadmor", "Palmyra", "Roman theatre"}

    def test_subtree_does_not_match_sibling_ids_sharing_a_prefix(self, tree):
        # Paths end with "/", so place 1's subtree never includes place 12.
        assert tree["aleppo"] not in Place.objects.subtree(tree["homs"])

    def test_events_in_a_place_include_those_in_its_subtree(self, tree):
        at_theatre = EventFactory(place=tree["theatre"])
        at_palmyra = EventFactory(place=tree["palmyra"])
        EventFactory(place=tree["aleppo"])
        assert set(Event.objects.in_place(tree["palmyra"])) == {at_theatre, at_palmyra}

    def test_renaming_a_place_relabels_everything_under_it(self, tree):
        homs = tree["homs"]
        homs.name = "Hims"
        homs.save()
        assert Place.objects.get(pk=tree["theatre"].pk).admin1 == "Hims"

    def test_moving_a_place_rewrites_the_paths_below(self, tree):
        palmyra = tree["palmyra"]
        palmyra.parent = tree["homs"]
        palmyra.save()
        theatre = Place.objects.get(pk=tree["theatre"].pk)
        assert theatre.path == f"{tree['homs'].path}{palmyra.pk}/{theatre.pk}/"
        assert theatre.admin2 == ""

    @pytest.mark.postgres
    def test_subtree_query_uses_the_path_index_on_postgresql(self, tree):
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(
                "EXPLAIN SELECT id FROM places_place WHERE path LIKE %s", [tree["homs"].path + "%"]
            )
            plan = " ".join(row[0] for row in cursor.fetchall())
        assert "place_path_idx" in plan


class TestEventIds:
    def test_event_ids_are_iso3_plus_serial(self):
        place = PlaceFactory()
        first = event_create(
            event_date=dt.date(2015, 11, 1), event_type="Battles", sub_event_type="Armed clash", place=place
        )
        second = event_create(
            event_date=dt.date(2015, 11, 2), event_type="Battles", sub_event_type="Armed clash", place=place
        )
        assert (first.event_id, second.event_id) == ("SYR1", "SYR2")

    def test_ids_already_taken_by_imports_are_skipped(self):
        EventFactory(event_id="SYR1")
        EventFactory(event_id="SYR2")
        assert event_id_next(prefix="SYR") == "SYR3"

    def test_ids_are_never_reused_after_a_delete(self):
        place = PlaceFactory()
        event = event_create(
            event_date=dt.date(2015, 11, 1), event_type="Battles", sub_event_type="Armed clash", place=place
        )
        event.delete()
        assert event_id_next(prefix="SYR") == "SYR2"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_event_ids_are_unique_under_concurrent_transactions():
    """Two transactions ask for ids at once; the row lock serialises them."""
    EventIdCounter.objects.create(prefix="SYR", last=0)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                ids = [event_id_next(prefix="SYR") for _ in range(20)]
            results.extend(ids)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results, key=lambda i: int(i[3:])) == [f"SYR{n}" for n in range(1, 41)]


def test_hierarchy_keeps_a_town_named_like_its_province():
    turkey = CountryFactory(name="Turkey", country_code="TUR")
    istanbul1 = Place.objects.create(name="Istanbul", kind=PlaceKind.ADMIN1, parent=turkey)
    istanbul = Place.objects.create(name="Istanbul", kind=PlaceKind.LOCALITY, parent=istanbul1)
    assert istanbul.hierarchy == ["Turkey", "Istanbul", "Istanbul"]
    assert istanbul1.hierarchy == ["Turkey", "Istanbul"]
