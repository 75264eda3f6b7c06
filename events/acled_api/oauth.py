"""ACLED's OAuth token flow, served by django-oauth-toolkit (docs/acled-compatibility.md).

ACLED's clients (acledR 1.x through httr2, the Python `acled` package, ACLED's own guide) POST a
form-encoded body to `{host}/oauth/token`:

    grant_type=password&client_id=acled&username=<the account's e-mail>&password=…[&scope=authenticated]
    grant_type=refresh_token&client_id=acled&refresh_token=…

and get `{"access_token", "expires_in": 86400, "token_type": "Bearer", "scope", "refresh_token"}`,
then send `Authorization: Bearer <access_token>` to `/api/*/read` (events/acled_api/auth.py).
`/oauth/revoke_token` revokes a token (RFC 7009). The toolkit does the protocol; this module adds
what is Chronicle's: the public client `acled`, the e-mail as user name, the password check through
the Django request (so django-axes counts and locks exactly as on the admin login), and deleting a
user's tokens when the account is deactivated or its password changes.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.apps import apps as global_apps
from django.contrib.auth import authenticate, get_user_model, user_logged_in
from django.db.models.signals import post_save, pre_save
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import GRANT_TYPE_MAPPING, OAuth2Validator

CLIENT_ID = "acled"  # what every ACLED client sends, hard-coded in acledR and the `acled` package

# The Django HttpRequest of the token request being answered. oauthlib hands the validator its own
# request object, built from copies of the headers and body; the password check needs the real one.
_django_request: ContextVar = ContextVar("oauth_token_django_request", default=None)


class AcledOAuthLibCore(OAuthLibCore):
    """settings.OAUTH2_PROVIDER["OAUTH2_BACKEND_CLASS"]: makes the Django request of a token
    request available to the validator while oauthlib answers it."""

    def create_token_response(self, request):
        token = _django_request.set(request)
        try:
            return super().create_token_response(request)
        finally:
            _django_request.reset(token)


class AcledOAuth2Validator(OAuth2Validator):
    """settings.OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]."""

    def validate_user(self, username, password, client, request, *args, **kwargs) -> bool:
        """`username` is the account's e-mail, compared without regard to case.

        The password goes through django.contrib.auth.authenticate() with the real HttpRequest and
        the account's own user name, so django-axes counts the failure against the same user name
        and address as the admin login, and a locked-out name is refused here too (the lockout's
        answer is events.api.auth.lockout_response). An e-mail that names no account, or several,
        is counted under the e-mail and refused.
        """
        if "\x00" in username or "\x00" in password:  # PostgreSQL cannot even look these up
            return False
        http_request = _django_request.get() or self.build_http_request(request)
        matches = list(get_user_model().objects.filter(email__iexact=username)[:2])
        login_name = matches[0].get_username() if len(matches) == 1 else username
        user = authenticate(http_request, username=login_name, password=password)
        if user is None or len(matches) != 1 or user.pk != matches[0].pk:
            return False
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        request.user = user
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs) -> bool:
        """The client's own grants, without the toolkit's per-request warning about the password
        grant: ACLED's protocol is that grant (its deploy check is silenced in settings too)."""
        return grant_type in GRANT_TYPE_MAPPING and client.allows_grant_type(*GRANT_TYPE_MAPPING[grant_type])


def ensure_acled_client(sender=None, apps=global_apps, **kwargs) -> None:
    """post_migrate: the public client `acled` (no secret) with the password grant, which also
    allows the refresh_token grant. Created or reset to exactly this after every migrate."""
    try:
        Application = apps.get_model("oauth2_provider", "Application")
    except LookupError:  # the toolkit's tables are not migrated (yet)
        return
    Application.objects.update_or_create(
        client_id=CLIENT_ID,
        defaults={
            "name": "ACLED-compatible clients (acledR, the acled Python package, curl)",
            "client_type": "public",
            "authorization_grant_type": "password",
            "client_secret": "",
            "hash_client_secret": False,
            "redirect_uris": "",
            "user": None,
        },
    )


# Deactivation and password changes -------------------------------------------------------------


def delete_user_tokens(user) -> None:
    """Every OAuth token and grant of `user`: their clients must sign in again."""
    for model in (RefreshToken, AccessToken, IDToken, Grant):
        model.objects.filter(user=user).delete()


def _note_credential_change(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save of the user model: is the account being deactivated, or its password changed?"""
    instance._oauth_tokens_stale = False
    if instance.pk is None:
        return
    if update_fields is not None and not {"is_active", "password"} & set(update_fields):
        return  # e.g. last_login on every sign-in
    before = sender.objects.filter(pk=instance.pk).values("is_active", "password").first()
    if before is not None:
        instance._oauth_tokens_stale = (before["is_active"] and not instance.is_active) or (
            before["password"] != instance.password
        )


def _delete_stale_tokens(sender, instance, created=False, **kwargs) -> None:
    if getattr(instance, "_oauth_tokens_stale", False):
        instance._oauth_tokens_stale = False
        delete_user_tokens(instance)


def unregister_toolkit_admin() -> None:
    """Called from EventsConfig.ready(), after the admin's autodiscovery: no admin pages for the
    toolkit's clients and tokens. The one client is made by ensure_acled_client; tokens end by
    expiry, /oauth/revoke_token, deactivation or a password change (and axes' pages are off too)."""
    from django.contrib import admin

    for model in (Application, AccessToken, Grant, IDToken, RefreshToken):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


def connect_token_revocation() -> None:
    """Called from EventsConfig.ready()."""
    User = get_user_model()
    pre_save.connect(_note_credential_change, sender=User, dispatch_uid="oauth_note_credential_change")
    post_save.connect(_delete_stale_tokens, sender=User, dispatch_uid="oauth_delete_stale_tokens")
