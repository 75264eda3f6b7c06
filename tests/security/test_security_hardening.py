"""The low-severity findings of the side-door review, each as it was found."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.vocab import Status
from tests.api_helpers import client_for
from tests.factories import EventFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]


# --- a signed-in user without a role is anonymous -----------------------------------------------


def test_a_staff_user_without_a_role_sees_no_names_in_an_events_history(curator, viewer):
    event = EventFactory(status=Status.PUBLISHED)
    event.history.update(history_user=curator)
    url = f"/api/v1/events/{event.event_id}/history/"
    roleless = UserFactory(username="roleless")  # is_staff, in no group
    assert roleless.is_staff and not roleless.groups.exists()

    assert {entry["user"] for entry in client_for(roleless).get(url).json()} == {None}
    assert {entry["user"] for entry in client_for().get(url).json()} == {None}
    assert {entry["user"] for entry in client_for(viewer).get(url).json()} == {"curator"}


# --- X-Forwarded-Proto is a proxy's word, never a client's --------------------------------------

IS_SECURE = (
    "from django.test import RequestFactory; "
    "print(RequestFactory().get('/', HTTP_X_FORWARDED_PROTO='https').is_secure())"
)


@pytest.mark.parametrize(("proxies", "secure"), [("0", "False"), ("1", "True")])
def test_x_forwarded_proto_counts_only_behind_a_trusted_proxy(proxies, secure):
    # Settings are read once, at start-up: a fresh process for each value.
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", IS_SECURE],
        cwd=ROOT,
        env={**os.environ, "TRUSTED_PROXY_COUNT": proxies},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == secure


# --- Content-Security-Policy --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/events/", "/admin/login/", "/api/docs/", "/api/redoc/"])
def test_pages_carry_a_content_security_policy_without_inline_scripts(client, path):
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in client.get(path)["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_swagger_ui_starts_from_a_script_file_not_an_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page.replace(" ", "")
    assert client.get("/api/docs/?script").status_code == 200
