"""gunicorn as `make serve` runs it (config/gunicorn.py): an access log without the ACLED API's
credentials (config/access_log.py), and X-Forwarded-Proto believed only behind a trusted proxy."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.access_log import redact_query, redact_url

pytestmark = pytest.mark.slow  # starts gunicorn

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        ("key=s3cret&email=a%40b.org&limit=5", "key=[redacted]&email=[redacted]&limit=5"),
        ("country=Syria", "country=Syria"),
        ("", ""),
        ("KEY=s3cret", "KEY=[redacted]"),  # case does not matter
        ("%6Bey=s3cret&e%6Dail=a@b.org", "%6Bey=[redacted]&e%6Dail=[redacted]"),  # nor encoding
        ("key=a&key=b", "key=[redacted]&key=[redacted]"),
        ("limit=5;key=s3cret", "limit=5;key=[redacted]"),
        ("key", "key"),  # no value to hide
        ("monkey=1&keys=2&email_domain=x", "monkey=1&keys=2&email_domain=x"),  # other names alone
        ("notes=key=s3cret", "notes=key=s3cret"),  # a value that merely contains "key="
        ("password=p&access_token=t", "password=[redacted]&access_token=[redacted]"),
    ],
)  # fmt: skip
def test_the_values_of_credential_parameters_are_redacted(query, logged):
    assert redact_query(query) == logged


def test_a_url_keeps_its_path_and_loses_its_secrets():
    assert (
        redact_url("/api/acled/read?key=s3cret&country=Syria")
        == "/api/acled/read?key=[redacted]&country=Syria"
    )
    assert (
        redact_url("https://x.org/api/acled/read?email=a@b.org")
        == "https://x.org/api/acled/read?email=[redacted]"
    )
    assert redact_url("/api/acled/read") == "/api/acled/read"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(tmp_path, **env: str):
    """gunicorn with the project's config on a free port, one worker; yields (port, access log)."""
    port, log = free_port(), tmp_path / "access.log"
    environment = {
        **os.environ,
        "WORKERS": "1",
        "THREADS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        **env,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log)],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(150):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start")
        yield port, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_gunicorn_with_the_projects_config_logs_no_key(tmp_path):
    with gunicorn(tmp_path) as (port, log):
        assert get(port, "/healthz?key=s3cret-token&email=curator%40example.org").status == 200
        for _ in range(50):
            if "healthz" in log.read_text():
                break
            time.sleep(0.1)
    line = log.read_text()
    assert "GET /healthz?key=[redacted]&email=[redacted] HTTP/1.1" in line
    assert "s3cret" not in line and "curator" not in line


@pytest.mark.parametrize(("proxies", "redirected"), [("0", True), ("1", False)])
def test_x_forwarded_proto_is_believed_only_behind_a_trusted_proxy(tmp_path, proxies, redirected):
    # With the HTTPS redirect on, a request the server takes for plain http is sent to https://.
    with gunicorn(tmp_path, TRUSTED_PROXY_COUNT=proxies, SECURE_SSL_REDIRECT="1") as (port, _):
        response = get(port, "/admin/login/", **{"X-Forwarded-Proto": "https"})
    assert (response.status == 301) is redirected
    if redirected:
        assert response.getheader("Location").startswith("https://")
