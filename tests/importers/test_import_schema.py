"""What an import writes besides its rows: the indexes of the tables it fills (docs/benchmarks.md,
"Imports into a million events"). Each index here is one an import pays for on every row."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _indexed_columns(table: str) -> set[str]:
    """The leading column (or expression) of each index of `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.attname FROM pg_index i
               JOIN pg_class t ON t.oid = i.indrelid
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
              WHERE t.relname = %s""",
            [table],
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.parametrize(
    ("table", "kept"),
    [
        # Read by the event's id (events.history); user deletion sets history_user to NULL.
        ("events_historicalevent", {"history_id", "id", "history_user_id"}),
        # Read by the row's id and by its event's.
        ("events_historicaleventactor", {"history_id", "id", "event_id", "history_user_id"}),
        ("events_historicalcitation", {"history_id", "id", "event_id", "history_user_id"}),
    ],
)
def test_history_tables_index_only_the_columns_their_reads_filter_on(table, kept):
    assert _indexed_columns(table) == kept


def test_an_import_leaves_nothing_in_the_text_indexes_pending_lists(tmp_path):
    """The run gathers its full-text and trigram entries in the GIN pending lists (a larger
    gin_pending_list_limit) and merges them before it commits: searches never read them one by one."""
    from events.acled import ACLED_COLUMNS
    from events.importers.acled import import_acled_file
    from tests.acled_files import current_row, write_csv

    rows = [
        current_row(event_id_cnty=f"SYR{1000 + n}", notes=f"Shelling near the airport, report {n}.")
        for n in range(30)
    ]
    outcome = import_acled_file(write_csv(tmp_path / "acled.csv", ACLED_COLUMNS, rows), progress=False)
    assert outcome.batch.created == 30
    with connection.cursor() as cursor:
        for index in ("event_notes_fts_idx", "event_notes_trgm_idx"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            assert cursor.fetchone()[0] == 0, index
