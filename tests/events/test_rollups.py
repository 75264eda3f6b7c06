"""The rollups (events/rollups.py) equal the events' own counts after every kind of write,
and the aggregates it answers equal the ones read from the events.

The reference is computed here in Python from the events themselves, never from the code under
test; `rollups.differences()` (the events' GROUP BY in SQL, check_rollups' comparison) must agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.vocab import EventType, Status, SubEventType
from events import rollups, rules
from events.aggregates import aggregate
from events.importers.acled import import_acled_file
from events.merges import event_merge
from events.models import Admin1Rollup, CountryMonthRollup, Event, MonthlyRollup, TypeMonthRollup
from events.services import event_create, event_delete, event_publish, event_retract, event_update
from places.models import Place, PlaceKind
from tests.acled_files import write_synthetic
from tests.factories import CountryFactory, EventFactory, PlaceFactory, complete

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.postgres


def admin1_of(place: Place) -> int:
    """The id of the place's first-level division (itself or an ancestor), 0 for none."""
    while place is not None:
        if place.kind == PlaceKind.ADMIN1:
            return place.pk
        place = place.parent
    return 0


def expected(rollup: rollups.Rollup) -> dict[tuple, tuple]:
    """A rollup's rows computed in Python from every event."""
    groups: dict[tuple, list] = defaultdict(list)
    for event in Event.objects.select_related("place"):
        values = {
            "country_code": event.place.country_code,
            "country_name": event.place.country_name,
            "admin1_id": admin1_of(event.place),
            "month": event.event_date.replace(day=1),
            "status": event.status,
            "event_type": event.event_type,
            "sub_event_type": event.sub_event_type,
            "disorder_type": event.disorder_type,
        }
        groups[tuple(values[name] for name in rollup.key)].append(event)
    return {
        key: (len(events), sum(e.fatalities for e in events), min(e.event_date for e in events),
              max(e.event_date for e in events))
        for key, events in groups.items()
    }  # fmt: skip


MODELS = {
    rollups.MONTHLY: MonthlyRollup,
    rollups.COUNTRY_MONTH: CountryMonthRollup,
    rollups.TYPE_MONTH: TypeMonthRollup,
    rollups.ADMIN1: Admin1Rollup,
}


def stored(rollup: rollups.Rollup) -> dict[tuple, tuple]:
    rows = MODELS[rollup].objects.values_list(*rollup.key, *rollups.VALUES)
    return {tuple(row[: len(rollup.key)]): tuple(row[len(rollup.key) :]) for row in rows}


def assert_exact() -> None:
    for rollup in rollups.ROLLUPS:
        assert stored(rollup) == expected(rollup), rollup.table
    assert rollups.differences() == []


@pytest.fixture
def places(db):
    """Towns under an admin1, under an admin2 straight under the country (no admin1), under the
    country itself, and in no country."""
    syria = CountryFactory()
    iraq = CountryFactory(name="Iraq", country_code="IRQ")
    aleppo = PlaceFactory(name="Aleppo governorate", kind=PlaceKind.ADMIN1, parent=syria)
    idlib = PlaceFactory(name="Idlib governorate", kind=PlaceKind.ADMIN1, parent=syria)
    nineveh = PlaceFactory(name="Nineveh", kind=PlaceKind.ADMIN1, parent=iraq)
    return {
        "syria": syria,
        "iraq": iraq,
        "aleppo": PlaceFactory(name="Aleppo", parent=aleppo),
        "idlib": idlib,
        "homs": PlaceFactory(name="Homs", parent=syria),
        "mosul": PlaceFactory(name="Mosul", parent=nineveh),
        "sinjar": PlaceFactory(
            name="Sinjar", parent=PlaceFactory(name="Sinjar district", kind=PlaceKind.ADMIN2, parent=iraq)
        ),
        "sea": PlaceFactory(name="Open sea", parent=None),
    }


