"""Connection settings as the PostgreSQL client tools (pg_dump, psql) and DATABASE_URL spell them."""

from __future__ import annotations

import os
from urllib.parse import quote

POSTGRES_ENGINES = ("django.db.backends.postgresql",)


def is_postgres(db: dict) -> bool:
    return db.get("ENGINE") in POSTGRES_ENGINES


def libpq_env(db: dict, *, name: str | None = None) -> dict[str, str]:
    """os.environ plus PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for a Django database dict.

    Passing the password through the environment keeps it out of `ps` listings.
    """
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", name or db.get("NAME")),
    ):
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def database_url(db: dict, *, name: str | None = None) -> str:
    """The DATABASE_URL for a Django database dict, optionally naming another database."""
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(name or db['NAME'], safe='')}"


def conninfo(db: dict, *, name: str | None = None) -> str:
    """A libpq connection string (for psycopg.connect) for a Django database dict."""
    return database_url(db, name=name).replace("postgres://", "postgresql://", 1)
