"""One JSON error shape for every failure the API reports, and the handler that produces it.

Every error response looks like::

    {"detail": "Unknown value 'Battle' for event_type.",
     "errors": [{"parameter": "event_type", "message": "Unknown value 'Battle'; allowed: …"}]}

`parameter` names a query-string parameter, `field` a member of the request body.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import StaleVersionError


class ParameterError(exceptions.ValidationError):
    """A bad query-string parameter; `detail` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__({name: _as_list(messages) for name, messages in errors.items()})


class ParameterNotFound(exceptions.NotFound):
    """A parameter that points past the data, such as a page beyond the end (404)."""

    def __init__(self, *, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the stored data."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The If-Match header does not match the current version."
    default_code = "precondition_failed"


def _as_list(messages: Any) -> list:
    return messages if isinstance(messages, list) else [messages]


def _flatten(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(name, message) pairs from DRF's nested error detail; names are dotted paths."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            if isinstance(key, int) or str(key).isdigit():
                name = f"{prefix}[{key}]"  # a member of a list: actors[0].actor
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            pairs += _flatten(value, name)
        return pairs
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [(prefix, str(item)) for item in detail]
        pairs = []
        for index, item in enumerate(detail):
            if item:  # DRF leaves {} for the valid members of a list
                pairs += _flatten(item, f"{prefix}[{index}]")
        return pairs
    return [(prefix, str(detail))]


def _errors(detail: Any, *, key: str) -> list[dict[str, str]]:
    errors = []
    for name, message in _flatten(detail):
        entry = {"message": message}
        if name and name not in ("non_field_errors", "__all__"):
            entry[key] = name
        errors.append(entry)
    return errors


def _summary(errors: list[dict[str, str]]) -> str:
    parts = []
    for error in errors:
        name = error.get("parameter") or error.get("field")
        parts.append(f"{name}: {error['message']}" if name else error["message"])
    return " ".join(parts)


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return exc.messages


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn every expected failure into the shared error shape (never a 500 for bad input)."""
    if isinstance(exc, StaleVersionError):
        exc = Conflict(str(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        exc = Conflict("Other records still refer to this one; remove or reassign them first.")
    elif isinstance(exc, IntegrityError):
        exc = Conflict(f"The change conflicts with the stored data: {str(exc).splitlines()[0]}")
    elif isinstance(exc, DjangoPermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, ParameterError):
        errors = _errors(exc.detail, key="parameter")
    elif isinstance(exc, exceptions.ValidationError):
        errors = _errors(exc.detail, key="field")
    elif isinstance(exc, ParameterNotFound):
        errors = [{"parameter": exc.parameter, "message": str(exc.detail)}]
    else:
        errors = (
            [{"message": str(exc.detail)}]
            if not isinstance(exc.detail, (dict, list))
            else _errors(exc.detail, key="field")
        )

    detail = str(exc.detail) if isinstance(exc.detail, str) else _summary(errors)
    response.data = {"detail": detail, "errors": errors}
    return response
