"""events.rules: the one table of who may do what to an event and its parts, and the derivations
every write path shares."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from actors.models import Actor
from core.vocab import ActorRole, InterCode, TimePrecision
from events import rules
from events.importers.common import EventLoader
from events.models import Citation, Event, EventActor, Source
from events.rules import Action
from events.services import event_create, event_mark_reviewed, event_publish, event_retract
from places.models import Place
from tests.factories import ActorFactory, EventFactory, PlaceFactory, UserFactory

pytestmark = pytest.mark.django_db

STATES = ("draft", "reviewed", "published", "retracted")
ROLES = ("anonymous", "roleless", "viewer", "curator", "reviewer", "superuser")

# role -> states in which the role may change an event (and add, change or delete its parts).
CHANGES = {
    "curator": {"draft", "reviewed"},
    "reviewer": {"draft", "reviewed", "published"},
    "superuser": {"draft", "reviewed", "published"},
}
# role -> states in which the role may delete an event.
DELETES = {"curator": {"draft", "reviewed"}, "reviewer": set(STATES), "superuser": set(STATES)}


@pytest.fixture
def users(viewer, curator, reviewer, superuser):
    return {
        "anonymous": AnonymousUser(),
        "roleless": UserFactory(username="roleless"),
        "viewer": viewer,
        "curator": curator,
        "reviewer": reviewer,
        "superuser": superuser,
    }


@pytest.fixture
def events(reviewer, curator):
    made = {state: EventFactory(complete=True) for state in STATES}
    event_mark_reviewed(event=made["reviewed"], by=curator)
    event_publish(event=made["published"], by=reviewer)
    event_retract(event=event_publish(event=made["retracted"], by=reviewer), by=reviewer)
    return made


@pytest.mark.parametrize("role", ROLES)
def test_the_rules_table_for_events_and_their_parts(users, events, role):
    user = users[role]
    for state, event in events.items():
        assert rules.may(user, Action.CHANGE, event) == (state in CHANGES.get(role, ())), (role, state)
        assert rules.may(user, Action.DELETE, event) == (state in DELETES.get(role, ())), (role, state)
        citation = event.citations.get()
        for part in (Citation, EventActor):
            assert rules.may(user, Action.ADD, model=part, event=event) == (state in CHANGES.get(role, ()))
        assert rules.may(user, Action.CHANGE, citation) == (state in CHANGES.get(role, ()))
        assert rules.may(user, Action.REVERT, event) is False
        assert rules.may(user, Action.MARK_REVIEWED, event) == (role in CHANGES and state == "draft")
        assert rules.may(user, Action.BACK_TO_DRAFT, event) == (role in CHANGES and state == "reviewed")
    assert rules.may(user, Action.ADD, model=Event) == (role in CHANGES)
    assert rules.may(user, Action.PUBLISH, model=Event) == (role in ("reviewer", "superuser"))
    assert rules.may(user, Action.CHANGE, model=Source) == (role in CHANGES)


# Completeness: what each step needs, whoever takes it (a state refusal, 400).
COMPLETENESS = [
    # actor roles, citations, missing to mark reviewed, missing to publish
    ((), 0, ["actor 1"], ["actor 1", "a citation"]),
    ((ActorRole.ACTOR2,), 1, ["actor 1"], ["actor 1"]),
    ((ActorRole.ASSOC_ACTOR_1,), 2, ["actor 1"], ["actor 1"]),
    ((ActorRole.ACTOR1,), 0, [], ["a citation"]),
    ((ActorRole.ACTOR1, ActorRole.ACTOR2), 1, [], []),
]


@pytest.mark.parametrize(("roles", "citations", "to_review", "to_publish"), COMPLETENESS)
def test_the_completeness_table(roles, citations, to_review, to_publish):
    parts = {"actor_roles": roles, "citations": citations}
    assert rules.missing_parts(Action.MARK_REVIEWED, **parts) == to_review
    assert rules.missing_parts(Action.PUBLISH, **parts) == to_publish
    assert rules.missing_parts(Action.RETRACT, **parts) == []
    for action, missing in ((Action.MARK_REVIEWED, to_review), (Action.PUBLISH, to_publish)):
        if missing:
            with pytest.raises(ValidationError) as refused:
                rules.check_complete(action, "SYR1", **parts)
            assert all(part in refused.value.messages[0] for part in missing)
            assert refused.value.messages[0].startswith("SYR1 is missing ")
        else:
            rules.check_complete(action, "SYR1", **parts)


def test_a_published_event_goes_back_to_draft_for_nobody(reviewer, superuser, events):
    for user in (reviewer, superuser):
        assert "only by retraction" in rules.refusal(user, Action.BACK_TO_DRAFT, events["published"])


def test_moving_a_citation_needs_both_events_open(curator, events):
    citation = events["draft"].citations.get()
    assert rules.may(curator, Action.CHANGE, citation, event=events["reviewed"])
    assert not rules.may(curator, Action.CHANGE, citation, event=events["published"])
    published = events["published"].citations.get()
    assert not rules.may(curator, Action.CHANGE, published, event=events["draft"])


def test_who_is_refused_is_a_403_and_what_state_refuses_everyone_is_a_400(curator, reviewer, events):
    with pytest.raises(PermissionDenied, match="only reviewers can change it"):
        rules.check(curator, Action.CHANGE, events["published"])
    with pytest.raises(ValidationError, match="was retracted"):
        rules.check(reviewer, Action.CHANGE, events["retracted"])
    with pytest.raises(ValidationError, match="read-only"):
        rules.check(reviewer, Action.REVERT, events["draft"])


def test_a_system_write_still_cannot_change_a_retracted_event(events):
    with pytest.raises(ValidationError):
        rules.check_state(Action.CHANGE, events["retracted"])
    rules.check_state(Action.CHANGE, events["published"])  # no person: no permission to check


# Derivations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("precision", list(TimePrecision))
def test_the_importers_derive_exactly_what_a_saved_event_derives(precision):
    town = PlaceFactory()
    state = ActorFactory(kind=InterCode.STATE_FORCES)
    rebels = ActorFactory(kind=InterCode.REBEL_GROUP)
    event = event_create(
        event_date=dt.date(2016, 2, 29),
        end_date=dt.date(2016, 3, 2),
        time_precision=precision,
        event_type="Battles",
        sub_event_type="Armed clash",
        place=town,
        actors=[(state, ActorRole.ACTOR1, InterCode.EXTERNAL_OTHER), (rebels, ActorRole.ACTOR2)],
    )
    event.refresh_from_db()
    values = (event.event_date, event.end_date, event.time_precision, event.event_type, event.sub_event_type)
    main = frozenset(
        {
            (ActorRole.ACTOR1, 0, state.pk, InterCode.EXTERNAL_OTHER),
            (ActorRole.ACTOR2, 0, rebels.pk, InterCode.REBEL_GROUP),
        }
    )
    derived = EventLoader._derived(values, main)
    assert derived == tuple(getattr(event, name) for name in rules.DERIVED_FIELDS)
    assert event.interaction == 28


def test_a_new_event_gets_its_countrys_next_id_or_xxx_without_a_country():
    assert rules.event_id_prefix("syr") == "SYR"
    assert rules.event_id_prefix("") == rules.event_id_prefix(None) == "XXX"
    sea = Place.objects.create(name="High seas", kind="country", country_code="")
    event = event_create(
        event_date=dt.date(2020, 1, 1), event_type="Battles", sub_event_type="Armed clash", place=sea
    )
    assert event.event_id.startswith("XXX")


def test_the_rules_ask_no_database_query(django_assert_num_queries, curator, events):
    curator.get_all_permissions()  # the user's permissions, cached as in a request
    citation = Citation.objects.select_related("event").get(event=events["draft"])
    with django_assert_num_queries(0):
        for action in Action:
            rules.may(curator, action, events["published"])
            rules.may(curator, action, citation, event=events["retracted"])
        rules.may(curator, Action.ADD, model=Actor)