@pytest.fixture
def events(places):
    """Events over two countries, three months and two types, in several statuses."""
    made = []
    for number in range(24):
        made.append(
            EventFactory(
                place=[places[name] for name in ("aleppo", "homs", "mosul", "sinjar", "sea")][number % 5],
                event_date=dt.date(2020, 1 + number % 3, 1 + number),
                fatalities=number % 5,
                status=[Status.PUBLISHED, Status.PUBLISHED, Status.DRAFT][number % 3],
                **(
                    {"event_type": EventType.PROTESTS, "sub_event_type": SubEventType.PEACEFUL_PROTEST}
                    if number % 4 == 0
                    else {}
                ),
            )
        )
    return made


@on_postgres
def test_the_rollup_counts_every_created_event(events):
    assert all(model.objects.exists() for model in MODELS.values())
    assert_exact()
    event_create(
        event_date=dt.date(2021, 5, 5),
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        place=events[0].place,
        fatalities=7,
    )
    assert_exact()


@on_postgres
def test_changes_of_date_place_type_fatalities_and_status_move_the_counts(events, places, reviewer):
    event = events[3]
    for data in (
        {"event_date": dt.date(2019, 12, 31)},  # another month, and the old group's last date left
        {"place": places["mosul"]},  # another country
        {"event_type": EventType.RIOTS, "sub_event_type": SubEventType.MOB_VIOLENCE},
        {"fatalities": 40},
        {"notes": "Only the notes change."},
    ):
        event.refresh_from_db()
        event_update(event=event, data=data, expected_version=event.version)
        assert_exact()
    draft = complete(next(e for e in events if e.status == Status.DRAFT))  # actor 1 and a citation
    event_publish(event=draft, by=reviewer, confirm_not_duplicate=True)
    assert_exact()
    event_retract(event=draft, by=reviewer)
    assert_exact()


@on_postgres
def test_first_and_last_dates_follow_an_event_that_leaves_its_group(places):
    first = EventFactory(place=places["aleppo"], event_date=dt.date(2020, 3, 1))
    EventFactory(place=places["aleppo"], event_date=dt.date(2020, 3, 15))
    last = EventFactory(place=places["aleppo"], event_date=dt.date(2020, 3, 31))
    Event.objects.filter(pk=first.pk).update(event_date=dt.date(2020, 3, 20))
    Event.objects.filter(pk=last.pk).delete()
    for model in MODELS.values():
        row = model.objects.get()
        assert (row.events, row.first_date, row.last_date) == (2, dt.date(2020, 3, 15), dt.date(2020, 3, 20))
    assert_exact()


@on_postgres
def test_deletes_and_bulk_writes_keep_it_exact(events, places, reviewer):
    event_delete(event=events[2], by=reviewer)
    assert_exact()
    Event.objects.filter(place=places["homs"]).delete()  # a group emptied: its row goes
    assert_exact()
    built = [
        EventFactory.build(event_id=f"BLK{n}", place=places["iraq"], event_date=dt.date(2018, 1 + n, 2))
        for n in range(5)
    ]
    for event in built:
        rules.event_derive(event)
    Event.objects.bulk_create(built)
    assert_exact()
    Event.objects.filter(status=Status.DRAFT).update(status=Status.PUBLISHED, fatalities=3)
    assert_exact()
    Event.objects.all().delete()
    assert not any(model.objects.exists() for model in MODELS.values())


@on_postgres
def test_an_acled_import_and_its_reimport_keep_it_exact(tmp_path, places):
    path = write_synthetic(tmp_path / "acled.csv", 300)
    import_acled_file(path, progress=False)
    assert Event.objects.count() == 300
    assert_exact()
    import_acled_file(write_synthetic(tmp_path / "again.csv", 300, seed=8), progress=False)  # changes
    assert_exact()


@on_postgres
def test_a_merge_keeps_it_exact(places, reviewer):
    survivor = EventFactory(place=places["aleppo"], status=Status.PUBLISHED, fatalities=2)
    other = EventFactory(place=places["homs"], status=Status.PUBLISHED, event_date=dt.date(2015, 12, 1))
    assert_exact()
    event_merge(survivor=survivor, other=other, by=reviewer)
    assert_exact()


