"""Drop the foreign keys' own indexes on event.place, event actor.event and event actor.actor.

Each is covered by an index leading with the same column (event_place_status_idx,
event_actor_unique_role, event_actor_actor_event_idx), so they cost writes on import and buy no
read. Only the indexes go: AlterField alone would also drop and re-validate the foreign key
constraints over millions of rows.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the indexes ForeignKey(db_index=True) created (table, column, hash).
FK_INDEXES = [
    ("events_event_place_id_61ecc581", "events_event", "place_id"),
    ("events_eventactor_actor_id_f9311c5a", "events_eventactor", "actor_id"),
    ("events_eventactor_event_id_eed80323", "events_eventactor", "event_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('actors', '0002_initial'),
        ('events', '0008_api_list_indexes'),
        ('places', '0001_initial'),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='event',
            name='place',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='places.place'),
        ),
        migrations.AlterField(
            model_name='eventactor',
            name='actor',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='event_roles', to='actors.actor'),
        ),
        migrations.AlterField(
            model_name='eventactor',
            name='event',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='event_actors', to='events.event'),
        ),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in FK_INDEXES
            ],
        )
    ]
