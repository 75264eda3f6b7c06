"""PostgreSQL statement timeouts for web requests (docs/security.md, "Limits").

A web process (gunicorn, runserver: config/wsgi.py and config/asgi.py call
`enable_for_web_process()`) sets `statement_timeout` to STATEMENT_TIMEOUT_MS once on each new
connection, so no request can hold a connection for minutes. Migrations, management commands,
Celery workers and tests never import config.wsgi and keep PostgreSQL's default (no limit).

Bulk reads served over the web (the streamed exports, ACLED reads of every row or more than
5,000, the admin import) run inside `bulk_statement_timeout(using)`: a transaction on the
connection that reads (the replica's, if the router chose it) with `SET LOCAL statement_timeout`
from BULK_STATEMENT_TIMEOUT_MS, which ends with the transaction.

A statement PostgreSQL cancels for running too long (SQLSTATE 57014) answers its own 503 (too
broad a query, and the limit), not "database unavailable": `statement_cancelled()` recognises it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.signals import connection_created

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (timeout or request)
_DISPATCH_UID = "chronicle-statement-timeout"


def enable_for_web_process() -> None:
    """Give every connection this process opens from now on the web statement timeout."""
    connection_created.connect(set_statement_timeout, dispatch_uid=_DISPATCH_UID)


def disable() -> None:
    connection_created.disconnect(dispatch_uid=_DISPATCH_UID)


def set_statement_timeout(sender=None, connection=None, **kwargs) -> None:
    """connection_created receiver: `statement_timeout` for the session (PostgreSQL only; 0 = off).

    A new connection is in autocommit mode when the signal is sent, so the setting holds for the
    session, not only for a transaction that might roll back."""
    limit = settings.STATEMENT_TIMEOUT_MS
    if connection.vendor != "postgresql" or limit <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{limit}ms"])


@contextlib.contextmanager
def bulk_statement_timeout(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block in a transaction on `using` whose statements may take BULK_STATEMENT_TIMEOUT_MS.

    Use the alias the reads go through (`queryset.db`): the router sends reads to the replica
    only while the primary is outside a transaction, and a COPY inside a transaction runs on its
    caller's connection (events/exports/copy.py), so this is the connection that does the work."""
    limit = settings.BULK_STATEMENT_TIMEOUT_MS
    try:
        with transaction.atomic(using=using):
            connection = connections[using]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{max(limit, 0)}ms"])
            yield
    except Exception as exc:
        if statement_cancelled(exc):
            exc.statement_timeout_ms = limit  # for the message: the bulk limit was the one passed
        raise


def statement_cancelled(exception: BaseException) -> bool:
    """Whether PostgreSQL cancelled the statement (psycopg's QueryCanceled, SQLSTATE 57014),
    raised as itself or wrapped in Django's OperationalError."""
    while exception is not None:
        if getattr(exception, "sqlstate", None) == QUERY_CANCELED:
            return True
        exception = exception.__cause__
    return False


def too_broad_message(exception: BaseException) -> str:
    """What a client is told when its query was cancelled (one wording for every surface)."""
    limit_ms = getattr(exception, "statement_timeout_ms", None) or settings.STATEMENT_TIMEOUT_MS
    return (
        f"The query was too broad: the database stopped it after the {limit_ms:,} ms limit. "
        "Narrow the filters (fewer or longer text patterns, a shorter date range), or page "
        "through the results with a smaller limit."
    )


def bulk_stream(chunks: Iterable, *, using: str = DEFAULT_DB_ALIAS) -> Iterator:
    """A streamed body read inside bulk_statement_timeout(using): the transaction begins with the
    first chunk and ends with the last, or rolls back when the response is closed early (a client
    gone). A response never read never opens it."""
    with bulk_statement_timeout(using=using):
        yield from chunks