@on_postgres
def test_a_place_moving_to_another_admin1_or_country_moves_its_events(events, places):
    aleppo = places["aleppo"]
    aleppo.parent = places["idlib"]  # another admin1 of the same country
    aleppo.save()
    assert_exact()
    homs = places["homs"]
    homs.parent = places["iraq"]
    homs.save()
    assert Place.objects.get(pk=homs.pk).country_code == "IRQ"
    assert_exact()
    idlib = places["idlib"]
    idlib.name = "Idleb governorate"  # a label only: the admin1 stays the same place
    idlib.save()
    assert_exact()


@on_postgres
def test_check_rollups_reports_a_difference_and_rebuild_repairs_it(events, capsys):
    call_command("check_rollups")
    assert "equal the events" in capsys.readouterr().out
    MonthlyRollup.objects.filter(pk=MonthlyRollup.objects.order_by("pk").first().pk).update(events=99)
    MonthlyRollup.objects.filter(pk=MonthlyRollup.objects.order_by("pk").last().pk).delete()
    with pytest.raises(CommandError, match="differ from the events in 2 rows"):
        call_command("check_rollups")
    assert "events_events=" in capsys.readouterr().err
    call_command("check_rollups", "--rebuild")
    assert_exact()


# Requests the rollup answers; each is compared with the same request plus `fatalities_min=0`,
# a filter that selects every event but that only the events can answer.
ANSWERED = [
    {"by": "country", "period": "month"},
    {"by": "event_type", "period": "year"},
    {"by": "country,sub_event_type,disorder_type"},
    {},
    {"by": "event_type", "period": "month", "fill": "1"},
    {"by": "country", "country": "IRQ,Syria", "event_type": "Battles"},
    {"by": "country", "period": "year", "status": "draft,published"},
    {"by": "country", "status": "draft"},  # anonymous callers: published only, so nothing
    {"by": "sub_event_type", "disorder_type": "Demonstrations"},
    {"by": "admin1"},
    {"by": "admin1,event_type", "country": "SYR,IRQ"},
    {"by": "country,admin1,sub_event_type", "status": "published,draft"},
    {"by": "event_type", "period": "month", "country": "SYR"},  # types in a country: the monthly one
    {"by": "disorder_type", "period": "year", "event_type": "Protests"},
    # Each rollup row one group (one status, the rollup's own keys): read without regrouping.
    {"by": "country,sub_event_type,disorder_type", "period": "month"},
    {"by": "sub_event_type,disorder_type", "period": "month"},
    {"by": "admin1,sub_event_type,disorder_type"},
]


@on_postgres
@pytest.mark.parametrize(
    "params", ANSWERED, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()) or "totals"
)
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_the_rollup_answers_as_the_events_do(events, viewer, params, who):
    from django.contrib.auth.models import AnonymousUser

    user = viewer if who == "viewer" else AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        rolled = aggregate(user=user, params=params)
    assert "rollup" in queries[-1]["sql"]
    with CaptureQueriesContext(connection) as queries:
        plain = aggregate(user=user, params={**params, "fatalities_min": "0"})
    assert "rollup" not in queries[-1]["sql"]
    assert rolled.rows == plain.rows
    assert (rolled.statuses, rolled.start, rolled.end) == (plain.statuses, plain.start, plain.end)


def country_code_under_two_names(places: dict) -> Place:
    """A place given Syria's code outside Syria (its country name empty), with published events
    in the months Syria's events have: two rollup rows of one (country code, month) group."""
    waters = PlaceFactory(name="Syrian waters", parent=None, country_code="SYR")
    for number in range(6):
        EventFactory(
            place=waters,
            event_date=dt.date(2020, 1 + number % 3, 2 + number),
            fatalities=number,
            status=Status.PUBLISHED,
        )
    return waters


