"""The seed data set (fixtures/seed.json): it loads, says what the article says, and is consistent."""

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from actors.models import Actor, ActorRelation
from core.vocab import ActorRole, Status, TimePrecision, disorder_type_for, interaction_for
from events.models import Citation, Event, EventActor, EventIdCounter, Source
from events.services import event_create, event_sync_interaction
from places.models import Place

SEED = settings.BASE_DIR / "fixtures" / "seed.json"
ARTICLE_NAME = "article-2015-11-syria-palmyra.txt"
ARTICLE = settings.BASE_DIR / "fixtures" / ARTICLE_NAME
SHARED_ARTICLE = settings.BASE_DIR.parent / "shared" / "seed" / ARTICLE_NAME
SEED_MODELS = [Place, Actor, ActorRelation, Source, Event, EventActor, Citation, EventIdCounter]


@pytest.fixture
def seed(db):
    call_command("loaddata", str(SEED), verbosity=0)


def snapshot() -> dict[str, list[dict]]:
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in SEED_MODELS}


def ancestry(place: Place) -> list[tuple[str, str]]:
    """(name, kind) from the country down to this place, following the parent links."""
    chain = []
    while place is not None:
        chain.insert(0, (place.name, place.kind))
        place = place.parent
    return chain


def article_sentences() -> set[str]:
    """The article's sentences: one paragraph a line, split after a full stop and a space."""
    text = ARTICLE.read_text(encoding="utf-8")
    return {
        sentence.strip()
        for line in text.splitlines()
        for sentence in re.split(r"(?<=\.)\s+", line)
        if sentence.strip()
    }


def test_the_seed_loads_with_events_actors_places_sources_and_citations(seed):
    assert Event.objects.count() >= 8
    assert Event.objects.published().count() >= 8
    assert set(Event.objects.values_list("status", flat=True)) == {
        Status.PUBLISHED,
        Status.REVIEWED,
        Status.DRAFT,
    }
    names = set(Actor.objects.values_list("name", flat=True))
    assert {
        "Military Forces of Syria (2000-2024)",
        "Islamic State (Syria)",
        "Military Forces of Russia (2000-)",
        "Syrian National Coalition",
        "Ahrar al-Sham",
        "Jaish al-Islam",
        "Free Syrian Army",
        "Civilians (Syria)",
    } <= names
    assert set(Source.objects.values_list("name", flat=True)) >= {
        "Syrian Observatory for Human Rights",
        "Syrian state television",
    }
    assert set(Place.objects.countries().values_list("country_code", flat=True)) == {"SYR", "TUR", "SAU"}


def test_army_of_islam_is_found_under_its_alias(seed):
    assert list(Actor.objects.search("Army of Islam").values_list("name", flat=True)) == ["Jaish al-Islam"]


def test_every_seeded_row_passes_model_validation(seed):
    for place in Place.objects.select_related("parent"):
        place.full_clean()  # among others: a child's kind ranks strictly below its parent's
    for actor in Actor.objects.all():
        actor.full_clean()
    for relation in ActorRelation.objects.all():
        relation.full_clean()
    for event in Event.objects.all():
        event.full_clean(exclude=["event_id", "period_start", "period_end", "disorder_type"])
    for citation in Citation.objects.all():
        citation.full_clean()


def test_palmyra_falling_to_islamic_state_is_coded_to_the_month_of_may_2015(seed):
    event = Event.objects.get(sub_event_type="Non-state actor overtakes territory", place__name="Palmyra")
    assert event.time_precision == TimePrecision.MONTH
    assert (event.period_start, event.period_end) == (dt.date(2015, 5, 1), dt.date(2015, 5, 31))
    assert event.actors_in_role(ActorRole.ACTOR1)[0].name == "Islamic State (Syria)"
    assert event.actors_in_role(ActorRole.ACTOR2)[0].name == "Military Forces of Syria (2000-2024)"
    assert event.interaction == 12


