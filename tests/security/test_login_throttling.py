"""Login throttling (django-axes): the admin login form and the API token endpoint lock a user name
out from an address after five failures, for fifteen minutes, whatever the password then is.

Every sign-in here goes through the real login form or the real token endpoint (the test client's
login() skips both); tests/conftest.py turns axes off for the rest of the suite, so each test here
turns it on.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, EventFactory

ADMIN_LOGIN = "/admin/login/?next=/admin/"
TOKEN_URL = "/api/v1/auth/token/"
WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def login_throttling_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def admin_login(client: Client, username: str, password: str, **extra):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}, **extra)


def token_login(client: Client, username: str, password: str, **extra):
    return client.post(
        TOKEN_URL, {"username": username, "password": password}, content_type="application/json", **extra
    )


def signed_in_to_admin(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


# The admin login form --------------------------------------------------------------------------


def test_four_wrong_passwords_only_show_the_form_again(curator):
    client = Client()
    for _ in range(4):
        response = admin_login(client, "curator", WRONG)
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    assert admin_login(client, "curator", PASSWORD).status_code == 302
    assert signed_in_to_admin(client)


def test_the_fifth_wrong_password_locks_the_admin_login_with_a_429_and_a_reason(curator):
    client = Client()
    statuses = [admin_login(client, "curator", WRONG).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    locked = admin_login(client, "curator", WRONG)
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.content.decode()
    assert locked["Retry-After"] == str(15 * 60)


def test_a_locked_out_user_is_refused_even_with_the_right_password(curator):
    client = Client()
    for _ in range(5):
        admin_login(client, "curator", WRONG)

    response = admin_login(client, "curator", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not signed_in_to_admin(client)


def test_the_lockout_is_per_user_name_another_user_signs_in_from_the_same_address(curator, reviewer):
    client = Client()
    for _ in range(5):
        admin_login(client, "curator", WRONG)

    other = Client()
    assert admin_login(other, "reviewer", PASSWORD).status_code == 302
    assert signed_in_to_admin(other)


def test_the_lockout_is_per_address_the_same_user_signs_in_from_elsewhere(curator):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        admin_login(attacker, "curator", WRONG)
    assert admin_login(attacker, "curator", PASSWORD).status_code == 429

    office = Client(REMOTE_ADDR="198.51.100.20")
    assert admin_login(office, "curator", PASSWORD).status_code == 302


def test_unknown_user_names_are_locked_out_too(db):
    client = Client()
    statuses = [admin_login(client, "nobody", WRONG).status_code for _ in range(6)]
    assert statuses[-2:] == [429, 429]


def test_a_forged_x_forwarded_for_does_not_give_a_fresh_address_per_attempt(curator):
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        admin_login(client, "curator", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(6)
    ]
    assert statuses[-2:] == [429, 429]
    assert admin_login(client, "curator", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_a_trusted_proxy_the_address_it_appended_is_the_one_counted(settings, curator):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(5):
        # The client prepends a made-up hop; the proxy appends the address it really saw.
        admin_login(proxy, "curator", WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    locked = admin_login(proxy, "curator", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    colleague = admin_login(proxy, "curator", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert colleague.status_code == 302


def test_the_lock_lifts_after_the_cool_off(curator):
    client = Client()
    for _ in range(5):
        admin_login(client, "curator", WRONG)
    assert admin_login(client, "curator", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert admin_login(client, "curator", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(curator):
    client = Client()
    for _ in range(4):
        admin_login(client, "curator", WRONG)
    assert admin_login(client, "curator", PASSWORD).status_code == 302
    client.logout()
    statuses = [admin_login(client, "curator", WRONG).status_code for _ in range(4)]
    assert statuses == [200] * 4


def test_an_administrator_can_unlock_a_user_early(curator):
    client = Client()
    for _ in range(5):
        admin_login(client, "curator", WRONG)
    call_command("axes_reset_username", "curator")
    assert admin_login(client, "curator", PASSWORD).status_code == 302


def test_failed_attempts_are_recorded_without_the_password(curator):
    client = Client()
    admin_login(client, "curator", "hunter2-secret")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.failures_since_start) == ("curator", 1)
    assert "hunter2-secret" not in attempt.post_data


def test_with_throttling_switched_off_nothing_is_counted(settings, curator):
    settings.AXES_ENABLED = False
    client = Client()
    statuses = [admin_login(client, "curator", WRONG).status_code for _ in range(7)]
    assert statuses == [200] * 7
    assert not AccessAttempt.objects.exists()


# The API token endpoint -----------------------------------------------------------------------


def test_the_token_endpoint_gives_the_accounts_token_for_the_right_password(viewer):
    response = token_login(Client(), "viewer", PASSWORD)
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=viewer).key}
    # The token works: a viewer reads drafts.
    draft = EventFactory()
    api = Client(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(f"/api/v1/events/{draft.event_id}/").status_code == 200


def test_the_token_endpoint_refuses_a_wrong_password_in_the_error_shape(viewer):
    response = token_login(Client(), "viewer", WRONG)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to sign in with this user name and password.",
        "errors": [{"message": "Unable to sign in with this user name and password."}],
    }
    assert not Token.objects.exists()


def test_the_token_endpoint_names_a_missing_field(db):
    response = Client().post(TOKEN_URL, {"username": "viewer"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "password", "message": "This field is required."}]


def test_the_token_endpoint_refuses_an_inactive_account(viewer):
    viewer.is_active = False
    viewer.save()
    assert token_login(Client(), "viewer", PASSWORD).status_code == 400


def test_five_wrong_passwords_lock_the_token_endpoint_with_a_json_429(viewer):
    client = Client()
    statuses = [token_login(client, "viewer", WRONG).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]

    response = token_login(client, "viewer", PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert "locked for 15 minutes" in body["detail"]
    assert body["errors"] == [{"message": body["detail"]}]
    assert response["Retry-After"] == str(15 * 60)
    assert not Token.objects.exists()


def test_a_locked_token_endpoint_leaves_other_users_alone(viewer, curator):
    client = Client()
    for _ in range(5):
        token_login(client, "viewer", WRONG)
    assert token_login(client, "curator", PASSWORD).status_code == 200


def test_failures_on_the_admin_and_the_token_endpoint_add_up(curator):
    client = Client()
    for _ in range(3):
        admin_login(client, "curator", WRONG)
    assert token_login(client, "curator", WRONG).status_code == 400
    assert token_login(client, "curator", WRONG).status_code == 429
    assert admin_login(client, "curator", PASSWORD).status_code == 429
    assert token_login(client, "curator", PASSWORD).status_code == 429


def test_the_token_endpoint_needs_no_csrf_token_and_takes_only_post(viewer):
    client = Client(enforce_csrf_checks=True)
    assert token_login(client, "viewer", PASSWORD).status_code == 200
    assert client.get(TOKEN_URL).status_code == 405
