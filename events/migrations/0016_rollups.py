"""The rollups (events/rollups.py): their tables, and on PostgreSQL their triggers, filled from
the events already stored. On SQLite the tables stay empty and the aggregates read events.

The trigger SQL is imported from events/rollups.py, its one declaration; a later change to it
comes with a migration that drops (UNINSTALL) and installs it again.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from events import rollups

    for statement in rollups.INSTALL:
        schema_editor.execute(statement)
    rollups.rebuild(schema_editor.connection.alias)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from events import rollups

    for statement in rollups.UNINSTALL:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0015_history_redaction'),
        ('places', '0002_duplicates_place_aliases'),
    ]

    operations = [
        migrations.CreateModel(
            name='Admin1Rollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('reviewed', 'Reviewed'), ('published', 'Published'), ('retracted', 'Retracted')], max_length=10)),
                ('events', models.IntegerField()),
                ('fatalities', models.BigIntegerField()),
                ('first_date', models.DateField()),
                ('last_date', models.DateField()),
                ('country_code', models.CharField(max_length=3)),
                ('country_name', models.CharField(max_length=200)),
                ('event_type', models.CharField(max_length=40)),
                ('sub_event_type', models.CharField(max_length=50)),
                ('disorder_type', models.CharField(max_length=40)),
                ('admin1_id', models.BigIntegerField()),
            ],
            options={
                'verbose_name': 'admin1 rollup row',
                'constraints': [models.UniqueConstraint(fields=('country_code', 'country_name', 'admin1_id', 'status', 'event_type', 'sub_event_type', 'disorder_type'), name='admin1_rollup_key')],
            },
        ),
        migrations.CreateModel(
            name='CountryMonthRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('reviewed', 'Reviewed'), ('published', 'Published'), ('retracted', 'Retracted')], max_length=10)),
                ('events', models.IntegerField()),
                ('fatalities', models.BigIntegerField()),
                ('first_date', models.DateField()),
                ('last_date', models.DateField()),
                ('country_code', models.CharField(max_length=3)),
                ('country_name', models.CharField(max_length=200)),
                ('month', models.DateField()),
            ],
            options={
                'verbose_name': 'country-month rollup row',
                'indexes': [models.Index(fields=['status', 'country_code', 'month'], include=('country_name', 'events', 'fatalities', 'first_date', 'last_date'), name='country_month_rollup_read_idx')],
                'constraints': [models.UniqueConstraint(fields=('country_code', 'country_name', 'month', 'status'), name='country_month_rollup_key')],
            },
        ),
        migrations.CreateModel(
            name='MonthlyRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('reviewed', 'Reviewed'), ('published', 'Published'), ('retracted', 'Retracted')], max_length=10)),
                ('events', models.IntegerField()),
                ('fatalities', models.BigIntegerField()),
                ('first_date', models.DateField()),
                ('last_date', models.DateField()),
                ('country_code', models.CharField(max_length=3)),
                ('country_name', models.CharField(max_length=200)),
                ('event_type', models.CharField(max_length=40)),
                ('sub_event_type', models.CharField(max_length=50)),
                ('disorder_type', models.CharField(max_length=40)),
                ('month', models.DateField()),
            ],
            options={
                'verbose_name': 'monthly rollup row',
                'constraints': [models.UniqueConstraint(fields=('country_code', 'country_name', 'month', 'status', 'event_type', 'sub_event_type', 'disorder_type'), name='monthly_rollup_key')],
            },
        ),
        migrations.CreateModel(
            name='TypeMonthRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('reviewed', 'Reviewed'), ('published', 'Published'), ('retracted', 'Retracted')], max_length=10)),
                ('events', models.IntegerField()),
                ('fatalities', models.BigIntegerField()),
                ('first_date', models.DateField()),
                ('last_date', models.DateField()),
                ('event_type', models.CharField(max_length=40)),
                ('sub_event_type', models.CharField(max_length=50)),
                ('disorder_type', models.CharField(max_length=40)),
                ('month', models.DateField()),
            ],
            options={
                'verbose_name': 'type-month rollup row',
                'constraints': [models.UniqueConstraint(fields=('month', 'status', 'event_type', 'sub_event_type', 'disorder_type'), name='type_month_rollup_key')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
