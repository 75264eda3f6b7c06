"""ACLED's file layout, declared once: the current column list and order, and the legacy vintage.

The importer reads both; the ACLED export writes ACLED_COLUMNS in this order.
"""

# ACLED's current export (2019 onwards; codebook 2023): names and order.
ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

# A pre-2019 file (ACLED Africa/Asia versions 6–8), often with upper-case names.
ACLED_LEGACY_COLUMNS: tuple[str, ...] = (
    "data_id",
    "gwno",
    "event_id_cnty",
    "event_id_no_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "actor1",
    "ally_actor_1",
    "inter1",
    "actor2",
    "ally_actor_2",
    "inter2",
    "interaction",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)

# Legacy names of current columns.
ACLED_COLUMN_ALIASES: dict[str, str] = {
    "ally_actor_1": "assoc_actor_1",
    "ally_actor_2": "assoc_actor_2",
}

# Columns only legacy files carry; read and ignored (the event id and country say it all).
ACLED_LEGACY_ONLY_COLUMNS: frozenset[str] = frozenset(
    {"gwno", "data_id", "event_id_no_cnty", "ally_actor_1", "ally_actor_2"}
)

# Columns an import cannot do without (after aliases are applied).
ACLED_REQUIRED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "actor1",
    "country",
    "location",
    "latitude",
    "longitude",
    "fatalities",
)

# Columns derived from others on import (Chronicle recomputes them) and written on export.
ACLED_DERIVED_COLUMNS: frozenset[str] = frozenset({"year", "disorder_type", "interaction", "region"})

ACLED_SOURCE_SEPARATOR = "; "  # "Reuters; SOHR": one citation per source
ACLED_ACTOR_SEPARATOR = "; "  # assoc_actor_1 "A; B"
ACLED_CIVILIAN_TARGETING = "Civilian targeting"  # the value of civilian_targeting when true


def is_legacy_header(columns: list[str] | tuple[str, ...]) -> bool:
    """A pre-2019 file: old event types and no sub_event_type column (or ally_actor_* columns)."""
    names = set(columns)
    return "sub_event_type" not in names or bool(names & {"ally_actor_1", "ally_actor_2"})
