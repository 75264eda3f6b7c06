"""One client address for every throttle: django-axes' lockout and the API's anonymous rate both
key on config.proxies.client_ip, which trusts X-Forwarded-For only behind TRUSTED_PROXY_COUNT
proxies (0: the socket address)."""

import pytest
from django.core.cache import cache
from django.test import Client

URL = "/api/v1/events/"
ACLED_URL = "/api/acled/read/"


@pytest.fixture
def two_a_minute(settings, db):
    cache.clear()
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    yield
    cache.clear()


@pytest.mark.parametrize("url", [URL, ACLED_URL])
def test_a_fresh_x_forwarded_for_per_request_does_not_escape_the_anonymous_throttle(two_a_minute, url):
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get(url, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_without_proxies_the_socket_address_is_the_identity(two_a_minute):
    assert [Client(REMOTE_ADDR="203.0.113.9").get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR="198.51.100.20").get(URL).status_code == 200


def test_behind_one_proxy_the_right_most_forwarded_address_is_the_identity(two_a_minute, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    # The client makes up a hop each time; the proxy appends the address it really saw.
    statuses = [proxy.get(URL, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    # Another client behind the same proxy has its own allowance.
    assert proxy.get(URL, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 200