def test_the_destruction_of_palmyras_monuments_is_coded_per_site_to_the_month(seed):
    destroyed = Event.objects.filter(sub_event_type="Looting/property destruction").select_related("place")
    assert {event.place.name for event in destroyed} == {
        "Temple of Bel",
        "Temple of Baalshamin",
        "Valley of the Tombs",
        "Arch of Triumph",
    }
    for event in destroyed:
        assert event.time_precision == TimePrecision.MONTH
        assert event.place.parent.name == "Palmyra"
        assert event.disorder_type == "Strategic developments"
        assert event.interaction == 20  # Islamic State alone


def test_the_roman_theatre_sits_under_palmyra_and_its_events_are_palmyras(seed, django_assert_num_queries):
    palmyra = Place.objects.get(name="Palmyra", kind="locality")
    theatre = Place.objects.get(name="Roman theatre")
    assert theatre.kind == "site" and theatre.parent == palmyra
    assert [name for name, _ in ancestry(theatre)] == [
        "Syria",
        "Homs",
        "Tadmor",
        "Tadmor",
        "Palmyra",
        "Roman theatre",
    ]

    with django_assert_num_queries(1):
        under_palmyra = set(Place.objects.subtree(palmyra).values_list("name", flat=True))
    assert {"Palmyra", "Roman theatre", "Temple of Bel"} <= under_palmyra
    assert "Maheen" not in under_palmyra

    executions = Event.objects.get(place=theatre)
    assert executions.event_type == "Violence against civilians" and executions.civilian_targeting
    at_palmyra = Event.objects.in_place(palmyra)
    assert executions in at_palmyra
    assert at_palmyra.count() == 7  # fall, outskirts, executions, four monuments
    assert Event.objects.in_place(Place.objects.get(name="Homs", kind="admin1")).count() == 10


def test_russian_forces_act_as_external_forces_in_the_air_campaign(seed):
    russia = Actor.objects.get(name="Military Forces of Russia (2000-)")
    assert russia.kind == 1  # a state force at home …
    event = Event.objects.get(sub_event_type="Air/drone strike")
    part = EventActor.objects.get(event=event, actor=russia)
    assert (part.role, part.inter) == (ActorRole.ACTOR1, 8)  # external forces abroad
    actor2 = EventActor.objects.get(event=event, role=ActorRole.ACTOR2)
    assert event.interaction == interaction_for(8, actor2.inter) == 28
    assert event.event_date == dt.date(2015, 9, 30)


def test_the_relief_of_kweires_airbase_is_coded_to_the_week(seed):
    event = Event.objects.get(place__name="Kweires airbase")
    assert event.sub_event_type == "Government regains territory"
    assert event.time_precision == TimePrecision.WEEK
    assert event.period_start <= dt.date(2015, 11, 10) <= event.period_end
    assert event.place.admin1 == "Aleppo"


def test_the_coalitions_announcement_is_placed_in_istanbul_turkey(seed):
    event = Event.objects.get(event_id="TUR1")
    assert ancestry(event.place) == [("Turkey", "country"), ("Istanbul", "admin1"), ("Istanbul", "locality")]
    assert (event.place.country_code, event.place.admin1) == ("TUR", "Istanbul")
    assert event.event_date == dt.date(2015, 11, 23)
    assert event.actors_in_role(ActorRole.ACTOR1)[0].name == "Syrian National Coalition"
    assert event.disorder_type == "Strategic developments"


def test_every_published_event_cites_a_sentence_of_the_article(seed):
    sentences = article_sentences()
    for event in Event.objects.published().prefetch_related("citations"):
        assert event.citations.all(), f"{event.event_id} is published without a citation"
    for citation in Citation.objects.select_related("event"):
        assert citation.quote in sentences, f"{citation.event.event_id}: {citation.quote!r}"


def test_the_fixtures_copy_of_the_article_is_the_shared_one():
    if not SHARED_ARTICLE.exists():
        pytest.skip(f"{SHARED_ARTICLE} is not present on this machine")
    assert ARTICLE.read_bytes() == SHARED_ARTICLE.read_bytes()


