"""Turn a lost database connection into a 503 the client can retry, never a 500; and a statement
the database cancelled for running too long into a 503 saying the query was too broad."""

import logging

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.http import JsonResponse

from config.statement_timeout import statement_cancelled, too_broad_message

logger = logging.getLogger(__name__)

# What drivers say when the server is gone, refuses, or (SQLite) the file is locked or missing.
UNAVAILABLE_MESSAGES = (
    "connection",
    "server closed",
    "terminating",
    "could not connect",
    "database is locked",
    "unable to open database",
    "the database system is",
    "timeout",
)


def database_unavailable(exception: BaseException) -> bool:
    """True for a lost or refused connection; False for a bug such as SQL SQLite cannot parse."""
    if isinstance(exception, InterfaceError):
        return True
    if not isinstance(exception, OperationalError):
        return False
    if any(c.connection is not None and not c.is_usable() for c in connections.all(initialized_only=True)):
        return True
    message = str(exception).lower()
    return any(fragment in message for fragment in UNAVAILABLE_MESSAGES)


class DatabaseUnavailableMiddleware:
    """A dropped or refused connection answers 503 with Retry-After; the next request reconnects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if statement_cancelled(exception):
            logger.warning("statement cancelled during %s %s: %s", request.method, request.path, exception)
            return JsonResponse({"detail": too_broad_message(exception), "errors": []}, status=503)
        if not database_unavailable(exception):
            return None
        logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        # Discard the broken connections so the next request opens fresh ones.
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None and not connection.is_usable():
                connection.close()
        close_old_connections()
        response = JsonResponse(
            {"detail": "The database is unavailable; please retry shortly.", "errors": []}, status=503
        )
        response["Retry-After"] = "5"
        return response
