"""ACLED's OAuth token flow (POST /oauth/token, Bearer reads) as acledR 1.x and ACLED's guide use it.

acledR 1.x (`acled_auth()`) asks httr2 for `req_oauth_password(client = oauth_client("acled",
"https://acleddata.com/oauth/token"), username = email, password = password)`. httr2 then POSTs a
form-encoded body (`req_body_form`: grant_type=password, username, password, then the client's
client_id=acled, no secret) with `Accept: application/json`, sends `Authorization: Bearer
<access_token>` to /api/acled/read?_format=json… and /api/deleted/read?_format=json…, refreshes an
expired token with grant_type=refresh_token, refresh_token, client_id=acled, and signs in again when
a read answers 401 with `WWW-Authenticate: … error="invalid_token"`. Every token error it reads
from a JSON `{"error": …, "error_description": …}`. The requests below are those bytes.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
import requests
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken
from rest_framework.authtoken.models import Token

from core.vocab import Status
from events.acled_api.oauth import CLIENT_ID, ensure_acled_client
from events.models import Event, Tombstone
from tests.api_helpers import UTC, build_world
from tests.factories import PASSWORD, UserFactory

TOKEN_URL = "/oauth/token"
REVOKE_URL = "/oauth/revoke_token"
FORM = "application/x-www-form-urlencoded"
DAY = 24 * 3600
# The URLs acledR 1.x builds (acled_api(), acled_deletions_api()), host aside.
ACLEDR_READ = (
    "/api/acled/read?_format=json&country=Syria:OR:Iraq&location=Alep%"
    "&event_date=2014-01-01|2016-12-31&event_date_where=BETWEEN&inter_num=0&limit=0"
)
ACLEDR_DELETED = (
    "/api/deleted/read?_format=json&deleted_timestamp_where=%3E%3D&deleted_timestamp={ts}&limit=0"
)


@pytest.fixture
def world(db):
    w = build_world()
    Tombstone.objects.create(
        event_id="SYR999", removed_at=dt.datetime(2024, 7, 1, tzinfo=UTC), reason="error", deleted=True
    )
    return w


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="Alice.Analyst@example.org")


def token_request(client: Client, **fields):
    """POST /oauth/token as httr2's oauth_client_get_token() does: a form body, JSON wanted."""
    return client.post(TOKEN_URL, urlencode(fields), content_type=FORM, HTTP_ACCEPT="application/json")


def password_grant(client: Client, username: str, password: str = PASSWORD, **extra):
    return token_request(
        client, grant_type="password", username=username, password=password, client_id=CLIENT_ID, **extra
    )


def refresh_grant(client: Client, refresh_token: str):
    return token_request(client, grant_type="refresh_token", refresh_token=refresh_token, client_id=CLIENT_ID)


def bearer(client: Client, url: str, access_token: str):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {access_token}")


def payload(response) -> dict:
    """The JSON of a read (streamed) or an error (not)."""
    if response.streaming:
        return json.loads(b"".join(response.streaming_content))
    return response.json()


def signed_in(client: Client, access_token: str) -> bool:
    """/api/check/read says whether the credentials were taken (anonymous reads are allowed)."""
    response = bearer(client, "/api/check/read", access_token)
    if response.status_code == 401:
        return False
    assert response.status_code == 200, response.content
    return response.json()["messages"] == ["Credentials authorized."]


def assert_token_error(response, error: str = "invalid_grant") -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error
    return body.get("error_description", "")


def assert_invalid_token(response) -> None:
    """RFC 6750's answer for a dead access token, on which httr2 signs in again."""
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json()["success"] is False


# The round trip --------------------------------------------------------------------------------


