"""Each export shape is declared once and every writer follows it: ACLED's positional values
against ACLED_COLUMNS' names, PostgreSQL's COPY against Python's writer, the formats against
their vocabulary."""

import csv
import datetime as dt
import io

import pytest

from core.vocab import ExportFileFormat
from events.acled import ACLED_CIVILIAN_TARGETING, ACLED_COLUMNS
from events.exports.columns import acled_values
from events.exports.copy import copy_csv_chunks
from events.exports.formats import FORMATS
from events.exports.query import ExportRow
from events.exports.tabular import _python_csv_chunks
from events.models import Event
from tests.factories import ActorFactory, CitationFactory, EventActorFactory, EventFactory, PlaceFactory

ROW = ExportRow(
    event_id="SYR42",
    event_date=dt.date(2015, 11, 10),
    end_date=dt.date(2015, 11, 10),
    time_precision=2,
    event_type="Battles",
    sub_event_type="Armed clash",
    legacy_event_type="",
    disorder_type="Political violence",
    interaction=12,
    civilian_targeting=True,
    geo_precision=3,
    fatalities=17,
    notes="=notes",
    tags="the tags",
    source_scale="National",
    status="published",
    created_at="2015-11-11T00:00:00Z",
    updated_at="2015-11-12T00:00:00Z",
    timestamp=1447286400,
    location="Kweires airbase",
    country_code="SYR",
    country="Syria",
    admin1="Aleppo",
    admin2="Al Bab",
    admin3="Rasm Harmel El-Imam",
    latitude=36.1864,
    longitude=37.5772,
    actor1="Military Forces of Syria",
    assoc_actor_1="Hezbollah",
    inter1=1,
    actor2="Islamic State",
    assoc_actor_2="Jaish al-Fatah",
    inter2=2,
    sources="SOHR; Reuters",
)


def test_acled_values_stand_under_the_acled_column_of_their_name():
    values = dict(zip(ACLED_COLUMNS, acled_values(ROW, escape=True), strict=True))
    assert values == {
        "event_id_cnty": "SYR42",
        "event_date": "2015-11-10",
        "year": 2015,
        "time_precision": 2,
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Syria",
        "assoc_actor_1": "Hezbollah",
        "inter1": 1,
        "actor2": "Islamic State",
        "assoc_actor_2": "Jaish al-Fatah",
        "inter2": 2,
        "interaction": 12,
        "civilian_targeting": ACLED_CIVILIAN_TARGETING,
        "iso": 760,
        "region": "Middle East",
        "country": "Syria",
        "admin1": "Aleppo",
        "admin2": "Al Bab",
        "admin3": "Rasm Harmel El-Imam",
        "location": "Kweires airbase",
        "latitude": "36.1864",
        "longitude": "37.5772",
        "geo_precision": 3,
        "source": "SOHR; Reuters",
        "source_scale": "National",
        "notes": "'=notes",
        "fatalities": 17,
        "tags": "the tags",
        "timestamp": 1447286400,
    }


def test_every_export_format_has_one_writer_and_the_vocabulary_names_them_all():
    assert list(FORMATS) == list(ExportFileFormat.values)


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresqls_copy_writes_the_same_acled_csv_as_python():
    aleppo = PlaceFactory(name="Kweires airbase", latitude=36.18641, longitude=37.57719)
    for n in range(3):
        event = EventFactory(place=aleppo, fatalities=n, notes=f"+note {n}", tags="a, b")
        EventActorFactory(event=event, actor=ActorFactory(name=f"Army {n}"))
        CitationFactory(event=event)
    EventFactory(place=aleppo)  # no actor, no source
    queryset = Event.objects.order_by("event_id")

    def rows(chunks) -> list[dict]:
        return list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))

    for escape in (True, False):
        by_copy = rows(copy_csv_chunks(queryset, flavour="acled", escape=escape))
        by_python = rows(_python_csv_chunks(queryset, flavour="acled", escape=escape, stats=None))
        assert list(by_copy[0]) == list(ACLED_COLUMNS)
        assert by_copy == by_python
