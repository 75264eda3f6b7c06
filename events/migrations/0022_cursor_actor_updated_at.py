"""The event's updated_at copied onto its actors' rows with its date and status, by the same
triggers (events/actor_copies.py, reinstalled), and the index an actor's cursor page reads.

As in 0021: the copies are filled and the triggers replaced in one transaction, the index built
in the next, once the rows' old versions are dead. Each step can be run again.

The fill rewrites every event actor once (1.8M rows at 1M events: 2.5 min, 5.4M at 3M: 9 min,
both at load 3-4): the table and its other indexes double in size, dead space a plain VACUUM
leaves in place. `VACUUM (FULL, ANALYZE) events_eventactor` then `VACUUM events_eventactor` (for
the visibility map the index-only ranges need) give it back: 13 s at 1M, 39 s at 3M, with the
table locked meanwhile.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from events import actor_copies

    actor_copies.install(schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    """Going back, the triggers go with the column they read; 0021's own (date and status only)
    are not declared anywhere any more: migrating forward again reinstalls the current ones."""
    from events import actor_copies

    actor_copies.uninstall(schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('actors', '0003_importer_history_indexes'),
        ('events', '0021_actorpage_event_actor_copies'),
    ]

    operations = [
        migrations.AddField(
            model_name='eventactor',
            name='updated_at',
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(install, uninstall, atomic=True),
        migrations.AddIndex(
            model_name='eventactor',
            index=models.Index(fields=['actor', 'status', 'updated_at', 'event'], name='event_actor_cursor_idx'),
        ),
    ]
