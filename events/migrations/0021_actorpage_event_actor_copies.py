"""The event's date and status copied onto its actors' rows, kept by triggers on PostgreSQL and
SQLite (events/actor_copies.py, its one declaration), and the index an actor's page reads; it
replaces (actor, event), whose reads it serves too.

The copies of the rows already stored are filled, and the triggers created, in one transaction;
the index is built in the next, once the rows' old versions are dead: built in the same one, it
held them too (170 MB instead of 85 at a million events). Each step can be run again.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    """Nothing now: events/actor_copies.py copies updated_at too, a column 0022 adds, and 0022
    fills the copies and installs the triggers (a database already past this migration has its
    triggers from here; 0022 replaces them)."""


def uninstall(apps, schema_editor):
    from events import actor_copies

    actor_copies.uninstall(schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('actors', '0003_importer_history_indexes'),
        ('events', '0020_duplicates_drop_wide_period'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='eventactor',
            name='event_actor_actor_event_idx',
        ),
        migrations.AddField(
            model_name='eventactor',
            name='event_date',
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='eventactor',
            name='status',
            field=models.CharField(blank=True, choices=[('draft', 'Draft'), ('reviewed', 'Reviewed'), ('published', 'Published'), ('retracted', 'Retracted')], default='', editable=False, max_length=10),
        ),
        migrations.RunPython(install, uninstall, atomic=True),
        migrations.AddIndex(
            model_name='eventactor',
            index=models.Index(fields=['actor', 'status', 'event_date', 'event'], name='event_actor_page_idx'),
        ),
    ]