@on_postgres
@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_rows_read_as_groups_merge_a_country_code_under_two_names(events, places, viewer, who):
    from django.contrib.auth.models import AnonymousUser

    country_code_under_two_names(places)
    user = viewer if who == "viewer" else AnonymousUser()
    params = {"by": "country", "period": "month"}
    with CaptureQueriesContext(connection) as queries:
        rolled = aggregate(user=user, params=params)
    assert "rollup" in queries[-1]["sql"] and "GROUP BY" not in queries[-1]["sql"]
    plain = aggregate(user=user, params={**params, "fatalities_min": "0"})
    assert rolled.rows == plain.rows
    assert [row["country"] for row in rolled.rows if row["country_code"] == "SYR"] == [""] * 3


@on_postgres
def test_rows_read_as_groups_over_the_limit_are_counted_as_groups(events, places):
    from events.aggregates import AggregateSpec, aggregate_rows, rollup_queryset

    country_code_under_two_names(places)
    spec = AggregateSpec(by=("country",), period="month")
    rows = rollup_queryset(CountryMonthRollup, {}, [Status.PUBLISHED])
    groups = aggregate_rows(rows, spec)
    assert rows.count() > len(groups)  # Syria's months, each under two names
    # As many groups as allowed, more rows than that: the answer, not a refusal.
    assert aggregate_rows(rows, spec, max_rows=len(groups), direct=True) == groups


@on_postgres
@pytest.mark.parametrize(
    ("params", "statuses", "expected"),
    [
        ({"by": "country", "period": "month"}, ["published"], True),
        ({"by": "country", "period": "month"}, ["draft", "published"], False),  # two rows a group
        ({"by": "country", "period": "year"}, ["published"], False),  # twelve months a group
        ({"by": "country"}, ["published"], False),
        ({"by": "admin1,sub_event_type,disorder_type"}, ["published"], True),
        ({"by": "admin1,event_type"}, ["published"], False),
    ],
)
def test_rollup_rows_are_read_as_groups_only_when_each_is_one(db, params, statuses, expected):
    from events.aggregates import parse_spec, rollup_for, rows_are_groups

    spec = parse_spec(params)
    assert rows_are_groups(rollup_for(spec, params), spec, statuses) is expected


@pytest.mark.parametrize(
    "params",
    [
        {"by": "admin1", "period": "month"},  # admin1 by month: no rollup holds it
        {"by": "admin2"},  # a key no rollup holds
        {"by": "country", "period": "week"},  # a period finer than a month
        {"by": "country", "year": "2020"},  # dates take an event's whole period
        {"by": "country", "fatalities_min": "1"},
    ],
)
def test_other_requests_read_the_events(events, params):
    from django.contrib.auth.models import AnonymousUser

    with CaptureQueriesContext(connection) as queries:
        aggregate(user=AnonymousUser(), params=params)
    assert "rollup" not in queries[-1]["sql"]


def test_sqlite_keeps_no_rollup_and_the_aggregates_read_events(events, capsys):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    from django.contrib.auth.models import AnonymousUser

    assert not any(model.objects.exists() for model in MODELS.values())
    with CaptureQueriesContext(connection) as queries:
        result = aggregate(user=AnonymousUser(), params={"by": "country", "period": "month"})
    assert "rollup" not in queries[-1]["sql"]
    assert sum(row["events"] for row in result.rows) == Event.objects.published().count()
    call_command("check_rollups")
    assert "nothing to check" in capsys.readouterr().out


@on_postgres
@pytest.mark.parametrize(
    ("params", "model"),
    [
        ({"by": "country", "period": "month"}, CountryMonthRollup),
        ({"period": "year", "country": "SYR"}, CountryMonthRollup),
        ({"by": "event_type", "period": "year"}, TypeMonthRollup),
        ({"by": "admin1,event_type"}, Admin1Rollup),
        ({"by": "sub_event_type", "country": "SYR"}, Admin1Rollup),
        ({"by": "country,event_type", "period": "month"}, MonthlyRollup),
        ({"by": "event_type", "period": "year", "country": "SYR"}, MonthlyRollup),
        ({"by": "admin1", "period": "month"}, None),
    ],
)
def test_the_rollup_with_fewest_rows_that_answers_is_read(db, params, model):
    from events.aggregates import parse_spec, rollup_for

    assert rollup_for(parse_spec(params), params) is model
