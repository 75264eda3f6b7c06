"""OpenAPI generation: every operation declares the shared error shape for its error codes."""

from drf_spectacular import openapi

from events.api.serializers import ErrorSerializer

# 503: config.middleware answers it, in the same shape, when the database is unreachable.
READ_ERRORS = ["400", "401", "403", "404", "429", "503"]
WRITE_ERRORS = [*READ_ERRORS, "409", "412", "415"]


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses the exception handler produces."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses


def event_members_are_optional(result: dict, generator, request, public) -> dict:
    """`fields=` may leave out any member of an event, so the Event schema requires none."""
    result["components"]["schemas"]["Event"].pop("required", None)
    return result
