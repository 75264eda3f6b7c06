"""python manage.py import_ucdp PATH [--dry-run] [--strict] [--batch-size N] [--errors-out PATH]"""

from events.importers.command import ImportCommand
from events.importers.ucdp import import_ucdp_file


class Command(ImportCommand):
    help = (
        "Import a UCDP GED CSV (Georeferenced Event Dataset), mapped to Chronicle's ACLED-style "
        "events (see docs/import-export.md). Idempotent, like import_acled."
    )
    importer = staticmethod(import_ucdp_file)
