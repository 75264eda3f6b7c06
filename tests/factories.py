"""factory_boy factories for Chronicle's models."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from actors.models import Actor
from core.vocab import ActorRole, EventType, InterCode, SubEventType
from events.models import Citation, Event, EventActor, Source
from places.models import Place, PlaceKind

PASSWORD = "correct-horse-battery"  # every factory-made user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place
        django_get_or_create = ("name", "kind", "parent")

    name = "Syria"
    kind = PlaceKind.COUNTRY
    parent = None
    country_code = "SYR"
    latitude = 35.0
    longitude = 38.5


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Town {n}")
    kind = PlaceKind.LOCALITY
    parent = factory.SubFactory(CountryFactory)
    # Each town about 22 km from the last: events of different towns are not likely duplicates.
    latitude = factory.Sequence(lambda n: 30 + (n % 100) * 0.2)
    longitude = 38.3


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Armed group {n}")
    kind = InterCode.REBEL_GROUP
    country = "SYR"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True  # the `complete` trait's rows need no second save of the event

    event_id = factory.Sequence(lambda n: f"TST{n + 1}")
    event_date = dt.date(2015, 11, 10)
    event_type = EventType.BATTLES
    sub_event_type = SubEventType.ARMED_CLASH
    place = factory.SubFactory(PlaceFactory)
    fatalities = 0
    notes = "Clashes between armed groups."

    class Params:
        # Complete enough to be marked reviewed and published (events.rules.REQUIRED_PARTS):
        # EventFactory(complete=True) adds actor 1 and a citation.
        complete = factory.Trait(
            actor1=factory.RelatedFactory(
                "tests.factories.EventActorFactory", factory_related_name="event", role=ActorRole.ACTOR1
            ),
            citation=factory.RelatedFactory("tests.factories.CitationFactory", factory_related_name="event"),
        )


class EventActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventActor

    event = factory.SubFactory(EventFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ActorRole.ACTOR1


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    event = factory.SubFactory(EventFactory)
    source = factory.SubFactory(SourceFactory)
    quote = "Government forces took the town, the Observatory said."


def complete(event: Event) -> Event:
    """Give an event what marking it reviewed and publishing it require, where it lacks them:
    actor 1 (a new armed group) and a citation."""
    if not event.event_actors.filter(role=ActorRole.ACTOR1).exists():
        EventActorFactory(event=event, role=ActorRole.ACTOR1)
    if not event.citations.exists():
        CitationFactory(event=event)
    return event
