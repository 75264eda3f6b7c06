"""Trigram indexes (pg_trgm, GIN) for the admin's event search over places, on PostgreSQL only.

The admin's search finds the places named like its term and every place under an admin level
named like it: `UPPER(column) LIKE UPPER('%term%')` over the name and the four copied levels
(Django's icontains). Without an index each search read all of them (48,000 places: 41 ms, most
of a searched changelist's SQL at 3M events); with these five, a BitmapOr of their matches
(0.1 ms). Terms shorter than three letters have no trigram and still read the table. SQLite has
neither the extension nor GIN: there this migration does nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, column): the columns events.admin's search matches, as Django's icontains writes them.
SEARCH_INDEXES = (
    ("place_name_upper_trgm_idx", "name"),
    ("place_country_name_upper_trgm_idx", "country_name"),
    ("place_admin1_upper_trgm_idx", "admin1"),
    ("place_admin2_upper_trgm_idx", "admin2"),
    ("place_admin3_upper_trgm_idx", "admin3"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in SEARCH_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON places_place USING gin (upper({column}::text) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in SEARCH_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("places", "0004_duplicates_latitude")]
    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing on SQLite
        migrations.RunPython(create_indexes, drop_indexes),
    ]
