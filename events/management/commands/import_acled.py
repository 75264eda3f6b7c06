"""python manage.py import_acled PATH [--dry-run] [--strict] [--batch-size N] [--errors-out PATH]"""

from events.importers.acled import import_acled_file
from events.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import an ACLED CSV export (current or pre-2019 layout, detected from the header). "
        "Idempotent: rows already stored unchanged are not written again."
    )
    importer = staticmethod(import_acled_file)
