"""gunicorn settings shared by `make serve` and `make loadtest` (docs/operations.md).

Threaded workers (gthread): the master hears from every worker each second whatever its requests
are doing, so a streamed export that runs for minutes is not killed as a hung worker, which a
synchronous worker is after `timeout` seconds (the load test's full CSV exports of 1,000,000
events were cut off at 30 s); and a thread waiting on PostgreSQL leaves the others to work.
"""

import os

wsgi_app = "config.wsgi"
worker_class = "gthread"
workers = int(os.environ.get("WORKERS", "3"))
threads = int(os.environ.get("THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a worker silent this long is restarted
graceful_timeout = 30
# The longest request line gunicorn reads (its maximum): acledR 1.x asks for a call's ~240
# countries as `country=…:OR:country=…` in one URL of 5–8 KB. Django then caps the query string
# at MAX_QUERY_STRING_BYTES.
limit_request_line = 8190
# Access-log lines without the ACLED API's `key=` and `email=` values (config/access_log.py).
logger_class = "config.access_log.RedactingLogger"
# X-Forwarded-Proto only from a trusted proxy, as in the Django settings (docs/security.md,
# "Proxies"): gunicorn would otherwise believe it from any client on 127.0.0.1.
if int(os.environ.get("TRUSTED_PROXY_COUNT", "0")) == 0:
    secure_scheme_headers: dict[str, str] = {}
