"""ACLED-like CSV files written by the tests: current and legacy vintages, large synthetic ones, and
UCDP GED rows."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from events.acled import ACLED_COLUMNS, ACLED_LEGACY_COLUMNS


def write_csv(
    path: Path,
    columns: tuple[str, ...] | list[str],
    rows: list[dict],
    *,
    bom: bool = False,
    crlf: bool = False,
    index_column: bool = False,
    upper: bool = False,
) -> Path:
    """Write rows (dicts; missing keys blank) the way ACLED, Excel or pandas would."""
    header = [name.upper() if upper else name for name in columns]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(([""] if index_column else []) + header)
        for number, row in enumerate(rows):
            values = [row.get(name, "") for name in columns]
            writer.writerow(([number] if index_column else []) + values)
    return path


def current_row(**overrides) -> dict:
    """One plausible current-format ACLED row (Palmyra, November 2015)."""
    row = {
        "event_id_cnty": "SYR1001",
        "event_date": "2015-11-10",
        "year": "2015",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Syria (2000-2024)",
        "assoc_actor_1": "",
        "inter1": "1",
        "actor2": "Islamic State (Syria)",
        "assoc_actor_2": "",
        "inter2": "2",
        "interaction": "12",
        "civilian_targeting": "",
        "iso": "760",
        "region": "Middle East",
        "country": "Syria",
        "admin1": "Homs",
        "admin2": "Tadmor",
        "admin3": "Tadmor",
        "location": "Palmyra",
        "latitude": "34.5601",
        "longitude": "38.2803",
        "geo_precision": "1",
        "source": "Syrian Observatory for Human Rights",
        "source_scale": "National",
        "notes": "Regime forces clashed with IS near Palmyra.",
        "fatalities": "4",
        "tags": "",
        "timestamp": "1447200000",
    }
    row.update(overrides)
    return row


def legacy_row(**overrides) -> dict:
    """One plausible pre-2019 ACLED row (ACLED Africa version 7 style)."""
    row = {
        "data_id": "1001",
        "gwno": "501",
        "event_id_cnty": "KEN2001",
        "event_id_no_cnty": "2001",
        "event_date": "02-July-2016",
        "year": "2016",
        "time_precision": "1",
        "event_type": "Riots/Protests",
        "actor1": "Protesters (Kenya)",
        "ally_actor_1": "",
        "inter1": "6",
        "actor2": "Police Forces of Kenya (2013-2022)",
        "ally_actor_2": "",
        "inter2": "1",
        "interaction": "16",
        "country": "Kenya",
        "admin1": "Nairobi",
        "admin2": "Westlands",
        "admin3": "",
        "location": "Nairobi",
        "latitude": "-1.2833",
        "longitude": "36.8167",
        "geo_precision": "1",
        "source": "Daily Nation",
        "notes": "Students protested fee increases.",
        "fatalities": "0",
    }
    row.update(overrides)
    return row


_COUNTRIES = [
    ("SYR", "760", "Syria", "Middle East", ["Aleppo", "Homs", "Idleb", "Dar'a", "Deir-ez-Zor"]),
    ("IRQ", "368", "Iraq", "Middle East", ["Baghdad", "Ninewa", "Anbar", "Basrah"]),
    ("NGA", "566", "Nigeria", "Western Africa", ["Borno", "Lagos", "Kaduna", "Zamfara"]),
    ("MLI", "466", "Mali", "Western Africa", ["Mopti", "Gao", "Timbuktu", "Segou"]),
    ("UKR", "804", "Ukraine", "Europe", ["Donetsk", "Kharkiv", "Kyiv", "Zaporizhia"]),
    ("MMR", "104", "Myanmar", "Southeast Asia", ["Sagaing", "Shan", "Rakhine", "Kachin"]),
]
_TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Violence against civilians", "Attack"),
    ("Protests", "Peaceful protest"),
    ("Riots", "Mob violence"),
    ("Strategic developments", "Looting/property destruction"),
]


def synthetic_rows(count: int, *, seed: int = 7, id_offset: int = 0) -> list[dict]:
    """`count` varied current-format rows: 6 countries, ~100 admin areas, ~1,000 locations,
    ~300 actors, 40 sources; one in three rows with two sources, one in four with an associate."""
    rng = random.Random(seed)
    sources = [f"Source {n}" for n in range(40)]
    rows = []
    start = dt.date(2018, 1, 1)
    for number in range(count):
        iso3, iso, country, region, admin1s = rng.choice(_COUNTRIES)
        admin1 = rng.choice(admin1s)
        admin2 = f"{admin1} district {rng.randrange(4)}"
        location = f"{admin2} town {rng.randrange(10)}"
        event_type, sub_event_type = rng.choice(_TYPES)
        inter1 = rng.choice([1, 2, 3, 4, 6])
        inter2 = rng.choice([0, 1, 2, 7])
        n_sources = 2 if rng.random() < 0.33 else 1
        row = current_row(
            event_id_cnty=f"{iso3}{id_offset + number + 1}",
            event_date=(start + dt.timedelta(days=rng.randrange(2000))).isoformat(),
            event_type=event_type,
            sub_event_type=sub_event_type,
            actor1=f"Actor {iso3} {rng.randrange(40)} ({country})",
            assoc_actor_1=f"Associate {rng.randrange(20)} ({country})" if rng.random() < 0.25 else "",
            inter1=str(inter1),
            actor2=f"Opponent {iso3} {rng.randrange(10)} ({country})" if inter2 else "",
            inter2=str(inter2) if inter2 else "",
            iso=iso,
            region=region,
            country=country,
            admin1=admin1,
            admin2=admin2,
            admin3="",
            location=location,
            latitude=f"{rng.uniform(-40, 50):.4f}",
            longitude=f"{rng.uniform(-20, 100):.4f}",
            source="; ".join(rng.sample(sources, n_sources)),
            source_scale="National" if n_sources == 1 else "National-International",
            notes=f"On {number}, {event_type.lower()} reported near {location}. " * rng.randrange(1, 4),
            fatalities=str(rng.choice([0, 0, 0, 1, 2, 5, 12])),
            timestamp=str(1_600_000_000 + number),
        )
        rows.append(row)
    # The same location name always has the same coordinates, as in ACLED's gazetteer.
    coordinates: dict[tuple, tuple[str, str]] = {}
    for row in rows:
        key = (row["country"], row["admin1"], row["admin2"], row["location"])
        row["latitude"], row["longitude"] = coordinates.setdefault(key, (row["latitude"], row["longitude"]))
    return rows


GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id",
    "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
    "source_article", "source_office", "source_date", "source_headline", "source_original", "where_prec",
    "where_coordinates", "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start",
    "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low",
    "gwnoa", "gwnob",
)  # fmt: skip


def ged_row(**overrides) -> dict:
    """One plausible UCDP GED row (Palmyra, May 2015)."""
    row = {
        "id": "139450",
        "relid": "SYR-2015-1-0001",
        "year": "2015",
        "type_of_violence": "1",
        "conflict_name": "Syria: Government",
        "dyad_name": "Government of Syria - IS",
        "side_a": "Government of Syria",
        "side_b": "IS",
        "source_article": "Reuters,2015-05-20,'Islamic State seizes Palmyra'",
        "source_office": "Reuters;AFP",
        "source_headline": "Islamic State seizes Palmyra",
        "where_prec": "1",
        "where_coordinates": "Tadmur town",
        "where_description": "Palmyra, the ancient city",
        "adm_1": "Hims governorate",
        "adm_2": "Tadmur district",
        "latitude": "34.560556",
        "longitude": "38.267222",
        "country": "Syria",
        "country_id": "652",
        "region": "Middle East",
        "event_clarity": "1",
        "date_prec": "1",
        "date_start": "2015-05-20 00:00:00.000",
        "date_end": "2015-05-21 00:00:00.000",
        "deaths_a": "20",
        "deaths_b": "30",
        "deaths_civilians": "0",
        "deaths_unknown": "0",
        "best": "50",
        "high": "70",
        "low": "45",
    }
    row.update(overrides)
    return row


def write_synthetic(path: Path, count: int, **kwargs) -> Path:
    return write_csv(path, ACLED_COLUMNS, synthetic_rows(count, **kwargs))


__all__ = [
    "ACLED_COLUMNS",
    "ACLED_LEGACY_COLUMNS",
    "GED_COLUMNS",
    "current_row",
    "ged_row",
    "legacy_row",
    "synthetic_rows",
    "write_csv",
    "write_synthetic",
]
