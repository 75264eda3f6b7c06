"""chronicle_row_estimate(query): the planner's row estimate for a query, on PostgreSQL only.

The API's page-number counts are exact up to 10,000 matches and estimated beyond (docs/architecture.md);
with this function the capped COUNT and the estimate are one statement, so a list page stays
within its query budget (core.paging.capped_count). The query text is composed by
Django (parameters quoted by psycopg); EXPLAIN without ANALYZE runs nothing. On SQLite this
migration does nothing and counts stay exact.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION chronicle_row_estimate(query text) RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS chronicle_row_estimate(text)"


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0006_exportjob")]
    operations = [migrations.RunPython(create_function, drop_function)]
