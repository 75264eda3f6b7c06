"""Cursor pages of a period merge the period's date buckets (events.paging), PostgreSQL only.

- event_long_period_idx: the events whose period ends more than a month after their date (an
  end_date further on), indexed by how far. Its largest entry is the longest reach of any period
  beyond its date, read in one index probe and exact after every write, however it was made
  (services, importers' COPY, bulk updates, merges, seed_demo): a period filter
  `period_end >= day` then also bounds `event_date >= day - reach` (EventQuerySet.period_reach).
- event_bucket_idx: the events by 32-day bucket of their date (events.models.DateBucket), then
  in the cursor's order, carrying what the period and list filters read: a bucket's first rows
  after a cursor position are one short index range.

On SQLite this migration does nothing; cursor pages there walk the cursor's order.
"""

from django.db import migrations

INDEXES = [
    (
        "event_long_period_idx",
        "CREATE INDEX IF NOT EXISTS event_long_period_idx ON events_event ((period_end - event_date)) "
        "WHERE period_end - event_date > 31",
    ),
    (
        "event_bucket_idx",
        "CREATE INDEX IF NOT EXISTS event_bucket_idx ON events_event "
        "(((event_date - DATE '1970-01-01') / 32), updated_at, id) "
        "INCLUDE (status, event_date, period_start, period_end, place_id, event_type)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for _, statement in INDEXES:
            schema_editor.execute(statement)
        schema_editor.execute("ANALYZE events_event")  # the bucket expression's statistics


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _ in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("events", "0018_importer_indexes")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
