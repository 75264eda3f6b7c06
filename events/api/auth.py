"""Signing in for API clients, and what a locked-out login gets (django-axes, docs/security.md).

POST /api/v1/auth/token/ {"username": …, "password": …} answers {"token": …}, the key for
`Authorization: Token …` (and for the ACLED-compatible API's `key=`). The password goes through
django.contrib.auth.authenticate() with the HttpRequest, so django-axes counts failures here as on
the admin login: after AXES_FAILURE_LIMIT failures for a user name from one address, both answer
429 for AXES_COOLOFF_TIME, the right password included.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.parameters import QueryParametersMixin
from core.api.serializers import ErrorSerializer
from events.api.parsers import JSONParser


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed sign-ins for this user name from your address: signing in is locked for "
        f"{minutes} minutes, whatever the password. Ask an administrator to unlock it sooner."
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: 429 with Retry-After; the API's JSON error shape under /api/.

    The OAuth token endpoint answers as RFC 6749 has every token error answered, a JSON 400
    `invalid_grant`, which is what httr2 (acledR) and the Python `acled` client understand.
    """
    message = lockout_message()
    if request.path.startswith("/oauth/"):
        return JsonResponse({"error": "invalid_grant", "error_description": message}, status=400)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "errors": [{"message": message}]}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class ObtainTokenView(QueryParametersMixin, APIView):
    """Exchange a user name and password for the account's API token."""

    authentication_classes: list = []  # credentials come in the body; no session, so no CSRF
    permission_classes: list = []
    throttle_classes: list = []  # django-axes throttles failures per user name and address
    parser_classes = [JSONParser, parsers.FormParser]

    @extend_schema(
        summary="Get your API token",
        description=(
            "Send a user name and password; the answer holds the token for `Authorization: Token …`. "
            "After repeated failures for a user name from one address, sign-ins are refused with 429 "
            "for a while, even with the right password."
        ),
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="Wrong user name or password."),
            429: OpenApiResponse(ErrorSerializer, description="Locked out after repeated failures."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs) -> Response:
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The HttpRequest, not DRF's wrapper: django-axes flags it, and its middleware then answers
        # with lockout_response.
        http_request = request._request
        user = authenticate(http_request, **payload.validated_data)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to sign in with this user name and password."]}
            )
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
