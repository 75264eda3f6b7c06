import re

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef

# The change reason every import gives the history rows it writes (events.importers.common.run_import).
IMPORT_REASON = re.compile(r"^Imported from .* \(import batch (\d+)\)$", re.DOTALL)


def mark_imported_citations(apps, schema_editor):
    """Mark the citations imports made before citations carried their import.

    A citation counts as imported when its first history row was written by an import (the change
    reason names the batch) and it is still as that import left it: the quote unchanged and the
    fields no import fills (url, archive_url, supports, dates, reported fatalities) still blank. A
    citation a curator added, or edited since, stays the curator's.
    """
    Citation = apps.get_model("events", "Citation")
    HistoricalCitation = apps.get_model("events", "HistoricalCitation")
    ImportBatch = apps.get_model("events", "ImportBatch")
    db = schema_editor.connection.alias
    reasons = (
        HistoricalCitation.objects.using(db)
        .filter(history_type="+", history_change_reason__startswith="Imported from ")
        .order_by()
        .values_list("history_change_reason", flat=True)
        .distinct()
    )
    batches = {}
    for reason in reasons:
        if match := IMPORT_REASON.match(reason):
            batches[reason] = int(match.group(1))
    existing = set(
        ImportBatch.objects.using(db).filter(pk__in=set(batches.values())).values_list("pk", flat=True)
    )
    for reason, batch_id in batches.items():
        if batch_id not in existing:
            continue
        made_by_import = HistoricalCitation.objects.using(db).filter(
            id=OuterRef("pk"), history_type="+", history_change_reason=reason, quote=OuterRef("quote")
        )
        Citation.objects.using(db).filter(
            Exists(made_by_import),
            import_batch__isnull=True,
            url="",
            archive_url="",
            field="",
            published_on__isnull=True,
            accessed_on__isnull=True,
            reported_fatalities__isnull=True,
        ).update(import_batch_id=batch_id)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_covering_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="citation",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="citations",
                to="events.importbatch",
            ),
        ),
        migrations.AddField(
            model_name="historicalcitation",
            name="import_batch",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="events.importbatch",
            ),
        ),
        migrations.RunPython(mark_imported_citations, migrations.RunPython.noop, elidable=True),
    ]
