"""Who is calling the ACLED-compatible API.

In this order, the first that is present decides:

1. `Authorization: Bearer <access token>` from ACLED's OAuth token flow (POST /oauth/token,
   events/acled_api/oauth.py), what acledR 1.x and ACLED's current guide send;
2. a Chronicle API token (rest_framework.authtoken) as `Authorization: Token …` or `Bearer …`;
3. ACLED's legacy pair of query parameters, `key` (a Chronicle API token) and `email` (the address
   of the account that owns it, case-insensitive);
4. a browser session.

Without credentials the caller is anonymous and reads published events only, as in /api/v1/. A
header that names no valid token is a 401; a bearer token's 401 says `error="invalid_token"`, on
which httr2 (acledR) signs in again by itself.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from core.api.permissions import prime_permission_cache
from events.api.permissions import AnonThrottle

NOT_AUTHORIZED = "Access key and email address are not authorized."


class AcledAuthError(Exception):
    """Credentials that do not identify an active account (403, or 401 for a bad header)."""

    def __init__(self, message: str, status: int = 403, challenge: str = "Token") -> None:
        super().__init__(message)
        self.message, self.status = message, status
        self.challenge = challenge  # WWW-Authenticate of a 401


class Throttled(Exception):
    """An anonymous caller over its rate (429 with Retry-After)."""

    def __init__(self, wait: float | None) -> None:
        super().__init__("Request was throttled.")
        self.wait = wait


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <Chronicle token>`, the header OAuth clients send."""

    keyword = "Bearer"


class OAuthAccessTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>` from /oauth/token, checked by django-oauth-toolkit's
    validator (known, unexpired, not revoked). Only the path is handed to oauthlib: the toolkit's
    own DRF class parses the whole URL with oauthlib, which refuses ACLED's bare `%` wildcards."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        oauth_request = OAuthlibRequest(request.path)
        validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
        token = parts[1].decode(errors="replace")
        if validator.validate_bearer_token(token, [], oauth_request) and oauth_request.user is not None:
            return oauth_request.user, oauth_request.access_token
        return None  # perhaps a Chronicle token sent as Bearer: BearerTokenAuthentication decides


_HEADER_AUTHENTICATORS = (
    OAuthAccessTokenAuthentication(),
    TokenAuthentication(),
    BearerTokenAuthentication(),
)


def acled_caller(request):
    """The user behind a request: a token header, `key` + `email`, a session, or anonymous."""
    user = _user_for_header(request)
    if user is None:
        key, email = (request.GET.get(name, "").strip() for name in ("key", "email"))
        if key or email:
            user = _user_for_key(key, email)
        else:
            user = getattr(request, "user", None) or AnonymousUser()
    prime_permission_cache(user)
    return user


def _user_for_key(key: str, email: str):
    if not (key and email):
        missing = "email" if key else "key"
        raise AcledAuthError(
            f"{NOT_AUTHORIZED} Send both key (your Chronicle API token) and email (its account's "
            f"address), or neither to read published events; {missing} is missing."
        )
    token = Token.objects.select_related("user").filter(key=key).first()
    user = token.user if token else None
    if user is None or not user.is_active or (user.email or "").casefold() != email.casefold():
        raise AcledAuthError(NOT_AUTHORIZED)
    return user


def _user_for_header(request):
    """An OAuth access token first, then a Chronicle token; None without an Authorization header."""
    for authenticator in _HEADER_AUTHENTICATORS:
        try:
            found = authenticator.authenticate(request)
        except AuthenticationFailed as exc:
            raise _header_refused(request, str(exc.detail)) from None
        if found:
            if not found[0].is_active:  # tokens die with the account; this covers bulk updates
                raise _header_refused(request, "User inactive or deleted.")
            return found[0]
    return None


def _header_refused(request, message: str) -> AcledAuthError:
    scheme = get_authorization_header(request).split(b" ", 1)[0].lower()
    if scheme == b"bearer":  # RFC 6750: clients get a new access token and retry
        return AcledAuthError(
            message, status=401, challenge=f'Bearer error="invalid_token", error_description="{message}"'
        )
    return AcledAuthError(message, status=401)


def check_throttle(request, user) -> None:
    """Anonymous callers share /api/v1/'s anonymous rate; authenticated callers are never throttled."""
    if user.is_authenticated:
        return
    throttle = AnonThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(throttle.wait())
