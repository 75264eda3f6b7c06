"""gunicorn's access log without credentials (config/gunicorn.py: `logger_class`).

The ACLED-compatible API takes its credentials in the query string (`?key=…&email=…`, as ACLED's
clients send them); gunicorn would write them into every access-log line, readable by whoever
reads the logs. Their values are replaced by "[redacted]"; the parameter names stay, so the log
still shows that a caller authenticated.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

SECRET_PARAMETERS = frozenset({"key", "email", "password", "access_token", "refresh_token"})
REDACTED = "[redacted]"
_SEPARATORS = re.compile(r"([&;])")


def redact_query(query: str) -> str:
    """A query string with the values of SECRET_PARAMETERS replaced, whatever their case or encoding."""
    if not query:
        return query
    parts = _SEPARATORS.split(query)
    for index in range(0, len(parts), 2):  # odd positions hold the separators
        name, equals, _ = parts[index].partition("=")
        if equals and unquote_plus(name).strip().lower() in SECRET_PARAMETERS:
            parts[index] = f"{name}={REDACTED}"
    return "".join(parts)


def redact_url(url: str) -> str:
    """A URL or request target (`/api/acled/read?key=…`) with its query string redacted."""
    path, question, query = url.partition("?")
    return f"{path}?{redact_query(query)}" if question else url


class RedactingLogger(Logger):
    """gunicorn's logger with every access-log atom redacted: request line, query, referer, environ."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name in ("q", "{query_string}e"):
                atoms[name] = redact_query(value)
            elif "?" in value:
                atoms[name] = redact_url(value)
        # "GET /api/acled/read?key=… HTTP/1.1": the target alone is a URL.
        target = redact_url(environ["RAW_URI"])
        atoms["r"] = f"{environ['REQUEST_METHOD']} {target} {environ['SERVER_PROTOCOL']}"
        return atoms