def test_the_russian_backing_of_syrian_forces_is_recorded_with_its_citation(seed):
    relation = ActorRelation.objects.get(kind="backed_by")
    assert relation.subject.name == "Military Forces of Syria (2000-2024)"
    assert relation.object.name == "Military Forces of Russia (2000-)"
    assert "Russian-backed Syrian forces" in relation.citation.quote


def test_drafts_and_reviewed_events_are_hidden_from_anonymous_readers(seed, viewer):
    public = set(Event.objects.visible_to(AnonymousUser()).values_list("event_id", flat=True))
    everything = set(Event.objects.visible_to(viewer).values_list("event_id", flat=True))
    hidden = everything - public
    assert hidden == set(Event.objects.exclude(status=Status.PUBLISHED).values_list("event_id", flat=True))
    assert hidden == {"SYR2", "SAU1"}


def test_place_paths_and_labels_are_what_saving_derives(seed):
    before = snapshot()["places.Place"]
    for place in Place.objects.order_by("path"):
        assert place.path == (place.parent.path if place.parent_id else "/") + f"{place.pk}/"
        place.save()
    assert list(Place.objects.order_by("pk").values()) == before


def test_event_derived_fields_are_what_saving_derives(seed):
    def rows():
        return [{k: v for k, v in row.items() if k != "updated_at"} for row in snapshot()["events.Event"]]

    before = rows()
    for event in Event.objects.select_related("place"):
        assert event.disorder_type == disorder_type_for(event.event_type, event.sub_event_type)
        assert event.event_id.startswith(event.place.country_code)
        event.save()
        event_sync_interaction(event=event)
    assert rows() == before


def test_event_actor_inter_codes_are_set_and_interactions_follow_them(seed):
    assert not EventActor.objects.filter(inter__isnull=True).exists()
    for event in Event.objects.prefetch_related("event_actors"):
        inters = {part.role: part.inter for part in event.event_actors.all()}
        assert event.interaction == interaction_for(
            inters.get(ActorRole.ACTOR1), inters.get(ActorRole.ACTOR2)
        )


def test_actors_are_unchanged_by_saving(seed):
    def rows():
        return [{k: v for k, v in row.items() if k != "updated_at"} for row in snapshot()["actors.Actor"]]

    before = rows()
    for actor in Actor.objects.all():
        actor.save()
    assert rows() == before


def test_new_events_and_places_continue_after_the_seeds_ids(seed):
    for counter in EventIdCounter.objects.all():
        serials = [
            int(event_id.removeprefix(counter.prefix))
            for event_id in Event.objects.filter(event_id__startswith=counter.prefix).values_list(
                "event_id", flat=True
            )
        ]
        assert counter.last == max(serials)
    palmyra = Place.objects.get(name="Palmyra", kind="locality")
    museum = Place.objects.create(name="Palmyra Museum", kind="site", parent=palmyra)
    assert museum.pk > max(Place.objects.exclude(pk=museum.pk).values_list("pk", flat=True))
    event = event_create(
        event_date=dt.date(2015, 11, 24),
        event_type="Battles",
        sub_event_type="Armed clash",
        place=museum,
    )
    assert event.event_id == "SYR12"


def test_loading_the_seed_twice_changes_nothing(seed):
    before = snapshot()
    call_command("loaddata", str(SEED), verbosity=0)
    assert snapshot() == before


def test_the_fixture_holds_no_history_users_or_timestamps_of_the_build(seed):
    rows = json.loads(SEED.read_text(encoding="utf-8"))
    models = {row["model"] for row in rows}
    assert not any("historical" in model for model in models)
    assert "auth.user" not in models
    stamps = {row["fields"][f] for row in rows for f in ("created_at", "updated_at") if f in row["fields"]}
    assert stamps == {"2015-11-23T12:00:00Z"}
