"""Send API and export reads to a read replica when DATABASE_REPLICA_URL is set.

Writes, the admin and anything inside a transaction stay on the primary. The request
middleware below marks API GET requests; export commands use `reads_from_replica()`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.db import connections

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)

# Paths whose safe requests may read from the replica (the admin is not among them).
REPLICA_PATH_PREFIXES = ("/api/",)
# Only the data set is read from the replica; users, sessions and tokens stay on the primary
# so a token created a moment ago authenticates despite replication lag.
REPLICA_APPS = frozenset({"events", "actors", "places"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def reads_from_replica() -> Iterator[None]:
    """Within this block, ORM reads go to the replica (if configured)."""
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


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


class ReplicaReadsMiddleware:
    """Marks GET/HEAD requests under /api/ as replica reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(REPLICA_PATH_PREFIXES):
            with reads_from_replica():
                return self.get_response(request)
        return self.get_response(request)
