"""Trigram indexes (pg_trgm, GIN) for the ACLED-compatible API's LIKE filters, on PostgreSQL only.

`notes=…` and the name filters (`actor1`, `source`, `location`, …) are `column ILIKE '%…%'`
(core.sql.Like). Without these indexes each one reads every row; with them PostgreSQL reads only
the rows holding the pattern's trigrams. SQLite has neither the extension nor GIN: there this
migration does nothing. The full-text index on notes (0002) stays; it serves the API's `q=`.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (index, table, column): each column an ACLED LIKE filter reads.
TRIGRAM_INDEXES = (
    ("event_notes_trgm_idx", "events_event", "notes"),
    ("source_name_trgm_idx", "events_source", "name"),
    ("actor_name_trgm_idx", "actors_actor", "name"),
    ("place_name_trgm_idx", "places_place", "name"),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_covering_list_indexes"),
        ("actors", "0002_initial"),
        ("places", "0001_initial"),
    ]
    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing on SQLite
        migrations.RunPython(create_indexes, drop_indexes),
    ]
