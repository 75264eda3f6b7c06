"""Fixtures of the ACLED-compatible API tests: no throttle, and the small world they read."""

import pytest

from actors.models import Actor
from core.vocab import ActorRole
from events.models import Citation, Event, EventActor
from tests.api_helpers import build_world


@pytest.fixture(autouse=True)
def fast_and_unthrottled(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "off"}}


@pytest.fixture
def world(db):
    """build_world() plus two associated actors and a second source on the battle."""
    w = build_world()
    battle = w.events["battle"]
    for position, (name, kind) in enumerate([("Liwa al-Quds", 3), ("Hezbollah", 8)]):
        actor = Actor.objects.create(name=name, kind=kind)
        EventActor.objects.create(
            event=battle, actor=actor, role=ActorRole.ASSOC_ACTOR_1, position=position, inter=kind
        )
    Citation.objects.create(event=battle, source=w.sources["reuters"], quote="Clashes at the airport.")
    Event.objects.filter(pk=battle.pk).update(source_scale="National-International", tags="local sources")
    return w
