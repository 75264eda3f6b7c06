"""Send API and export reads to a read replica when DATABASE_REPLICA_URL is set.

Writes, the admin and anything inside a transaction stay on the primary. The request
middleware below marks API GET requests; export commands use `reads_from_replica()`.

Two rules keep the replica invisible to users (docs/scaling.md, section 4):

- read your own writes: a request that changes something (POST, PUT, PATCH, DELETE answered
  below 400) sets a cookie that sends the same client's reads to the primary for
  `REPLICA_STICKY_SECONDS`, longer than the replica's lag;
- a lost replica costs no errors: before reads are routed to it, its connection is checked
  (Django's health check of a reused connection, or a new connection); if that fails it is
  marked down for `REPLICA_RETRY_SECONDS` in this process and reads go to the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)

# Paths whose safe requests may read from the replica (the admin is not among them).
REPLICA_PATH_PREFIXES = ("/api/",)
# Only the data set is read from the replica; users, sessions and tokens stay on the primary
# so a token created a moment ago authenticates despite replication lag.
REPLICA_APPS = frozenset({"events", "actors", "places"})
# Set after a write: until the time (Unix seconds) it holds, this client reads from the primary.
STICKY_COOKIE = "chronicle_primary_until"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Monotonic time until which this process leaves the replica alone after a failed connect.
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_available() -> bool:
    """True when the replica is configured, not marked down, and answers a connect."""
    global _replica_down_until
    if not replica_configured() or time.monotonic() < _replica_down_until:
        return False
    database = connections[REPLICA]
    try:
        database.close_if_health_check_failed()  # a reused connection: SELECT 1 once per request
        database.ensure_connection()
    except DatabaseError as error:
        retry = settings.REPLICA_RETRY_SECONDS
        _replica_down_until = time.monotonic() + retry
        logger.warning("read replica unavailable, reading from the primary for %s s: %s", retry, error)
        with contextlib.suppress(DatabaseError):
            database.close()
        return False
    return True


@contextlib.contextmanager
def _reading_from_replica(use: bool) -> Iterator[None]:
    token = _use_replica.set(use)
    try:
        yield
    finally:
        _use_replica.reset(token)


@contextlib.contextmanager
def reads_from_replica() -> Iterator[None]:
    """Within this block, ORM reads go to the replica (if configured and reachable)."""
    with _reading_from_replica(replica_available()):
        yield


def _streamed_from_replica(content: Iterable) -> Iterator:
    """A streamed body is produced after the middleware returns: read each chunk from the replica.

    The flag is set around each chunk only, never across a `yield`, so it cannot leak into the
    server code that iterates the response.
    """
    chunks = iter(content)
    while True:
        with _reading_from_replica(True):
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


class ReplicaRouter:
    """Reads go to the replica inside reads_from_replica() unless the primary is mid-transaction."""

    def db_for_read(self, model, **hints):
        if not (_use_replica.get() and replica_configured()):
            return None
        if model._meta.app_label not in REPLICA_APPS:
            return None
        if connections["default"].in_atomic_block:
            return None  # read your own writes
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _recently_wrote(request) -> bool:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaReadsMiddleware:
    """Marks safe requests under /api/ as replica reads, unless the client wrote a moment ago."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            if replica_configured() and response.status_code < 400:
                sticky = settings.REPLICA_STICKY_SECONDS
                response.set_cookie(
                    STICKY_COOKIE,
                    str(int(time.time()) + sticky),
                    max_age=sticky,
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        if not request.path.startswith(REPLICA_PATH_PREFIXES) or _recently_wrote(request):
            return self.get_response(request)
        use = replica_available()
        with _reading_from_replica(use):
            response = self.get_response(request)
        if use and response.streaming:
            response.streaming_content = _streamed_from_replica(response.streaming_content)
        return response
