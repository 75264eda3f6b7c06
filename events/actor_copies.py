"""The event's date, status and updated_at copied onto its actors' rows (EventActor.event_date,
.status, .updated_at).

They let an actor's page and its count come from one range of event_actor_page_idx, and an
actor's cursor page from one range of event_actor_cursor_idx, without a probe into the events
per match (docs/benchmarks.md, "An actor's events", "An actor's cursor pages").

Kept by row-level triggers in the database, on PostgreSQL and SQLite alike, rather than by
service code: event actors and events are written by the services, the admin's inlines and bulk
actions, merges, the importers' COPY and `UPDATE … FROM`, seed_demo's COPY and any
`queryset.update()`; a path that forgot a service call would silently drop events from actors'
pages, and a trigger cannot be forgotten. The rollups are kept the same way (events/rollups.py).

- an event actor inserted, or its event or a copy updated, reads them from its event;
- an event whose date, status or updated_at changes writes them to its actors' rows (updated_at
  changes on every save of an event: each save rewrites its actors' rows, ~2 at a million events).

Django never writes them (a save() sends what it holds, which the triggers then overwrite), and
the row's history leaves them out. `check_event_actors` compares them with the events and
`--rebuild` rewrites them.

SQLite drops a table's triggers when a migration rebuilds the table; the write-path test
(tests/events/test_actor_copies.py) runs on SQLite too and would notice.
"""

from __future__ import annotations

from django.db import connections

EVENT_ACTORS, EVENTS = "events_eventactor", "events_event"

# The copies of every row against the event's values, as one UPDATE (SQLite has no UPDATE … FROM
# before 3.33, so correlated subqueries there).
_REWRITE = {
    "postgresql": f"""
        UPDATE {EVENT_ACTORS} ea SET event_date = e.event_date, status = e.status, updated_at = e.updated_at
        FROM {EVENTS} e
        WHERE e.id = ea.event_id
          AND (ea.event_date, ea.status, ea.updated_at)
              IS DISTINCT FROM (e.event_date, e.status, e.updated_at)
    """,
    "sqlite": f"""
        UPDATE {EVENT_ACTORS} SET
            event_date = (SELECT e.event_date FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id),
            status = (SELECT e.status FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id),
            updated_at = (SELECT e.updated_at FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id)
        WHERE event_date IS NOT (SELECT e.event_date FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id)
           OR status IS NOT (SELECT e.status FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id)
           OR updated_at IS NOT (SELECT e.updated_at FROM {EVENTS} e WHERE e.id = {EVENT_ACTORS}.event_id)
    """,
}

# SQLite's triggers cannot change NEW: they update the row after it is written, with its event's values.
_SQLITE_READ = f"""UPDATE {EVENT_ACTORS} SET
        event_date = (SELECT e.event_date FROM {EVENTS} e WHERE e.id = NEW.event_id),
        status = (SELECT e.status FROM {EVENTS} e WHERE e.id = NEW.event_id),
        updated_at = (SELECT e.updated_at FROM {EVENTS} e WHERE e.id = NEW.event_id)
    WHERE id = NEW.id;"""

