"""A GIN index for full-text search over event notes, on PostgreSQL only.

Declared by hand because SQLite has no GIN indexes; there the API's `q=` falls back to
icontains and this migration does nothing.
"""

from django.db import migrations

FTS_INDEX = "event_notes_fts_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {FTS_INDEX} ON events_event "
            "USING gin (to_tsvector('english'::regconfig, notes))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {FTS_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
