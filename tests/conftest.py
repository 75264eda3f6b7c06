"""Shared fixtures: users in each role, a small place hierarchy, events."""

import pytest
from django.db import connection

from events.roles import CURATOR, REVIEWER, VIEWER
from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    """Browser and replica tests are slow; tests marked `postgres` or `replica` need PostgreSQL
    (on SQLite they are skipped with the reason)."""
    for item in items:
        if "browser" in item.keywords or "replica" in item.keywords:
            item.add_marker(pytest.mark.slow)
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL; .ci/run runs it there")
    for item in items:
        if "postgres" in item.keywords or "replica" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", role=VIEWER)


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", role=CURATOR)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role=REVIEWER)


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_superuser=True)


@pytest.fixture(autouse=True)
def anonymous_api_throttle_off(settings):
    """No anonymous API throttling in tests (the locmem cache outlives each test); a test of
    throttling sets its own rate."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "anon": "off"}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """MD5 hashing in tests: the real hasher's deliberate slowness dominates fixture time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def login_throttling_off(settings):
    """django-axes off by default: its backend needs a request, which the test client's login()
    does not pass. tests/security/test_login_throttling.py turns it on and signs in through the real forms."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Uploads and export files land in the test's own folder, never in the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
