"""The OpenAPI schema, the offline docs pages, and schemathesis run against the schema.

Schemathesis/Hypothesis run derandomized, with a capped number of examples per operation and no
deadline (docs/api.md): every response must be a non-5xx whose status code, content
type, headers and body the schema declares, 4xx errors included.
"""

import os
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_helpers import build_small_world, client_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# `make fuzz` runs these tests longer: FUZZ_EXAMPLES examples per operation for both callers.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES or 15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(db):
    """Data for the fuzzed requests, which call the WSGI application directly.

    Like Django's test client, keep the request signals from closing the database connection, which
    would end the test's transaction on PostgreSQL.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield build_small_world()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def curator_token(curator) -> str:
    return Token.objects.create(user=curator).key


# Loaded through the WSGI application, as a client would; the schema view needs no database.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"seed": 20151110, "phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}}
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)


# Every operation, the exports included (each declares its file's media type).
OWN = schema
# Schemathesis' WSGI transport asks for gzip like `requests` but does not undo it; the aggregates
# answer gzip when asked (tests/api/test_aggregates.py checks that), so these ask for plain bodies.
PLAIN = {"Accept-Encoding": "identity"}


@OWN.include(method="GET").parametrize()
@FUZZ
def test_every_read_operation_conforms_for_anonymous_callers(case, world):
    case.call_and_validate(headers=PLAIN, checks=CHECKS)


@OWN.include(path_regex="^/api/v1/").parametrize()
@settings(FUZZ, max_examples=FUZZ_EXAMPLES or 6)
def test_every_operation_conforms_for_a_curator(case, world, curator_token):
    case.call_and_validate(headers={**PLAIN, "Authorization": f"Token {curator_token}"}, checks=CHECKS)


# --- the schema itself -------------------------------------------------------------------------


def test_schema_documents_every_event_filter_with_its_type_and_values(db):
    schema = client_for().get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/events/"]["get"]["parameters"]}
    for name in [
        "date_after",
        "date_before",
        "date_mode",
        "year",
        "country",
        "place",
        "event_type",
        "sub_event_type",
        "disorder_type",
        "actor",
        "actor_kind",
        "interaction",
        "fatalities_min",
        "fatalities_max",
        "civilian_targeting",
        "source",
        "status",
        "q",
        "updated_since",
        "ordering",
        "fields",
        "page",
        "page_size",
        "pagination",
        "cursor",
    ]:
        assert name in parameters, name
        assert parameters[name]["schema"].get("type"), name
        assert parameters[name].get("description"), name
    assert "Battles" in parameters["event_type"]["schema"]["items"]["enum"]
    assert parameters["date_mode"]["schema"]["enum"] == ["overlap", "within"]
    assert parameters["actor_kind"]["schema"]["items"]["enum"] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert parameters["fatalities_min"]["schema"]["type"] == "integer"
    assert parameters["updated_since"]["schema"]["format"] == "date-time"


def test_error_responses_share_one_declared_shape(db):
    schema = client_for().get("/api/schema/?format=json").json()
    error_ref = "#/components/schemas/Error"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            for code in ["400", "401", "403", "404", "429"]:
                assert declared[code]["content"]["application/json"]["schema"]["$ref"] == error_ref, (
                    path,
                    method,
                )
            if method in ("post", "put", "patch", "delete"):
                assert {"409", "412"} <= set(declared), (path, method)


# --- the docs pages work without network access ------------------------------------------------


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_static_files(db, settings, url):
    # Serve static files as runserver and collectstatic + whitenoise do.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    off_site = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
    assert off_site == [], off_site
    assets = re.findall(r"""["'](/static/[^"']+\.(?:js|css|png))["']""", html)
    assert assets, html
    for asset in assets:
        path = asset.removeprefix("/static/")
        assert finders.find(path), f"{asset} is not an installed static file"
        served = client.get(asset)
        assert served.status_code == 200, asset