INSTALL = {
    "postgresql": [
        # BEFORE, so the copies are in the row as written: no second version of it.
        f"""
CREATE OR REPLACE FUNCTION events_actor_copies_read() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT e.event_date, e.status, e.updated_at INTO NEW.event_date, NEW.status, NEW.updated_at
    FROM {EVENTS} e WHERE e.id = NEW.event_id;
    RETURN NEW;
END $$
""",
        f"""CREATE TRIGGER events_actor_copies_read
            BEFORE INSERT OR UPDATE OF event_id, event_date, status, updated_at ON {EVENT_ACTORS}
            FOR EACH ROW EXECUTE FUNCTION events_actor_copies_read()""",
        f"""
CREATE OR REPLACE FUNCTION events_actor_copies_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {EVENT_ACTORS} SET event_date = NEW.event_date, status = NEW.status, updated_at = NEW.updated_at
    WHERE event_id = NEW.id;
    RETURN NULL;
END $$
""",
        # The WHEN clause is evaluated without calling the function: an update that changes
        # none of them (an unchanged re-import's, a queryset.update() of other columns) costs
        # nothing more.
        f"""CREATE TRIGGER events_actor_copies_write AFTER UPDATE OF event_date, status, updated_at
            ON {EVENTS} FOR EACH ROW WHEN (OLD.event_date IS DISTINCT FROM NEW.event_date
                                           OR OLD.status IS DISTINCT FROM NEW.status
                                           OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
            EXECUTE FUNCTION events_actor_copies_write()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER events_actor_copies_read_insert AFTER INSERT ON {EVENT_ACTORS} FOR EACH ROW
BEGIN
{_SQLITE_READ}
END""",
        f"""CREATE TRIGGER events_actor_copies_read_update
    AFTER UPDATE OF event_id, event_date, status, updated_at ON {EVENT_ACTORS} FOR EACH ROW
    WHEN NEW.event_date IS NOT (SELECT e.event_date FROM {EVENTS} e WHERE e.id = NEW.event_id)
      OR NEW.status IS NOT (SELECT e.status FROM {EVENTS} e WHERE e.id = NEW.event_id)
      OR NEW.updated_at IS NOT (SELECT e.updated_at FROM {EVENTS} e WHERE e.id = NEW.event_id)
BEGIN
{_SQLITE_READ}
END""",
        f"""CREATE TRIGGER events_actor_copies_write
    AFTER UPDATE OF event_date, status, updated_at ON {EVENTS}
    FOR EACH ROW WHEN OLD.event_date IS NOT NEW.event_date OR OLD.status IS NOT NEW.status
                   OR OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE {EVENT_ACTORS} SET event_date = NEW.event_date, status = NEW.status, updated_at = NEW.updated_at
    WHERE event_id = NEW.id;
END""",
    ],
}

UNINSTALL = {
    "postgresql": [
        f"DROP TRIGGER IF EXISTS events_actor_copies_write ON {EVENTS}",
        f"DROP TRIGGER IF EXISTS events_actor_copies_read ON {EVENT_ACTORS}",
        "DROP FUNCTION IF EXISTS events_actor_copies_write()",
        "DROP FUNCTION IF EXISTS events_actor_copies_read()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS events_actor_copies_write",
        "DROP TRIGGER IF EXISTS events_actor_copies_read_update",
        "DROP TRIGGER IF EXISTS events_actor_copies_read_insert",
    ],
}


def install(using: str = "default") -> None:
    """Fill the copies of the rows already stored, then create the triggers (migrations 0021, 0022);
    again after a failed run, since the triggers are dropped first."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in UNINSTALL[connection.vendor]:
            cursor.execute(statement)
        cursor.execute(_REWRITE[connection.vendor])
        for statement in INSTALL[connection.vendor]:
            cursor.execute(statement)


def uninstall(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in UNINSTALL[connection.vendor]:
            cursor.execute(statement)


def rebuild(using: str = "default") -> int:
    """Rewrite the copies that differ from their events' values; returns how many rows it wrote."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_REWRITE[connection.vendor])
        return cursor.rowcount


def differences(using: str = "default", *, limit: int = 20) -> list[dict]:
    """Event-actor rows whose copies differ from their event's date, status and updated_at (at most
    `limit`), each with both sides. Empty when every copy is exact."""
    statement = f"""
        SELECT ea.id AS event_actor, ea.event_id AS event, ea.event_date AS copied_date,
               e.event_date AS event_date, ea.status AS copied_status, e.status AS status,
               ea.updated_at AS copied_updated_at, e.updated_at AS updated_at
        FROM {EVENT_ACTORS} ea JOIN {EVENTS} e ON e.id = ea.event_id
        WHERE ea.event_date IS NULL OR ea.event_date <> e.event_date OR ea.status <> e.status
           OR ea.updated_at IS NULL OR ea.updated_at <> e.updated_at
        ORDER BY ea.id
        LIMIT {int(limit)}
    """
    with connections[using].cursor() as cursor:
        cursor.execute(statement)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
