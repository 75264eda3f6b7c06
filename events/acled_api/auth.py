"""Who is calling the ACLED-compatible API.

ACLED's legacy credentials are two query parameters, `key` and `email`. Chronicle reads them as
a Chronicle API token (rest_framework.authtoken) and the e-mail address of the account that owns
it (case-insensitive). Chronicle's own `Authorization: Token …` header works too, as does
`Bearer …` and a browser session. Without credentials the caller is anonymous and reads
published events only, as in /api/v1/.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from events.api.permissions import AnonThrottle, prime_permission_cache

NOT_AUTHORIZED = "Access key and email address are not authorized."


class AcledAuthError(Exception):
    """Credentials that do not identify an active account (403, or 401 for a bad header)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class Throttled(Exception):
    """An anonymous caller over its rate (429 with Retry-After)."""

    def __init__(self, wait: float | None) -> None:
        super().__init__("Request was throttled.")
        self.wait = wait


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <Chronicle token>`, the header OAuth clients send."""

    keyword = "Bearer"


_HEADER_AUTHENTICATORS = (TokenAuthentication(), BearerTokenAuthentication())


def acled_caller(request):
    """The user behind a request: `key` + `email`, a token header, a session, or anonymous."""
    key, email = (request.GET.get(name, "").strip() for name in ("key", "email"))
    if key or email:
        user = _user_for_key(key, email)
    else:
        user = _user_for_header(request) or getattr(request, "user", None) or AnonymousUser()
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
    for authenticator in _HEADER_AUTHENTICATORS:
        try:
            found = authenticator.authenticate(request)
        except AuthenticationFailed as exc:
            raise AcledAuthError(str(exc.detail), status=401) from None
        if found:
            return found[0]
    return None


def check_throttle(request, user) -> None:
    """Anonymous callers share /api/v1/'s anonymous rate; authenticated callers are never throttled."""
    if user.is_authenticated:
        return
    throttle = AnonThrottle()
    if not throttle.allow_request(request, None):
        raise Throttled(throttle.wait())