def test_acledr_round_trip_token_reads_and_refresh(world, alice):
    client = Client()
    response = password_grant(client, "alice.analyst@EXAMPLE.org")  # e-mail, any case
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == DAY
    assert tokens["access_token"] and tokens["refresh_token"]

    # acled_api(email, password, country = c("Syria", "Iraq"), …, location = "Alep%"): its one URL,
    # with a bare `%` (a LIKE pattern) that oauthlib's URL parser would refuse.
    rows = bearer(client, ACLEDR_READ, tokens["access_token"])
    assert rows.status_code == 200, rows.content
    assert {row["event_id_cnty"] for row in payload(rows)["data"]} == world.ids("battle", "regain")
    # acled_update(df, email, password): deletions since the newest timestamp, then changed events.
    deleted = bearer(client, ACLEDR_DELETED.format(ts=1704067200), tokens["access_token"])
    assert deleted.status_code == 200, deleted.content
    assert [row["event_id_cnty"] for row in payload(deleted)["data"]] == ["SYR999"]
    changed = bearer(client, ACLEDR_READ + "&timestamp_where=%3E%3D&timestamp=0", tokens["access_token"])
    assert changed.status_code == 200, changed.content
    assert signed_in(client, tokens["access_token"])

    refreshed = refresh_grant(client, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    new = refreshed.json()
    assert new["token_type"] == "Bearer" and new["expires_in"] == DAY
    assert new["refresh_token"] != tokens["refresh_token"]  # rotated
    assert signed_in(client, new["access_token"])
    assert not signed_in(client, tokens["access_token"])  # the old access token went with it

    # The used refresh token is dead; replaying it revokes the whole family (RFC 9700 4.14.2).
    assert_token_error(refresh_grant(client, tokens["refresh_token"]))
    assert_token_error(refresh_grant(client, new["refresh_token"]))


def test_acleds_guide_form_with_scope_authenticated_and_a_multipart_body_work(alice):
    guide = password_grant(Client(), alice.email, scope="authenticated")
    assert guide.status_code == 200, guide.content
    multipart = Client().post(
        TOKEN_URL,
        {"grant_type": "password", "username": alice.email, "password": PASSWORD, "client_id": CLIENT_ID},
    )
    assert multipart.status_code == 200, multipart.content


def test_tokens_live_24_hours_and_refresh_tokens_14_days(alice):
    before = timezone.now()
    tokens = password_grant(Client(), alice.email).json()
    access = AccessToken.objects.get(user=alice)
    assert dt.timedelta(hours=24) <= access.expires - before < dt.timedelta(hours=24, minutes=1)
    assert access.token == ""  # stored hashed only

    # Day 13: the refresh token still works, and gives a new 14 days.
    AccessToken.objects.filter(user=alice).update(expires=timezone.now() - dt.timedelta(days=12))
    refreshed = refresh_grant(Client(), tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.content
    # 14 days after issue it is refused.
    AccessToken.objects.filter(user=alice).update(expires=timezone.now() - dt.timedelta(days=13, seconds=1))
    assert_token_error(refresh_grant(Client(), refreshed.json()["refresh_token"]))


# Refusals --------------------------------------------------------------------------------------


def test_a_wrong_password_an_unknown_email_or_a_user_name_are_json_400_invalid_grant(alice):
    assert_token_error(password_grant(Client(), alice.email, "not-the-password"))
    assert_token_error(password_grant(Client(), "nobody@example.org"))
    assert_token_error(password_grant(Client(), "alice"))  # the e-mail is the user name, as at ACLED
    assert_token_error(password_grant(Client(), "alice\x00@example.org"))  # not a 500
    assert not AccessToken.objects.exists()


def test_an_email_shared_by_two_accounts_signs_in_neither(alice):
    UserFactory(username="alice2", email="alice.analyst@example.org")
    assert_token_error(password_grant(Client(), alice.email))


def test_an_inactive_account_gets_no_token(alice):
    alice.is_active = False
    alice.save()
    assert_token_error(password_grant(Client(), alice.email))


def test_other_clients_and_grants_are_refused(alice):
    # An unknown client is the one error RFC 6749 answers with a 401 (still JSON, as httr2 reads it).
    unknown = token_request(
        Client(), grant_type="password", username=alice.email, password=PASSWORD, client_id="x"
    )
    assert (unknown.status_code, unknown.json()) == (401, {"error": "invalid_client"})
    assert_token_error(
        token_request(Client(), grant_type="client_credentials", client_id=CLIENT_ID), "unauthorized_client"
    )
    assert_token_error(password_grant(Client(), alice.email, scope="write"), "invalid_scope")


def test_a_json_body_is_refused_with_an_oauth_error_not_a_500(alice):
    body = {"grant_type": "password", "username": alice.email, "password": PASSWORD, "client_id": CLIENT_ID}
    response = Client().post(TOKEN_URL, body, content_type="application/json")
    assert_token_error(response, "unsupported_grant_type")


def test_the_token_endpoint_needs_no_csrf_token(alice):
    response = password_grant(Client(enforce_csrf_checks=True), alice.email)
    assert response.status_code == 200, response.content


# The login throttle ----------------------------------------------------------------------------


@pytest.fixture
def login_throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def test_a_locked_out_user_gets_a_json_400_even_with_the_right_password(login_throttling_on, alice):
    client = Client()
    for _ in range(5):
        assert_token_error(password_grant(client, alice.email, "not-the-password"))
    # Counted as the admin login counts: the account's user name from the caller's address.
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("alice", "127.0.0.1", 5)

    locked = password_grant(client, alice.email)
    description = assert_token_error(locked)
    assert "locked for 15 minutes" in description
    assert not AccessToken.objects.exists()
    # The admin login is locked for the same name and address.
    admin = client.post("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD})
    assert admin.status_code == 429
    # Another address is not.
    assert password_grant(Client(REMOTE_ADDR="198.51.100.20"), alice.email).status_code == 200


def test_failures_on_the_admin_login_lock_the_token_endpoint_too(login_throttling_on, alice):
    client = Client()
    for _ in range(5):
        client.post("/admin/login/?next=/admin/", {"username": "alice", "password": "nope"})
    assert "locked" in assert_token_error(password_grant(client, alice.email))


def test_a_successful_token_request_resets_the_failure_count(login_throttling_on, alice):
    client = Client()
    for _ in range(4):
        assert_token_error(password_grant(client, alice.email, "not-the-password"))
    assert password_grant(client, alice.email).status_code == 200
    for _ in range(4):
        assert_token_error(password_grant(client, alice.email, "not-the-password"))
    assert password_grant(client, alice.email).status_code == 200


# Revocation ------------------------------------------------------------------------------------


def test_deactivating_a_user_deletes_their_tokens(alice):
    client = Client()
    tokens = password_grant(client, alice.email).json()
    alice.is_active = False
    alice.save()
    assert not AccessToken.objects.filter(user=alice).exists()
    assert not RefreshToken.objects.filter(user=alice).exists()
    assert_invalid_token(bearer(client, "/api/acled/read?_format=json", tokens["access_token"]))
    assert_token_error(refresh_grant(client, tokens["refresh_token"]))


def test_a_token_of_an_account_deactivated_without_signals_is_refused(alice):
    tokens = password_grant(Client(), alice.email).json()
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)  # no save(), no signal
    assert_invalid_token(bearer(Client(), "/api/acled/read?_format=json", tokens["access_token"]))


def test_changing_the_password_revokes_and_other_saves_do_not(alice):
    client = Client()
    tokens = password_grant(client, alice.email).json()
    alice.first_name = "Alice"
    alice.save()
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    assert signed_in(client, tokens["access_token"])

    alice.set_password("a-new-long-passphrase")
    alice.save()
    assert_invalid_token(bearer(client, "/api/acled/read?_format=json", tokens["access_token"]))
    assert_token_error(refresh_grant(client, tokens["refresh_token"]))
    assert_token_error(password_grant(client, alice.email))  # the old password
    assert password_grant(client, alice.email, "a-new-long-passphrase").status_code == 200


def test_an_expired_access_token_is_refused_with_invalid_token(alice):
    tokens = password_grant(Client(), alice.email).json()
    AccessToken.objects.filter(user=alice).update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert_invalid_token(bearer(Client(), "/api/acled/read?_format=json", tokens["access_token"]))
    assert_invalid_token(bearer(Client(), "/api/deleted/read?_format=json", tokens["access_token"]))


def test_the_revoke_endpoint_revokes_access_and_refresh_tokens(alice):
    client = Client()
    tokens = password_grant(client, alice.email).json()
    revoked = client.post(
        REVOKE_URL, urlencode({"token": tokens["access_token"], "client_id": CLIENT_ID}), content_type=FORM
    )
    assert revoked.status_code == 200, revoked.content
    assert_invalid_token(bearer(client, "/api/acled/read?_format=json", tokens["access_token"]))

    tokens = password_grant(client, alice.email).json()
    body = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token", "client_id": CLIENT_ID}
    assert client.post(REVOKE_URL, urlencode(body), content_type=FORM).status_code == 200
    assert_token_error(refresh_grant(client, tokens["refresh_token"]))


# Credentials on the read endpoints -------------------------------------------------------------


def test_reads_take_an_oauth_token_before_a_chronicle_token_before_key_and_email(alice):
    access = password_grant(Client(), alice.email).json()["access_token"]
    drf = Token.objects.create(user=alice).key
    client = Client()
    # The OAuth token decides even beside a key and e-mail that do not match.
    url = "/api/check/read?key=wrong&email=wrong@example.org"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    # A Chronicle token still works as `Bearer` and as `Token`; key + email without a header too.
    assert signed_in(client, drf)
    assert client.get("/api/check/read", HTTP_AUTHORIZATION=f"Token {drf}").json()["messages"] == [
        "Credentials authorized."
    ]
    assert client.get(f"/api/check/read?key={drf}&email={alice.email}").json()["messages"] == [
        "Credentials authorized."
    ]
    assert_invalid_token(bearer(client, "/api/acled/read", "not-a-token"))


def test_an_access_token_in_the_query_string_is_not_a_credential(alice):
    access = password_grant(Client(), alice.email).json()["access_token"]
    response = Client().get(f"/api/check/read?access_token={access}")
    assert response.json()["messages"] == ["No credentials: published events only."]


# The client and the URLs -----------------------------------------------------------------------


def test_the_acled_client_is_created_once_and_reset_by_every_migrate(db):
    Application.objects.filter(client_id=CLIENT_ID).update(
        client_type="confidential", authorization_grant_type="client-credentials"
    )
    ensure_acled_client()
    ensure_acled_client()
    client = Application.objects.get(client_id=CLIENT_ID)
    assert (client.client_type, client.authorization_grant_type) == ("public", "password")
    assert Application.objects.count() == 1


def test_the_toolkit_has_no_admin_pages():
    from django.contrib import admin

    assert not [model for model in admin.site._registry if model._meta.app_label == "oauth2_provider"]


@pytest.mark.parametrize(
    "path",
    ["/oauth/authorize/", "/oauth/applications/", "/oauth/applications/register/", "/oauth/introspect/"],
)
def test_only_the_token_and_revoke_views_are_mounted(path):
    with pytest.raises(Resolver404):
        resolve(path)
    assert resolve(TOKEN_URL).url_name == "oauth-token"
    assert resolve(REVOKE_URL).url_name == "oauth-revoke-token"


# Over real HTTP --------------------------------------------------------------------------------


@pytest.fixture
def live_world(transactional_db, live_server):
    build_world()
    return live_server


def test_the_curl_sequence_over_http(live_world):
    """docs/acled-compatibility.md's curl recipe, byte for byte what acledR 1.x sends."""
    alice = UserFactory(username="alice", email="alice@example.org")
    host = live_world.url
    form = {"Content-Type": FORM, "Accept": "application/json"}
    token = requests.post(
        f"{host}/oauth/token",
        data={
            "grant_type": "password",
            "username": alice.email,
            "password": PASSWORD,
            "client_id": CLIENT_ID,
        },
        headers=form,
        timeout=30,
    )
    assert token.status_code == 200, token.text
    tokens = token.json()
    assert set(tokens) >= {"token_type", "expires_in", "access_token", "refresh_token"}

    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    query = "_format=json&country=Syria&event_date=2015-01-01|2015-12-31&event_date_where=BETWEEN&limit=0"
    rows = requests.get(f"{host}/api/acled/read?{query}", headers=auth, timeout=30)
    assert rows.status_code == 200 and rows.json()["count"] == 2  # the battle and the airstrike
    csv_rows = requests.get(f"{host}/api/acled/read.csv?country=Syria&limit=0", headers=auth, timeout=30)
    assert csv_rows.text.startswith("event_id_cnty,")
    deleted = requests.get(
        f"{host}/api/deleted/read?_format=json&deleted_timestamp=1704067200", headers=auth, timeout=30
    )
    assert deleted.status_code == 200

    refreshed = requests.post(
        f"{host}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
        },
        headers=form,
        timeout=30,
    )
    assert refreshed.status_code == 200, refreshed.text
    new_refresh = refreshed.json()["refresh_token"]
    revoked = requests.post(
        f"{host}/oauth/revoke_token", data={"client_id": CLIENT_ID, "token": new_refresh}, timeout=30
    )
    assert revoked.status_code == 200
    again = requests.post(
        f"{host}/oauth/token",
        data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": new_refresh},
        headers=form,
        timeout=30,
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    wrong = requests.post(
        f"{host}/oauth/token",
        data={"grant_type": "password", "username": alice.email, "password": "nope", "client_id": CLIENT_ID},
        headers=form,
        timeout=30,
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_the_python_acled_package_in_oauth_mode(live_world, monkeypatch):
    """The `acled` package's OAuth mode, with its token URL and API host pointed at Chronicle."""
    from acled import AcledClient
    from acled.auth import OAuthTokenAuth
    from acled.clients.base_http_client import BaseHttpClient

    alice = UserFactory(username="alice", email="alice@example.org")
    monkeypatch.setattr(OAuthTokenAuth, "TOKEN_ENDPOINT", f"{live_world.url}/oauth/token")
    monkeypatch.setattr(BaseHttpClient, "BASE_URL", f"{live_world.url}/api")
    monkeypatch.setattr(BaseHttpClient, "MAX_RETRIES", 1)
    monkeypatch.setattr(BaseHttpClient, "RETRY_BACKOFF_FACTOR", 0)

    Tombstone.objects.create(
        event_id="SYR999", removed_at=dt.datetime(2024, 7, 1, tzinfo=UTC), reason="error", deleted=True
    )

    client = AcledClient(auth_method="oauth", username=alice.email, password=PASSWORD)
    events = client.get_data(country="Syria", event_type="Battles", limit=10)
    expected = Event.objects.filter(status=Status.PUBLISHED, place__country_code="SYR", event_type="Battles")
    assert sorted(event["event_id_cnty"] for event in events) == sorted(e.event_id for e in expected)
    assert len(events) == 2
    assert [row["event_id_cnty"] for row in client.get_deleted_data(limit=10)] == ["SYR999"]
    assert AccessToken.objects.filter(user=alice).count() == 1  # one sign-in for every call
