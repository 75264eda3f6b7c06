"""Cursor pages of a period gather the period's events from the date index (events.api.pagination).

Two changes:

- event_long_period_idx (PostgreSQL only): the events whose period ends more than a month after
  their date (an end_date further on), indexed by how far. Its largest entry is the longest reach
  of any period beyond its date, read in one index probe and exact after every write, however it
  was made (services, importers' COPY, bulk updates, merges, seed_demo): a period filter
  `period_end >= day` then also bounds `event_date >= day - reach` (EventQuerySet.period_reach).
- event_status_date_id_idx carries updated_at, so the gathered period's cursor order is read
  from the index, not the table.
"""

from django.db import migrations, models

CREATE = (
    "CREATE INDEX IF NOT EXISTS event_long_period_idx ON events_event ((period_end - event_date)) "
    "WHERE period_end - event_date > 31"
)
DROP = "DROP INDEX IF EXISTS event_long_period_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0016_rollups")]
    operations = [
        migrations.RunPython(create_index, drop_index),
        migrations.RemoveIndex(model_name="event", name="event_status_date_id_idx"),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["status", "event_date", "id", "place", "period_start", "period_end"],
                include=["updated_at"],
                name="event_status_date_id_idx",
            ),
        ),
    ]
